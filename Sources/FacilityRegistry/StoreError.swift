/// Why the store refused or failed. Each message says what happened and what to do.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The folder that should hold the store does not exist (no folder is created).
    case missingDirectory(path: String, directory: String)
    /// The file exists but is not a SQLite database, or is a database another program made.
    case notAFacilityMapStore(path: String, reason: String)
    /// The store was written by a newer FacilityMap, with a schema this one does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// The store cannot be opened or written (permissions, disk full, locked for too long).
    case cannotOpen(path: String, reason: String)
    /// The store cannot be written: the file or its folder is read-only.
    case readOnly(path: String)
    /// A write failed for want of room: the disk is full, or the process may not write a file this large.
    case diskFull(path: String)
    /// Another process held the store for longer than the busy timeout.
    case busy(path: String, seconds: Int)
    /// SQLite or SpatiaLite reported an error.
    case sqlite(path: String, code: Int32, message: String, sql: String)
    /// A write token of this name exists already.
    case tokenExists(name: String)
    /// A copy (`facilitymap migrate`) into a store that already holds rows.
    case notEmpty(path: String, table: String)

    public var description: String {
        switch self {
        case let .missingDirectory(path, directory):
            "\(path): the folder \(directory) does not exist — create it first, or give another --store path"
        case let .notAFacilityMapStore(path, reason):
            "\(path): not a FacilityMap store (\(reason)) — FacilityMap never changes a file it did not create; give another --store path"
        case let .newerSchema(path, found, supported):
            "\(path): this store has schema version \(found), written by a newer FacilityMap (this one knows up to \(supported)) — use a newer facilitymap, or another --store path"
        case let .cannotOpen(path, reason):
            "\(path): cannot open the store: \(reason)"
        case let .readOnly(path):
            "\(path): the store is read-only — check the file's and its folder's permissions, or give another --store path"
        case let .diskFull(path):
            "\(path): the disk is full (or a file size limit was reached) — nothing was changed; free space and run the command again"
        case let .busy(path, seconds):
            "\(path): another facilitymap process kept the store busy for more than \(seconds) s — nothing was changed; run the command again when it has finished"
        case let .notEmpty(path, table):
            "\(path): its \(table) table is not empty — migrate into a new store (a path that does not exist yet)"
        case let .tokenExists(name):
            "a token named \(name) exists already — remove it first (`facilitymap token remove \(name)`) or choose another name"
        case let .sqlite(path, code, message, sql):
            "\(path): the store failed (SQLite \(code): \(message)) while running: \(sql.prefix(200))"
        }
    }
}

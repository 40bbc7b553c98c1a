import FacilityFormats
import FacilityText

/// Why the store refused or failed. Each message says what happened and what to do.
public enum StoreError: PhrasedError, Equatable {
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

    public var phrase: Phrase {
        switch self {
        case let .missingDirectory(path, directory): Phrase("error.store.missing-directory", path, directory)
        case let .notAFacilityMapStore(path, reason): Phrase("error.store.foreign", arguments: [.text(path), .phrase(.reason(reason))])
        case let .newerSchema(path, found, supported): Phrase("error.store.newer-schema", path, String(found), String(supported))
        case let .cannotOpen(path, reason): Phrase("error.store.cannot-open", arguments: [.text(path), .phrase(.reason(reason))])
        case let .readOnly(path): Phrase("error.store.read-only", path)
        case let .diskFull(path): Phrase("error.store.disk-full", path)
        case let .busy(path, seconds): Phrase("error.store.busy", path, String(seconds))
        case let .notEmpty(path, table): Phrase("error.store.not-empty", path, table)
        case let .tokenExists(name): Phrase("error.store.token-exists", name)
        // SQLite's own words and the statement stay as SQLite gives them.
        case let .sqlite(path, code, message, sql): Phrase("error.store.sqlite", path, String(code), message, String(sql.prefix(200)))
        }
    }
}

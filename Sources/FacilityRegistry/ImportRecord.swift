import Foundation

/// One import, as recorded in `import_log`.
public struct ImportRecord: Equatable, Sendable {
    public var file: String
    public var sha256: String
    /// UTC, ISO 8601.
    public var importedAt: String
    /// `units` or `facilities`.
    public var layer: String
    public var rows: Int
    public var new: Int
    public var updated: Int
    public var unchanged: Int
    public var rejected: Int
    /// Who imported it: a token's name, or `local user NAME` for the command line; nil before schema 4.
    public var author: String?
    /// Its number in the log (1, 2, …); nil before it is recorded.
    public var number: Int?

    public init(file: String, sha256: String, importedAt: String, layer: String, rows: Int, new: Int,
                updated: Int, unchanged: Int, rejected: Int, author: String? = nil, number: Int? = nil) {
        self.author = author
        self.number = number
        self.file = file
        self.sha256 = sha256
        self.importedAt = importedAt
        self.layer = layer
        self.rows = rows
        self.new = new
        self.updated = updated
        self.unchanged = unchanged
        self.rejected = rejected
    }
}

/// What an upsert did.
public enum UpsertOutcome: Equatable, Sendable {
    case inserted, updated, unchanged
}


/// What storing one row of an import did (`RegistryWriter.store(_:)`).
public enum RowOutcome: Equatable, Sendable {
    case inserted, updated, unchanged
    /// Not stored: an earlier row of the same import has its id, and was kept. `of` is that row's place among the rows
    /// the import handed over (0 for the first row of its first batch).
    case repeated(of: Int)

    public init(_ outcome: UpsertOutcome) {
        switch outcome {
        case .inserted: self = .inserted
        case .updated: self = .updated
        case .unchanged: self = .unchanged
        }
    }
}

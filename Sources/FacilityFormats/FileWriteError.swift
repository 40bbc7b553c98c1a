import FacilityText

/// Why writing a file — a CSV file, an `.xlsx` workbook — failed. `description` names the file, what failed and what to
/// do (the detail says which kind of file in its words).
public struct FileWriteError: PhrasedError, Equatable {
    public let path: String
    /// What failed and what to do, in any language.
    public let detail: Phrase

    public init(path: String, detail: Phrase) {
        self.path = path
        self.detail = detail
    }

    public init(path: String, reason: String) {
        self.init(path: path, detail: .verbatim(reason))
    }

    init(path: String, _ key: String, _ arguments: Phrase.Argument...) {
        self.init(path: path, detail: Phrase(key, arguments: arguments))
    }

    /// What failed and what to do, in English.
    public var reason: String { detail.text(in: .en) }

    public var description: String { "\(path): \(reason)" }

    public var phrase: Phrase { Phrase("write.error", arguments: [.text(path), .phrase(detail)]) }

    /// The same file and the same words in English, however they were put together.
    public static func == (a: FileWriteError, b: FileWriteError) -> Bool { a.path == b.path && a.reason == b.reason }
}

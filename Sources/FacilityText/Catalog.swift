import Foundation

/// The messages of one language, read from its `.strings` file (the format of Apple's localisation and of the
/// translation tools that read it: `"key" = "value";`, comments in `/* */` or after `//`), embedded in the binary.
/// Placeholders are positional, `%1$@`, `%2$@`…, so that a language may put them in its own order.
///
/// A plain table rather than `Bundle.localizedString`: on Linux a resource bundle must be found beside the binary at
/// run time, and the offline tool is one file to copy; the `.strings` files stay what translators edit.
public struct Catalog: Sendable {
    public let language: Language
    public let messages: [String: String]

    public static let en = Catalog(language: .en, bytes: PackageResources.en_strings)
    public static let zh = Catalog(language: .zh, bytes: PackageResources.zh_strings)

    public static func of(_ language: Language) -> Catalog {
        switch language {
        case .en: en
        case .zh: zh
        }
    }

    init(language: Language, bytes: [UInt8]) {
        self.language = language
        messages = (try? Self.parse(String(decoding: bytes, as: UTF8.self))) ?? [:]
    }

    /// The pairs of a `.strings` text; throws on text that is not one.
    public static func parse(_ text: String) throws -> [String: String] {
        var messages: [String: String] = [:]
        let characters = Array(text.unicodeScalars)
        var i = 0
        func skipSpaceAndComments() {
            while i < characters.count {
                if characters[i].properties.isWhitespace { i += 1; continue }
                if characters[i] == "/", i + 1 < characters.count, characters[i + 1] == "*" {
                    i += 2
                    while i + 1 < characters.count, !(characters[i] == "*" && characters[i + 1] == "/") { i += 1 }
                    i += 2
                    continue
                }
                if characters[i] == "/", i + 1 < characters.count, characters[i + 1] == "/" {
                    while i < characters.count, characters[i] != "\n" { i += 1 }
                    continue
                }
                break
            }
        }
        func quoted() throws -> String {
            guard i < characters.count, characters[i] == "\"" else { throw CatalogError(offset: i, reason: "a quoted string") }
            i += 1
            var out = String.UnicodeScalarView()
            while i < characters.count, characters[i] != "\"" {
                if characters[i] == "\\", i + 1 < characters.count {
                    i += 1
                    switch characters[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(characters[i])
                    }
                } else {
                    out.append(characters[i])
                }
                i += 1
            }
            guard i < characters.count else { throw CatalogError(offset: i, reason: "a closing quote") }
            i += 1
            return String(out)
        }
        func expect(_ scalar: Unicode.Scalar) throws {
            skipSpaceAndComments()
            guard i < characters.count, characters[i] == scalar else { throw CatalogError(offset: i, reason: "\(scalar)") }
            i += 1
        }
        while true {
            skipSpaceAndComments()
            if i >= characters.count { break }
            let key = try quoted()
            try expect("=")
            skipSpaceAndComments()
            let value = try quoted()
            try expect(";")
            guard messages[key] == nil else { throw CatalogError(offset: i, reason: "one entry for \(key), not two") }
            messages[key] = value
        }
        return messages
    }

    /// The message `key` with its placeholders filled by `arguments` (`%1$@` the first); the key itself when the
    /// catalogue lacks it (a test sees to it that none does).
    public func text(_ key: String, _ arguments: [String]) -> String {
        guard let template = messages[key] else { return key }
        return Self.fill(template, arguments)
    }

    /// `template` with `%N$@` replaced by `arguments[N-1]` and `%%` by `%`.
    static func fill(_ template: String, _ arguments: [String]) -> String {
        guard template.contains("%") else { return template }
        var out = ""
        var scalars = template.unicodeScalars[...]
        while let c = scalars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            if scalars.first == "%" { scalars.removeFirst(); out.append("%"); continue }
            var digits = ""
            while let d = scalars.first, ("0"..."9").contains(d) { digits.unicodeScalars.append(d); scalars.removeFirst() }
            if scalars.starts(with: "$@".unicodeScalars), let n = Int(digits), n >= 1, n <= arguments.count {
                scalars.removeFirst(2)
                out += arguments[n - 1]
            } else {
                out += "%" + digits
            }
        }
        return out
    }

    /// The placeholders of `template`: the numbers N of its `%N$@`.
    public static func placeholders(_ template: String) -> Set<Int> {
        var found = Set<Int>()
        var scalars = template.unicodeScalars[...]
        while let c = scalars.popFirst() {
            guard c == "%" else { continue }
            if scalars.first == "%" { scalars.removeFirst(); continue }
            var digits = ""
            while let d = scalars.first, ("0"..."9").contains(d) { digits.unicodeScalars.append(d); scalars.removeFirst() }
            if scalars.starts(with: "$@".unicodeScalars), let n = Int(digits) { found.insert(n) }
        }
        return found
    }
}

/// A `.strings` text that is not one.
public struct CatalogError: Error, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "at character \(offset): expected \(reason)" }
}

/// A message of the interface, by its key in the catalogues: `Message.importSummary.text("10 rows", …)`.
public struct Message: Hashable, Sendable {
    public let key: String

    public init(_ key: String) { self.key = key }

    /// The message in `language` (the process's by default), its placeholders filled in order.
    public func text(_ arguments: String..., in language: Language = .current) -> String {
        Catalog.of(language).text(key, arguments)
    }

    public func text(_ arguments: [String], in language: Language = .current) -> String {
        Catalog.of(language).text(key, arguments)
    }

    /// A table's headings, the catalogues' `table.` keys (`table.code` …), in `language`.
    public static func headings(_ keys: [String], in language: Language = .current) -> [String] {
        keys.map { Message("table." + $0).text(in: language) }
    }
}

/// A message with its values, to be said in any language later: what a rejected row keeps, so that the command
/// line says it in the user's language and the API in English. A value may itself be a phrase (said in the same
/// language); `verbatim` text is the same in every language (what is not in the catalogues yet).
public struct Phrase: Hashable, Sendable {
    public indirect enum Argument: Hashable, Sendable {
        case text(String)
        case phrase(Phrase)
    }

    public let key: String
    public let arguments: [Argument]

    public init(_ key: String, _ arguments: String...) {
        self.key = key
        self.arguments = arguments.map(Argument.text)
    }

    public init(_ key: String, arguments: [Argument]) {
        self.key = key
        self.arguments = arguments
    }

    /// Text the same in every language.
    public static func verbatim(_ text: String) -> Phrase { Phrase("", text) }

    /// Phrases said one after another, `; ` between them.
    public static func sequence(_ phrases: [Phrase]) -> Phrase { Phrase(";", arguments: phrases.map(Argument.phrase)) }

    /// Items listed one after another: `a, b, c` in English, `a、b、c` in Chinese.
    public static func list<S: Sequence>(_ items: S) -> Phrase where S.Element == String {
        Phrase(",", arguments: items.map(Argument.text))
    }

    /// Phrases listed one after another, as `list(_:)` lists text.
    public static func list(phrases: [Phrase]) -> Phrase { Phrase(",", arguments: phrases.map(Argument.phrase)) }

    /// `label: phrase`.
    public static func labelled(_ label: String, _ phrase: Phrase) -> Phrase { Phrase(":", arguments: [.text(label), .phrase(phrase)]) }

    public func text(in language: Language) -> String {
        let values = arguments.map { argument -> String in
            switch argument {
            case let .text(text): text
            case let .phrase(phrase): phrase.text(in: language)
            }
        }
        switch key {
        case "": return values.first ?? ""
        case ";": return values.joined(separator: language == .zh ? "；" : "; ")
        case ",": return values.joined(separator: Self.listSeparator(in: language))
        case ":": return values.joined(separator: language == .zh ? "：" : ": ")
        default: return Catalog.of(language).text(key, values)
        }
    }
}

extension Phrase {
    /// What separates the items of a list in `language`: ", " in English, "、" (the enumeration comma) in Chinese.
    public static func listSeparator(in language: Language) -> String { language == .zh ? "、" : ", " }
}

/// An error whose message a person reads, said in any language: the command line says it in the user's, the API
/// (`description`) in English.
public protocol PhrasedError: Error, CustomStringConvertible {
    var phrase: Phrase { get }
}

extension PhrasedError {
    public var description: String { phrase.text(in: .en) }
}

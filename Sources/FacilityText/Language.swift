import Foundation

/// The languages FacilityMap speaks to people in. What it writes for programs (JSON and CSV keys, exit statuses, API
/// error codes) is the same in every language.
public enum Language: String, CaseIterable, Sendable {
    case en, zh

    /// The language of this process's messages: set once at start from `--lang`, else the locale.
    nonisolated(unsafe) public static var current: Language = .en

    /// A language as `--lang` (or an `Accept-Language` tag) names it: `zh`, `zh-CN`, `zh_CN.UTF-8`, `zh-Hans`, `en`,
    /// `en-US`…; nil for any other.
    public init?(tag: String) {
        let base = tag.trimmingCharacters(in: .whitespaces).lowercased().split(whereSeparator: { "-_.@".contains($0) }).first
        switch base {
        case "zh"?: self = .zh
        case "en"?: self = .en
        default: return nil
        }
    }

    /// The locale's language, as POSIX chooses it: `LC_ALL`, else `LC_MESSAGES`, else `LANG` (the first set and not
    /// empty); Chinese for `zh_*`, else English (`C`, `POSIX` and unset too).
    public static func fromLocale(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty { return Language(tag: value) ?? .en }
        }
        return .en
    }

    /// `arguments` without `--lang X` / `--lang=X` (before a `--`), and the language they name, else the locale's;
    /// the failure carries the value it could not read when `--lang` names neither language.
    public static func taking(from arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (arguments: [String], language: Result<Language, LanguageError>) {
        var kept: [String] = []
        var given: String?
        var skipNext = false, ended = false
        for (i, argument) in arguments.enumerated() {
            if skipNext { skipNext = false; continue }
            if !ended && argument == "--" { ended = true }
            if !ended && argument == "--lang" { given = i + 1 < arguments.count ? arguments[i + 1] : ""; skipNext = true; continue }
            if !ended && argument.hasPrefix("--lang=") { given = String(argument.dropFirst(7)); continue }
            kept.append(argument)
        }
        guard let given else { return (kept, .success(fromLocale(environment))) }
        return (kept, Language(tag: given).map { .success($0) } ?? .failure(LanguageError(given: given)))
    }

    /// The language `--lang` names in `arguments`, else the locale's (`taking(from:environment:)`'s).
    public static func chosen(by arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Result<Language, LanguageError> {
        taking(from: arguments, environment: environment).language
    }

    /// The language of the `Accept-Language` header `header` (RFC 9110: the tag of highest weight this tool
    /// speaks); nil when it names none.
    public static func accepted(_ header: String) -> Language? {
        var best: (language: Language, weight: Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";")
            guard let tag = pieces.first, let language = Language(tag: String(tag)) else { continue }
            var weight = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("q="), let q = Double(pair.dropFirst(2)) { weight = q }
            }
            if weight > 0, weight > (best?.weight ?? -1) { best = (language, weight) }
        }
        return best?.language
    }
}

/// `--lang` naming a language FacilityMap does not speak.
public struct LanguageError: Error, Equatable, CustomStringConvertible {
    public let given: String
    public var description: String { "--lang \(given) is not known: use zh (中文) or en (English)" }
}

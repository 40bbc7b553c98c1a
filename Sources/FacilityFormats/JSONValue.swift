/// A parsed JSON value (RFC 8259).
///
/// Objects are plain dictionaries: member order is NOT kept, and when a key repeats the last
/// value wins (RFC 8259 allows both). Numbers are `Double`, so integers beyond ±2^53 lose
/// precision — keep long codes as strings in the source.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses UTF-8 JSON bytes (an optional BOM is skipped); see `JSONParser`.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 256) throws -> JSONValue {
        try JSONParser(maxDepth: maxDepth).parse(bytes)
    }

    /// A string as is, or a number as text: integers without a trailing ".0" (410300 → "410300"),
    /// others in Swift's shortest round-trip form (34.62 → "34.62"). Nil for other kinds.
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .number(let x):
            if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
            return "\(x)"
        default: return nil
        }
    }

    /// A number, or a string holding a plain decimal number ("34.62", "1e3"); nil otherwise
    /// (including "NaN"/"inf" strings and out-of-range values).
    public var doubleValue: Double? {
        switch self {
        case .number(let x): return x
        case .string(let s):
            guard !s.isEmpty, s.utf8.allSatisfy({ numericBytes.contains($0) }),
                  let x = Double(s), x.isFinite else { return nil }
            return x
        default: return nil
        }
    }

    /// An integral number within ±2^53, or a string holding a decimal integer ("410300");
    /// nil otherwise (34.5 is nil, not 34).
    public var intValue: Int? {
        switch self {
        case .number(let x):
            guard x == x.rounded(), abs(x) <= 9_007_199_254_740_992 else { return nil }
            return Int(x)
        case .string(let s):
            return Int(s)
        default: return nil
        }
    }

    /// The Bool of a `.bool`; nil otherwise.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements of an `.array`; nil otherwise.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members of an `.object`; nil otherwise.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The member `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The kind with an article, for messages: "null", "a boolean", "a number", "a string",
    /// "an array", "an object".
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

private let numericBytes: Set<UInt8> = Set("0123456789+-.eE".utf8)

/// JSON text written by hand so that keys keep their order and Chinese stays UTF-8: the one JSON string escaping of
/// values (`GeoJSONWriter` escapes the same characters byte by byte, as it streams). Escapes `"`, `\`, C0 controls
/// and U+2028/U+2029.
public enum JSONText {
    public static func string(_ text: String) -> String {
        var out = ""
        append(string: text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string to the UTF-8 bytes `out`.
    public static func append(string text: String, to out: inout [UInt8]) {
        if needsNoEscape(text) {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(contentsOf: string(text).utf8)
        }
    }

    /// Nothing to escape (the usual case). A 0xE2 lead byte may start U+2028 or U+2029: escaped the long way.
    public static func needsNoEscape(_ text: String) -> Bool {
        !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 })
    }

    /// Appends `text` as a JSON string to `out`.
    public static func append(string text: String, to out: inout String) {
        if needsNoEscape(text) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    public static func value(_ text: String?) -> String { text.map(string) ?? "null" }
    public static func value(_ number: Int?) -> String { number.map(String.init) ?? "null" }
    public static func value(_ flag: Bool?) -> String { flag.map { $0 ? "true" : "false" } ?? "null" }
    public static func value(_ number: Double?) -> String {
        guard let number, number.isFinite else { return "null" }
        return number.rounded() == number && number.magnitude < 1e15 ? String(Int(number)) : String(number)
    }

    /// `{"key": value, ...}` from already-encoded values, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
}

/// Plain-text output helpers shared by `list` and `stats`: aligned tables (CJK counted as two columns),
/// CSV cells and JSON strings without `\u` escapes for Chinese.
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart.
    public static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) } }
        var out = ""
        for (r, row) in all.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - displayWidth(cell))
                line += rightAligned.contains(i) ? pad + cell : cell + (i == row.count - 1 ? "" : pad)
                if i < row.count - 1 { line += "  " }
            }
            out += line + "\n"
            if r == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    /// Terminal columns: East Asian wide characters take two.
    public static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                 0xFFE0...0xFFE6, 0x20000...0x3FFFD: width + 2
            default: width + 1
            }
        }
    }
}

/// JSON text written by hand so that keys keep their order and Chinese stays UTF-8.
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
    static func needsNoEscape(_ text: String) -> Bool {
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

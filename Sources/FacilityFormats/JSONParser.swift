#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and why JSON text was rejected.
///
/// `line` and `column` are 1-based; the column counts Unicode scalars (not bytes) from the line
/// start. `offset` is the 0-based byte offset.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let offset: Int
    public let message: String

    public init(line: Int, column: Int, offset: Int, message: String) {
        self.line = line
        self.column = column
        self.offset = offset
        self.message = message
    }

    /// e.g. "line 12, column 5: expected ',' or '}' after an object member".
    public var description: String { "line \(line), column \(column): \(message)".singleLine }
}

/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Accepts one JSON value with optional surrounding whitespace and an optional UTF-8 BOM.
/// Rejects: NaN/Infinity, trailing commas, comments, single quotes, leading zeros, control
/// characters and invalid UTF-8 in strings, lone UTF-16 surrogates in `\u` escapes, numbers
/// beyond the Double range, anything after the value, and nesting deeper than `maxDepth`.
/// Numbers are correctly rounded (C `strtod`). Lines are counted at "\n".
public struct JSONParser: Sendable {
    /// Deepest allowed nesting of arrays/objects (the top-level container is depth 1), clamped
    /// to 1...1,000. The parser itself does not recurse, but Swift frees a nested `JSONValue`
    /// recursively, so trees deeper than ~1,000 could exhaust a thread's stack when released.
    public var maxDepth: Int

    public init(maxDepth: Int = 256) {
        self.maxDepth = maxDepth
    }

    /// Parses one JSON value; throws `JSONParseError`.
    public func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer, maxDepth: maxDepth)
            try cursor.skipPreamble()
            let value = try cursor.parseValue(depth: 0)
            try cursor.expectEnd()
            return value
        }
    }
}

// MARK: - Cursor

private let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
private let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")
private let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
private let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
private let newline = UInt8(ascii: "\n")

/// More arrays of numbers than `JSONCursor.positionLimit`; `line` is where the parse stopped.
struct PositionLimitReached: Error {
    let line: Int
}

/// An array or object whose closing bracket has not been read yet.
private struct OpenContainer {
    let isArray: Bool
    let openLine: Int
    var elements: [JSONValue] = []
    var members: [String: JSONValue] = [:]
    var key = ""

    init(isArray: Bool, openLine: Int) {
        self.isArray = isArray
        self.openLine = openLine
    }
}

/// Byte-level reading state shared by `JSONParser` and the GeoJSON reader. It borrows the
/// buffer, so it must not outlive the `withUnsafeBufferPointer` call that made it.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// 1-based line of `position`.
    private(set) var line = 1
    /// Byte offset where the current line starts.
    private var lineStart = 0
    let maxDepth: Int
    private var scratch: [UInt8] = []
    /// Arrays of numbers (positions) closed since this was last set to 0.
    var positions = 0
    /// More positions than this stops the parse with `PositionLimitReached` (memory stays bounded however large
    /// the geometry in the file).
    var positionLimit = Int.max

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = Swift.max(1, Swift.min(maxDepth, 1000))
    }

    var isAtEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    // MARK: Errors

    /// An error at byte `offset` (default: the current position), which must be on the current line.
    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        let at = Swift.min(offset ?? position, bytes.count)
        let start = Swift.min(lineStart, at)
        var column = 1
        var i = start
        while i < at {
            if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return JSONParseError(line: line, column: column, offset: at, message: message)
    }

    func endOfFile(_ context: String) -> JSONParseError {
        error("unexpected end of file \(context) — the file is truncated or a bracket/quote is missing")
    }

    // MARK: Whitespace and structure

    /// Skips a UTF-8 BOM and whitespace before the first value; rejects UTF-16/32 BOMs.
    mutating func skipPreamble() throws {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
            lineStart = 3
        } else if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            throw error("the file is UTF-16 (byte-order mark \(hex(bytes[0])) \(hex(bytes[1]))) — save it as UTF-8")
        }
        skipWhitespace()
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 || b == 0x0D {
                position += 1
            } else if b == newline {
                position += 1
                line += 1
                lineStart = position
            } else {
                return
            }
        }
    }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws {
        skipWhitespace()
        if !isAtEnd {
            throw error("unexpected \(describeByte(bytes[position])) after the end of the JSON value"
                        + " — a file holds exactly one value (is a ',' or bracket misplaced?)")
        }
    }

    // MARK: Values

    /// Parses the value at the current position (after whitespace). `depth` is the number of
    /// containers around it. Iterative (an explicit stack of open containers), so nesting depth
    /// never touches the call stack.
    mutating func parseValue(depth: Int) throws -> JSONValue {
        var stack: [OpenContainer] = []
        var value: JSONValue
        parsing: while true {
            skipWhitespace()
            guard let b = peek else { throw endOfFile("where a value was expected") }
            switch b {
            case openBrace, openBracket:
                guard depth + stack.count + 1 <= maxDepth else {
                    throw error("nesting deeper than \(maxDepth) levels — the file is malformed or not GeoJSON")
                }
                let isArray = b == openBracket
                let openLine = line
                position += 1
                skipWhitespace()
                if peek == (isArray ? closeBracket : closeBrace) {
                    position += 1
                    value = isArray ? .array([]) : .object([:])
                } else if isArray {
                    if isAtEnd { throw endOfFile("inside an array opened on line \(openLine)") }
                    stack.append(OpenContainer(isArray: true, openLine: openLine))
                    continue parsing
                } else {
                    var container = OpenContainer(isArray: false, openLine: openLine)
                    container.key = try parseKeyAndColon(openLine: openLine)
                    stack.append(container)
                    continue parsing
                }
            case quote:
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try literal("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                value = .null
            case UInt8(ascii: "N"):
                throw error(startsWith("NaN") ? "NaN is not valid JSON — write null (or a number)"
                                              : "unexpected character 'N' where a value was expected")
            case UInt8(ascii: "I"):
                throw error(startsWith("Infinity") ? "Infinity is not valid JSON — write null (or a number)"
                                                   : "unexpected character 'I' where a value was expected")
            case UInt8(ascii: "'"):
                throw error("strings must use double quotes (\"), not single quotes")
            default:
                throw error("unexpected \(describeByte(b)) where a value was expected")
            }

            // `value` is complete: add it to the innermost open container, closing containers
            // as long as their closing bracket follows.
            while !stack.isEmpty {
                let top = stack.count - 1
                let isArray = stack[top].isArray
                let openLine = stack[top].openLine
                if isArray {
                    stack[top].elements.append(value)
                } else {
                    stack[top].members[stack[top].key] = value
                }
                skipWhitespace()
                let kind = isArray ? "an array" : "an object"
                guard let next = peek else { throw endOfFile("inside \(kind) opened on line \(openLine)") }
                if next == (isArray ? closeBracket : closeBrace) {
                    position += 1
                    let closed = stack.removeLast()
                    if isArray, case .number? = closed.elements.first {
                        positions += 1
                        if positions > positionLimit { throw PositionLimitReached(line: line) }
                    }
                    value = isArray ? .array(closed.elements) : .object(closed.members)
                    continue
                }
                guard next == comma else {
                    throw error(isArray ? "expected ',' or ']' after an array element"
                                        : "expected ',' or '}' after an object member")
                }
                position += 1
                skipWhitespace()
                if isAtEnd { throw endOfFile("inside \(kind) opened on line \(openLine)") }
                if isArray {
                    if peek == closeBracket { throw error("trailing comma before ']' is not allowed") }
                } else {
                    if peek == closeBrace { throw error("trailing comma before '}' is not allowed") }
                    stack[top].key = try parseKeyAndColon(openLine: openLine)
                }
                continue parsing
            }
            return value
        }
    }

    /// Reads `"key" :` at the current position (whitespace allowed around the colon).
    private mutating func parseKeyAndColon(openLine: Int) throws -> String {
        guard let b = peek else { throw endOfFile("inside an object opened on line \(openLine)") }
        guard b == quote else {
            throw error("expected a string key in double quotes, found \(describeByte(b))")
        }
        let key = try parseString()
        skipWhitespace()
        guard let c = peek else { throw endOfFile("after the object key \"\(key)\"") }
        guard c == colon else { throw error("expected ':' after the object key \"\(key)\"") }
        position += 1
        return key
    }

    private func startsWith(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let p = text.utf8Start
        for i in 0..<count where bytes[position + i] != p[i] { return false }
        return true
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        let p = word.utf8Start
        for i in 0..<count {
            guard position + i < bytes.count else { throw endOfFile("inside the literal '\(word)'") }
            if bytes[position + i] != p[i] {
                throw error("invalid literal: expected '\(word)' (JSON literals are lowercase true, false, null)")
            }
        }
        position += count
    }

    /// Calls `body` for each member of the object at the current position ('{'); `body` must
    /// parse the member's value. `depth` is the object's own depth.
    mutating func forEachMember(depth: Int, _ body: (String, inout JSONCursor) throws -> Void) throws {
        guard depth <= maxDepth else {
            throw error("nesting deeper than \(maxDepth) levels — the file is malformed or not GeoJSON")
        }
        let openLine = line
        position += 1  // '{'
        skipWhitespace()
        guard let first = peek else { throw endOfFile("inside an object opened on line \(openLine)") }
        if first == closeBrace {
            position += 1
            return
        }
        while true {
            let key = try parseKeyAndColon(openLine: openLine)
            try body(key, &self)
            skipWhitespace()
            guard let next = peek else { throw endOfFile("inside an object opened on line \(openLine)") }
            if next == closeBrace {
                position += 1
                return
            }
            guard next == comma else { throw error("expected ',' or '}' after an object member") }
            position += 1
            skipWhitespace()
            if isAtEnd { throw endOfFile("inside an object opened on line \(openLine)") }
            if peek == closeBrace { throw error("trailing comma before '}' is not allowed") }
        }
    }

    /// Calls `body` with the index of each element of the array at the current position ('[');
    /// `body` must parse the element. `depth` is the array's own depth. The cursor is on the
    /// element's first byte (whitespace skipped) when `body` runs.
    mutating func forEachElement(depth: Int, _ body: (Int, inout JSONCursor) throws -> Void) throws {
        guard depth <= maxDepth else {
            throw error("nesting deeper than \(maxDepth) levels — the file is malformed or not GeoJSON")
        }
        let openLine = line
        position += 1  // '['
        skipWhitespace()
        guard let first = peek else { throw endOfFile("inside an array opened on line \(openLine)") }
        if first == closeBracket {
            position += 1
            return
        }
        var index = 0
        while true {
            try body(index, &self)
            index += 1
            skipWhitespace()
            guard let next = peek else { throw endOfFile("inside an array opened on line \(openLine)") }
            if next == closeBracket {
                position += 1
                return
            }
            guard next == comma else { throw error("expected ',' or ']' after an array element") }
            position += 1
            skipWhitespace()
            if isAtEnd { throw endOfFile("inside an array opened on line \(openLine)") }
            if peek == closeBracket { throw error("trailing comma before ']' is not allowed") }
        }
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at the current position.
    mutating func parseString() throws -> String {
        let open = position
        position += 1
        var segmentStart = position
        var escaped = false
        while true {
            guard position < bytes.count else { throw endOfFile("inside a string that starts at column \(error("", at: open).column)") }
            let b = bytes[position]
            if b == quote {
                let text: String
                if escaped {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                    text = String(decoding: scratch, as: UTF8.self)
                } else {
                    text = String(decoding: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]), as: UTF8.self)
                }
                position += 1
                return text
            } else if b == backslash {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                try parseEscape()
                segmentStart = position
            } else if b < 0x20 {
                let hint = b == newline || b == 0x0D ? " (a line break inside a string — is a closing quote missing?)" : ""
                throw error("control character U+\(hex4(UInt32(b))) in a string must be escaped\(hint)")
            } else if b < 0x80 {
                position += 1
            } else {
                position += try utf8SequenceLength(at: position)
            }
        }
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode Table 3-7) and returns its length.
    private func utf8SequenceLength(at i: Int) throws -> Int {
        let b0 = bytes[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw error("invalid UTF-8 byte \(hex(b0)) in a string — save the file as UTF-8")
        }
        for k in 1..<length {
            guard i + k < bytes.count else { throw endOfFile("inside a UTF-8 character") }
            let b = bytes[i + k]
            let ok = k == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF)
            if !ok {
                throw error("invalid UTF-8 sequence starting with byte \(hex(b0)) in a string — save the file as UTF-8",
                            at: i)
            }
        }
        return length
    }

    /// Handles the escape whose backslash is at the current position, appending UTF-8 to `scratch`.
    private mutating func parseEscape() throws {
        let start = position
        guard position + 1 < bytes.count else { throw endOfFile("inside a string escape") }
        let e = bytes[position + 1]
        position += 2
        switch e {
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hexUnit(escapeStart: start)
            var scalar: UInt32
            if (0xD800...0xDBFF).contains(unit) {
                guard position + 1 < bytes.count, bytes[position] == backslash, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("lone UTF-16 surrogate \\u\(hex4(unit)) in a string — a high surrogate must be followed"
                                + " by a \\uDC00–\\uDFFF escape", at: start)
                }
                let lowStart = position
                position += 2
                let low = try hexUnit(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("lone UTF-16 surrogate \\u\(hex4(unit)) in a string — it is followed by \\u\(hex4(low)),"
                                + " not a low surrogate \\uDC00–\\uDFFF", at: start)
                }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw error("lone UTF-16 surrogate \\u\(hex4(unit)) in a string — a low surrogate must follow"
                            + " a \\uD800–\\uDBFF escape", at: start)
            } else {
                scalar = unit
            }
            appendUTF8(scalar)
        default:
            throw error("invalid escape \(describeEscape(e)) in a string — valid escapes are"
                        + " \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: start)
        }
    }

    /// Reads the 4 hex digits after "\u" (position is just after the 'u').
    private mutating func hexUnit(escapeStart: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw endOfFile("inside a \\u escape") }
            let b = bytes[position]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape: expected 4 hex digits", at: escapeStart)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: Numbers

    /// Parses a number per the RFC 8259 grammar; correctly rounded.
    mutating func parseNumber() throws -> Double {
        let start = position
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let first = peek else { throw endOfFile("inside a number") }
        var mantissa: UInt64 = 0
        var digits = 0
        if first == zero {
            position += 1
            if let b = peek, isDigit(b) {
                throw error("numbers must not have leading zeros (write 7, not 07; quote codes like \"0371\")", at: start)
            }
        } else if isDigit(first) {
            while let b = peek, isDigit(b) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(b - zero) }
                digits += 1
                position += 1
            }
        } else if first == UInt8(ascii: "I") && negative {
            throw error("-Infinity is not valid JSON — write null (or a number)", at: start)
        } else {
            throw error("expected a digit after '-'", at: start)
        }
        var simple = true
        if peek == UInt8(ascii: ".") {
            simple = false
            position += 1
            guard let b = peek else { throw endOfFile("inside a number") }
            guard isDigit(b) else { throw error("expected a digit after the decimal point") }
            while let b = peek, isDigit(b) { position += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            simple = false
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let b = peek else { throw endOfFile("inside a number") }
            guard isDigit(b) else { throw error("expected a digit in the exponent") }
            while let b = peek, isDigit(b) { position += 1 }
        }
        if simple && digits <= 15 {
            let value = Double(mantissa)   // exact below 2^53
            return negative ? -value : value
        }
        let value = convertNumber(from: start, to: position)
        guard value.isFinite else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            throw error("number \(text) is too large for a double", at: start)
        }
        return value
    }

    /// Correctly rounded conversion of a validated number's bytes with C `strtod`; falls back to
    /// Swift's parser if a non-"C" locale made strtod stop early.
    private func convertNumber(from start: Int, to end: Int) -> Double {
        let length = end - start
        let fromStrtod: Double? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for i in 0..<length { buffer[i] = CChar(bitPattern: bytes[start + i]) }
            buffer[length] = 0
            guard let base = buffer.baseAddress else { return nil }
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(base, &endPointer)
            guard let endPointer, endPointer - base == length else { return nil }
            return value
        }
        if let fromStrtod { return fromStrtod }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return Double(text) ?? .nan
    }
}

// MARK: - Message helpers

private func hex(_ b: UInt8) -> String {
    let digits = String(b, radix: 16, uppercase: true)
    return "0x" + (digits.count < 2 ? "0" + digits : digits)
}

private func hex4(_ v: UInt32) -> String {
    let digits = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
}

private func describeByte(_ b: UInt8) -> String {
    if b >= 0x21 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
    if b >= 0x80 { return "byte \(hex(b)) (text outside a string?)" }
    return "control character U+\(hex4(UInt32(b)))"
}

private func describeEscape(_ b: UInt8) -> String {
    if b >= 0x21 && b < 0x7F { return "'\\\(Character(Unicode.Scalar(b)))'" }
    return "'\\' followed by byte \(hex(b))"
}

import Foundation

/// The rows of a worksheet's XML, scanned as the part inflates: each `<row>` becomes its fields, cells placed by
/// their reference (or after the row's last cell when they have none).
///
/// The worksheet is nearly all of a workbook's bytes (450 MB of XML for a million rows of fourteen columns), so it is
/// read by this scanner, made for its elements, instead of Expat (which reads the other parts): it finds tags with
/// `memchr`, keeps text only where a value is (`<v>`, `<is><t>`), and compares names by their bytes — four times
/// Expat's speed here. It is still a checking reader: every tag must close the element it opened, attributes must be
/// quoted, entities must be XML's five or character references, and a DTD, which no workbook has, is refused.
/// Prefixed names (`x:row`) are read by their local name. A failure leaves a message in `failure` and stops the scan.
final class SheetRows {
    struct Row {
        let line: Int
        let fields: [String]
        let problems: [CSVFieldProblem]
    }

    private let scanner: UnsafeMutablePointer<SheetScanner>

    init(strings: SharedStrings, dateStyles: [Bool], date1904: Bool) {
        scanner = .allocate(capacity: 1)
        scanner.initialize(to: SheetScanner(strings: strings, dateStyles: dateStyles, date1904: date1904))
    }

    deinit {
        scanner.pointee.buffer.deallocate()
        scanner.deinitialize(count: 1)
        scanner.deallocate()
    }

    /// Rows scanned and not yet taken, from `taken` on.
    var ready: [Row] {
        get { scanner.pointee.ready }
        _modify { yield &scanner.pointee.ready }
    }
    var taken: Int {
        get { scanner.pointee.taken }
        set { scanner.pointee.taken = newValue }
    }
    /// Why the scan stopped (the sheet is damaged), for the reader to throw.
    var failure: String? { scanner.pointee.failure }

    /// Scans the next piece of the part.
    func feed(_ bytes: UnsafeBufferPointer<UInt8>) { scanner.pointee.feed(bytes) }

    /// Says the part has ended: what is left must be nothing but whitespace, with every element closed.
    func finish() { scanner.pointee.finish() }
}

/// The scanner's state and work, as a value behind `SheetRows`' pointer: its loop reads and writes the state for every
/// tag, and a class's stored properties would cost a dynamic exclusivity check on each access (a sixth of the time).
struct SheetScanner {
    private enum Kind { case number, shared, inline, formulaText, boolean, error, isoDate }

    /// Rows scanned and not yet taken, from `taken` on.
    var ready: [SheetRows.Row] = []
    var taken = 0
    /// Why the scan stopped (the sheet is damaged), for the reader to throw.
    var failure: String?

    private let strings: SharedStrings
    private let dateStyles: [Bool]
    private let date1904: Bool

    /// Bytes not yet scanned: `buffer[start..<end]` (a tag cut by the end of a piece waits here for the next).
    fileprivate(set) var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 20
    private var start = 0, end = 0
    /// Bytes scanned before `buffer[0]`, for messages.
    private var offset = 0
    /// A hash of each open element's name, to check that every end tag closes the element it should.
    private var open: [UInt64] = []

    private var line = 0
    private var fields: [String] = []
    private var problems: [CSVFieldProblem] = []
    private var column = -1
    private var kind = Kind.number
    private var style = 0
    private var text: [UInt8] = []
    private var collecting = false, inInline = false, phonetic = 0, hasValue = false, hasFormula = false, inCell = false

    init(strings: SharedStrings, dateStyles: [Bool], date1904: Bool) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        buffer = .allocate(capacity: capacity)
    }

    /// Scans the next piece of the part.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard failure == nil, let base = bytes.baseAddress, bytes.count > 0 else { return }
        if start > 0 {
            buffer.update(from: buffer + start, count: end - start)
            offset += start
            end -= start
            start = 0
        }
        if end + bytes.count > capacity {
            let grown = max(capacity * 2, end + bytes.count)
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            larger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = larger
            capacity = grown
        }
        (buffer + end).update(from: base, count: bytes.count)
        end += bytes.count
        scan()
    }

    /// Says the part has ended: what is left must be nothing but whitespace, with every element closed.
    mutating func finish() {
        guard failure == nil else { return }
        let rest = UnsafeBufferPointer(start: buffer + start, count: end - start)
        if rest.contains(where: { !Self.isSpace($0) }) || !open.isEmpty {
            fail(at: end, "the sheet's XML ends inside an element")
        }
    }

    private mutating func fail(at position: Int, _ message: String) {
        if failure == nil {
            failure = "not well-formed XML at byte \(offset + position) of the sheet (\(message)) — open the workbook in Excel, WPS or LibreOffice and save it again"
        }
    }

    @inline(__always) private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Scans every complete token in the buffer.
    private mutating func scan() {
        let b = buffer
        var p = start
        let e = end
        defer { start = p }
        // A byte order mark may open the part.
        if offset == 0, p == 0, e >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { p = 3 }
        while p < e, failure == nil {
            if b[p] != UInt8(ascii: "<") {
                // Text, up to the next tag.
                guard let lt = memchr(b + p, 0x3C, e - p) else { return }
                let stop = UnsafeMutablePointer<UInt8>(lt.assumingMemoryBound(to: UInt8.self)) - b
                if collecting {
                    appendText(UnsafeBufferPointer(start: b + p, count: stop - p), at: p)
                } else if open.isEmpty, UnsafeBufferPointer(start: b + p, count: stop - p).contains(where: { !Self.isSpace($0) }) {
                    return fail(at: p, "text outside the root element")
                }
                p = stop
                continue
            }
            guard p + 1 < e else { return }
            switch b[p + 1] {
            case UInt8(ascii: "/"):
                guard let gt = memchr(b + p + 2, 0x3E, e - p - 2) else { return }
                let close = UnsafeMutablePointer<UInt8>(gt.assumingMemoryBound(to: UInt8.self)) - b
                var nameEnd = close
                while nameEnd > p + 2, Self.isSpace(b[nameEnd - 1]) { nameEnd -= 1 }
                let name = UnsafeBufferPointer(start: b + p + 2, count: nameEnd - p - 2)
                guard let opened = open.popLast(), opened == Self.hash(name) else {
                    return fail(at: p, "</\(String(decoding: name, as: UTF8.self))> closes no element open here")
                }
                endElement(Self.localName(name))
                p = close + 1
            case UInt8(ascii: "?"):
                guard let close = find(b, from: p + 2, to: e, "?>") else { return }
                p = close + 2
            case UInt8(ascii: "!"):
                if matches(b, p, e, "<!--") {
                    guard let close = find(b, from: p + 4, to: e, "-->") else { return }
                    p = close + 3
                } else if matches(b, p, e, "<![CDATA[") {
                    guard let close = find(b, from: p + 9, to: e, "]]>") else { return }
                    if collecting { text.append(contentsOf: UnsafeBufferPointer(start: b + p + 9, count: close - p - 9)) }
                    p = close + 3
                } else if e - p < 9 {
                    return
                } else {
                    return fail(at: p, "a DTD or declaration, which a workbook never has")
                }
            default:
                guard let next = startTag(b, p, e) else { return }
                p = next
            }
        }
    }

    /// Reads the start tag at `p`; the position after it, or nil when it is not all in the buffer (or is malformed:
    /// then `failure` says so).
    private mutating func startTag(_ b: UnsafeMutablePointer<UInt8>, _ p: Int, _ e: Int) -> Int? {
        var i = p + 1
        while i < e, !Self.isSpace(b[i]), b[i] != UInt8(ascii: "/"), b[i] != UInt8(ascii: ">") { i += 1 }
        guard i < e else { return nil }
        let name = UnsafeBufferPointer(start: b + p + 1, count: i - p - 1)
        guard !name.isEmpty else { fail(at: p, "a tag with no name"); return nil }
        let local = Self.localName(name)
        // The attributes this reader uses: r, t, s (of <c> and <row>).
        var r: UnsafeBufferPointer<UInt8>?, t: UnsafeBufferPointer<UInt8>?, s: UnsafeBufferPointer<UInt8>?
        var selfClosing = false
        while true {
            while i < e, Self.isSpace(b[i]) { i += 1 }
            guard i < e else { return nil }
            if b[i] == UInt8(ascii: ">") { i += 1; break }
            if b[i] == UInt8(ascii: "/") {
                guard i + 1 < e else { return nil }
                guard b[i + 1] == UInt8(ascii: ">") else { fail(at: i, "a / inside a tag"); return nil }
                selfClosing = true
                i += 2
                break
            }
            let nameStart = i
            while i < e, b[i] != UInt8(ascii: "="), !Self.isSpace(b[i]), b[i] != UInt8(ascii: ">"), b[i] != UInt8(ascii: "/") { i += 1 }
            let attribute = UnsafeBufferPointer(start: b + nameStart, count: i - nameStart)
            while i < e, Self.isSpace(b[i]) { i += 1 }
            guard i < e else { return nil }
            guard b[i] == UInt8(ascii: "="), !attribute.isEmpty else { fail(at: i, "an attribute without a value"); return nil }
            i += 1
            while i < e, Self.isSpace(b[i]) { i += 1 }
            guard i < e else { return nil }
            let quote = b[i]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { fail(at: i, "an attribute value without quotes"); return nil }
            guard let close = memchr(b + i + 1, Int32(quote), e - i - 1) else { return nil }
            let valueEnd = UnsafeMutablePointer<UInt8>(close.assumingMemoryBound(to: UInt8.self)) - b
            let value = UnsafeBufferPointer(start: b + i + 1, count: valueEnd - i - 1)
            if attribute.count == 1 {
                switch attribute[0] {
                case UInt8(ascii: "r"): r = value
                case UInt8(ascii: "t"): t = value
                case UInt8(ascii: "s"): s = value
                default: break
                }
            }
            i = valueEnd + 1
        }
        if !selfClosing { open.append(Self.hash(name)) }
        startElement(local, r: r, t: t, s: s, at: p)
        if selfClosing { endElement(local) }
        return i
    }

    // MARK: What the elements mean

    private mutating func startElement(_ name: UnsafeBufferPointer<UInt8>, r: UnsafeBufferPointer<UInt8>?, t: UnsafeBufferPointer<UInt8>?,
                              s: UnsafeBufferPointer<UInt8>?, at position: Int) {
        switch name.count {
        case 1:
            switch name[0] {
            case UInt8(ascii: "c"):
                inCell = true
                column = r.map(Self.column) ?? column + 1
                kind = .number
                if let t, let first = t.first {
                    switch first {
                    case UInt8(ascii: "s") where t.count == 1: kind = .shared
                    case UInt8(ascii: "i"): kind = .inline
                    case UInt8(ascii: "s"): kind = .formulaText
                    case UInt8(ascii: "b"): kind = .boolean
                    case UInt8(ascii: "e"): kind = .error
                    case UInt8(ascii: "d"): kind = .isoDate
                    default: kind = .number
                    }
                }
                style = s.flatMap(Self.integer) ?? 0
                text.removeAll(keepingCapacity: true)
                hasValue = false
                hasFormula = false
            case UInt8(ascii: "v") where inCell: collecting = true
            case UInt8(ascii: "t") where inInline && phonetic == 0: collecting = true
            case UInt8(ascii: "f") where inCell: hasFormula = true
            default: break
            }
        case 2 where name[0] == UInt8(ascii: "i") && name[1] == UInt8(ascii: "s") && inCell:
            inInline = true
        case 3 where name[0] == UInt8(ascii: "r") && name[1] == UInt8(ascii: "o") && name[2] == UInt8(ascii: "w"):
            line = r.flatMap(Self.integer) ?? line + 1
            fields.removeAll(keepingCapacity: true)
            problems.removeAll()
            column = -1
        case 3 where name[0] == UInt8(ascii: "r") && name[1] == UInt8(ascii: "P") && name[2] == UInt8(ascii: "h"):
            phonetic += 1
        default: break
        }
    }

    private mutating func endElement(_ name: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 1:
            switch name[0] {
            case UInt8(ascii: "v") where collecting, UInt8(ascii: "t") where collecting:
                collecting = false
                hasValue = true
            case UInt8(ascii: "c"):
                inCell = false
                endCell()
            default: break
            }
        case 2 where name[0] == UInt8(ascii: "i") && name[1] == UInt8(ascii: "s"):
            inInline = false
        case 3 where name[0] == UInt8(ascii: "r") && name[1] == UInt8(ascii: "o") && name[2] == UInt8(ascii: "w"):
            ready.append(SheetRows.Row(line: line, fields: fields, problems: problems))
        case 3 where name[0] == UInt8(ascii: "r") && name[1] == UInt8(ascii: "P") && name[2] == UInt8(ascii: "h"):
            phonetic -= 1
        default: break
        }
    }

    private mutating func endCell() {
        guard column >= 0, column < 16_384 else {
            if failure == nil { failure = "row \(line) has a cell beyond column XFD — the workbook is damaged" }
            return
        }
        let value = cellText()
        // A formula's value is saved in <v>; openpyxl and other writers that do not compute leave it out or empty.
        let unsaved = hasFormula && (!hasValue || text.isEmpty && kind != .formulaText)
        if value.isEmpty && !unsaved { return }
        if fields.count <= column { fields += Array(repeating: "", count: column + 1 - fields.count) }
        fields[column] = value
        if unsaved {
            problems.append(CSVFieldProblem(column: column, line: line, message: "a formula saved without its value — open the workbook in Excel, WPS or LibreOffice, save it (they compute and store the values), and import it again"))
        }
    }

    /// The cell just read, as text.
    private func cellText() -> String {
        guard hasValue else { return "" }
        switch kind {
        case .shared:
            let index = text.withUnsafeBufferPointer { Self.integer($0) } ?? -1
            return strings.string(index) ?? ""
        case .inline, .formulaText:
            return OOXMLEscapes.present(text, from: 0) ? String(decoding: OOXMLEscapes.decode(text), as: UTF8.self)
                : String(decoding: text, as: UTF8.self)
        case .boolean:
            return text.first == UInt8(ascii: "1") ? "TRUE" : "FALSE"
        case .error:
            return String(decoding: text, as: UTF8.self)
        case .isoDate:
            let value = String(decoding: text, as: UTF8.self)
            return value.hasSuffix("T00:00:00") ? String(value.prefix(value.count - 9)) : value.replacingOccurrences(of: "T", with: " ")
        case .number:
            if style > 0, style < dateStyles.count, dateStyles[style], let serial = Double(String(decoding: text, as: UTF8.self)) {
                return Workbook.dateText(serial: serial, date1904: date1904)
            }
            return Self.numberText(text)
        }
    }

    /// Text inside a value, its entities decoded.
    private mutating func appendText(_ run: UnsafeBufferPointer<UInt8>, at position: Int) {
        guard run.contains(UInt8(ascii: "&")) else { return text.append(contentsOf: run) }
        var i = 0
        while i < run.count {
            guard run[i] == UInt8(ascii: "&") else { text.append(run[i]); i += 1; continue }
            guard let semicolon = run[i...].firstIndex(of: UInt8(ascii: ";")), semicolon - i <= 10 else {
                return fail(at: position + i, "an & that starts no entity")
            }
            let name = String(decoding: run[(i + 1)..<semicolon], as: UTF8.self)
            let scalar: Unicode.Scalar?
            switch name {
            case "amp": scalar = "&"
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if name.hasPrefix("#x") { scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if name.hasPrefix("#") { scalar = UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
                else { scalar = nil }
            }
            guard let scalar else { return fail(at: position + i, "the entity &\(name); is not XML's") }
            text.append(contentsOf: String(Character(scalar)).utf8)
            i = semicolon + 1
        }
    }

    // MARK: Bytes

    private func matches(_ b: UnsafeMutablePointer<UInt8>, _ p: Int, _ e: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        return e - p >= count && memcmp(b + p, literal.utf8Start, count) == 0
    }

    /// Where `literal` next starts in `b[from..<to]`.
    private func find(_ b: UnsafeMutablePointer<UInt8>, from: Int, to: Int, _ literal: StaticString) -> Int? {
        let count = literal.utf8CodeUnitCount
        var i = from
        while i + count <= to {
            guard let hit = memchr(b + i, Int32(literal.utf8Start[0]), to - i - count + 1) else { return nil }
            i = UnsafeMutablePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - b
            if memcmp(b + i, literal.utf8Start, count) == 0 { return i }
            i += 1
        }
        return nil
    }

    private static func localName(_ name: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let colon = name.lastIndex(of: UInt8(ascii: ":")) else { return name }
        return UnsafeBufferPointer(rebasing: name[(colon + 1)...])
    }

    /// FNV-1a of a tag's name: an end tag must give the hash its start tag gave.
    private static func hash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    /// A number cell's value as a CSV would hold it: plain decimals as written (trailing zeros after the point
    /// dropped, `3.0` as `3`); exponent forms and long values through `Double`, whole ones without a point.
    static func numberText(_ bytes: [UInt8]) -> String {
        var plain = !bytes.isEmpty, point: Int?, digits = 0
        for (i, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): if point == nil { point = i } else { plain = false }
            case UInt8(ascii: "-") where i == 0: break
            default: plain = false
            }
        }
        if plain, digits <= 15 {
            guard let point else { return String(decoding: bytes, as: UTF8.self) }
            var end = bytes.count
            while end > point + 1, bytes[end - 1] == UInt8(ascii: "0") { end -= 1 }
            if end == point + 1 { end = point }
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return text }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The column of a reference such as `F57` (0 for A); past XFD for a damaged one.
    private static func column(_ reference: UnsafeBufferPointer<UInt8>) -> Int {
        var column = 0
        for c in reference {
            guard c >= 0x41 && c <= 0x5A || c >= 0x61 && c <= 0x7A else { break }
            column = column * 26 + Int(c & 0x1F) // A/a → 1
            if column > 16_384 { break }
        }
        return column - 1
    }

    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var value = 0
        var any = false
        for byte in bytes where byte != 0x20 {
            guard byte >= 0x30, byte <= 0x39, value < Int.max / 10 - 10 else { return nil }
            value = value * 10 + Int(byte - 0x30)
            any = true
        }
        return any ? value : nil
    }
}

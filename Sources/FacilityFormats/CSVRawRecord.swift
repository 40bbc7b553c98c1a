/// One record of a CSV file as byte ranges, for readers that work on bytes without making a `String` per
/// field (the bulk import path). One instance is reused for every record: what `field(_:)` returns is valid
/// until the next `CSVReader.nextRaw(into:)`.
///
/// A record is *clean* when every field is valid UTF-8 (or valid GB18030, then decoded to UTF-8) with no NUL byte
/// and none is longer than the reader's field limit: its bytes are then exactly what `CSVReader.next()` decodes.
/// Read any other record with `CSVReader.row(of:)`, which decodes it and reports its problems.
public final class CSVRawRecord {
    /// The record's state, behind a pointer: the parsing loop reads and writes it for every record, and a class's
    /// stored `var`s cost a dynamic exclusivity check on each access (a tenth of the parsing time).
    private struct State {
        var line = 0
        var isClean = true
        var count = 0
        var start = 0
        var starts: UnsafeMutablePointer<Int>
        var lengths: UnsafeMutablePointer<Int>
        /// Per field, written by the text read only (`RecordScanner.nextRecord`): the line it starts on, and
        /// `nonASCII` | `hasNul`.
        var lines: UnsafeMutablePointer<Int>
        var flags: UnsafeMutablePointer<UInt8>
        var capacity: Int
        var base: UnsafePointer<UInt8>?
        /// Fields that are not one contiguous range of the file (quotes doubled inside them) are copied here.
        var arena: UnsafeMutablePointer<UInt8>
        var arenaCapacity: Int
        var arenaCount = 0
    }

    private let state: UnsafeMutablePointer<State>

    /// Physical line (1-based) where the record starts.
    public var line: Int { state.pointee.line }
    /// True when the fields' bytes can be used as they are (see the type's description).
    public var isClean: Bool { state.pointee.isClean }
    /// The number of fields.
    public var count: Int { state.pointee.count }
    /// Byte offset of the record in the file: where `row(of:)` reads it again.
    var start: Int { state.pointee.start }
    /// Per field: its offset in the file, or `~offset` in the arena; and its length.
    var starts: UnsafeMutablePointer<Int> { state.pointee.starts }
    var lengths: UnsafeMutablePointer<Int> { state.pointee.lengths }
    var lines: UnsafeMutablePointer<Int> { state.pointee.lines }
    var flags: UnsafeMutablePointer<UInt8> { state.pointee.flags }
    var capacity: Int { state.pointee.capacity }
    /// `flags` bits.
    static let nonASCII: UInt8 = 1, hasNul: UInt8 = 2

    public init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State(starts: .allocate(capacity: 64), lengths: .allocate(capacity: 64),
                                   lines: .allocate(capacity: 64), flags: .allocate(capacity: 64), capacity: 64,
                                   arena: .allocate(capacity: 4096), arenaCapacity: 4096))
    }

    deinit {
        state.pointee.starts.deallocate()
        state.pointee.lengths.deallocate()
        state.pointee.lines.deallocate()
        state.pointee.flags.deallocate()
        state.pointee.arena.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The bytes of field `index` (0-based), unquoted; empty for an empty field.
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> { fields.field(index) }

    /// Where the record is in the file: `CSVReader.row(at:)` reads it again.
    public var position: CSVRecordPosition { CSVRecordPosition(offset: state.pointee.start, line: state.pointee.line) }

    /// The fields, as a value to read many cells from (valid until the next record is read).
    public var fields: CSVRawFields {
        let s = state.pointee
        return CSVRawFields(base: s.base!, arena: UnsafePointer(s.arena), starts: UnsafePointer(s.starts),
                            lengths: UnsafePointer(s.lengths), count: s.count)
    }

    func begin(base: UnsafePointer<UInt8>, line: Int, start: Int) {
        state.pointee.base = base
        state.pointee.line = line
        state.pointee.start = start
        state.pointee.arenaCount = 0
    }

    func finish(count: Int, clean: Bool) {
        state.pointee.count = count
        state.pointee.isClean = clean
    }

    /// Doubles the field capacity, keeping the first `count` fields.
    func grow() {
        let capacity = state.pointee.capacity, bigger = capacity * 2
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let newLengths = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let newLines = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let newFlags = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        newStarts.update(from: state.pointee.starts, count: capacity)
        newLengths.update(from: state.pointee.lengths, count: capacity)
        newLines.update(from: state.pointee.lines, count: capacity)
        newFlags.update(from: state.pointee.flags, count: capacity)
        state.pointee.starts.deallocate()
        state.pointee.lengths.deallocate()
        state.pointee.lines.deallocate()
        state.pointee.flags.deallocate()
        state.pointee.starts = newStarts
        state.pointee.lengths = newLengths
        state.pointee.lines = newLines
        state.pointee.flags = newFlags
        state.pointee.capacity = bigger
    }

    /// Copies `bytes` into the arena as a field; returns its `starts` entry and length.
    func arenaField(copying bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, length: Int) {
        let first = state.pointee.arenaCount
        appendToArena(bytes)
        return (~first, bytes.count)
    }

    /// Appends `bytes` to the arena, growing it (by doubling) when full.
    private func appendToArena(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let used = state.pointee.arenaCount
        if used + bytes.count > state.pointee.arenaCapacity {
            var capacity = state.pointee.arenaCapacity * 2
            while capacity < used + bytes.count { capacity *= 2 }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            bigger.update(from: state.pointee.arena, count: used)
            state.pointee.arena.deallocate()
            state.pointee.arena = bigger
            state.pointee.arenaCapacity = capacity
        }
        (state.pointee.arena + used).update(from: source, count: bytes.count)
        state.pointee.arenaCount = used + bytes.count
    }

    /// Copies pieces into the arena as one field; returns its `starts` entry and length.
    func arenaField(_ pieces: [(start: Int, end: Int)]) -> (start: Int, length: Int) {
        let first = state.pointee.arenaCount
        let base = state.pointee.base!
        for piece in pieces where piece.end > piece.start {
            appendToArena(UnsafeBufferPointer(start: base + piece.start, count: piece.end - piece.start))
        }
        return (~first, state.pointee.arenaCount - first)
    }
}

/// Where a record starts in its file: byte offset and physical line.
public struct CSVRecordPosition: Hashable, Sendable {
    public let offset: Int
    public let line: Int
}

/// The fields of a `CSVRawRecord`, valid until the next record is read.
public struct CSVRawFields {
    let base: UnsafePointer<UInt8>
    let arena: UnsafePointer<UInt8>
    let starts: UnsafePointer<Int>
    let lengths: UnsafePointer<Int>
    /// The number of fields.
    public let count: Int

    /// The bytes of field `index` (0-based), unquoted; empty for an empty field.
    @inlinable
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(index >= 0 && index < count, "field index out of range")
        return _field(index)
    }

    @usableFromInline
    func _field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = starts[index]
        if start >= 0 { return UnsafeBufferPointer(start: base + start, count: lengths[index]) }
        return UnsafeBufferPointer(start: arena + ~start, count: lengths[index])
    }
}

private let comma: UInt8 = 0x2C
private let quote: UInt8 = 0x22
private let cr: UInt8 = 0x0D
private let lf: UInt8 = 0x0A

extension RecordScanner {
    /// Reads the next non-empty record into `record` as byte ranges; false at the end of the file (or at `stop`).
    /// Throws `CSVError.unterminatedQuote`.
    mutating func nextRaw(into record: CSVRawRecord) throws -> Bool {
        try scan(into: record, asText: false)
    }

    /// The one scan of a CSV record, for both reads: skips empty lines, splits fields (quoted, with `""` for a quote,
    /// text after a closing quote kept), counts lines, and leaves each field as a range of the file or, when quotes
    /// were doubled in it, of the record's arena. For `nextRaw` (`asText` false) it stops at `stop` and makes the
    /// record clean or not (GB18030 fields decoded to UTF-8 in the arena); for `nextRecord` it notes each field's
    /// line and bytes instead, which `decodeField` reads. Inlined into each, so neither pays for the other's work.
    @inline(__always)
    mutating func scan(into record: CSVRawRecord, asText: Bool) throws -> Bool {
        let b = base
        let end = self.end
        var p = pos
        while p < end {  // skip empty lines
            let c = b[p]
            if c == lf {
                p += 1
                line += 1
            } else if c == cr {
                p += 1
                if p < end && b[p] == lf { p += 1 }
                line += 1
            } else {
                break
            }
        }
        guard p < end, asText || p < stop else {
            pos = p
            return false
        }
        record.begin(base: b, line: line, start: p)
        var starts = record.starts
        var lengths = record.lengths
        var lines = record.lines
        var flags = record.flags
        var capacity = record.capacity
        var n = 0
        var clean = true

        while true {
            let fieldLine = line
            var ascii: UInt8 = 0
            var hasNul = false
            var total = 0
            var fieldStart = p
            if p < end && b[p] == quote {
                let openLine = line
                p += 1
                var segmentStart = p
                // Pieces of the content: one, unless quotes are doubled or text follows the closing quote.
                var pieces: [(start: Int, end: Int)] = []
                var first = (start: p, end: p)
                var segments = 0
                func add(_ s: Int, _ e: Int) {
                    guard e > s else { return }
                    total += e - s
                    segments += 1
                    if segments == 1 { first = (s, e) } else {
                        if segments == 2 { pieces.append(first) }
                        pieces.append((s, e))
                    }
                }
                while true {
                    var q = p
                    var l = line
                    while q < end {
                        let c = b[q]
                        if c < 0x23 {
                            if c == quote { break }
                            if c == lf {
                                l += 1
                            } else if c == cr {
                                if q + 1 >= end || b[q + 1] != lf { l += 1 }
                            } else if c == 0 {
                                hasNul = true
                            }
                        }
                        ascii |= c
                        q += 1
                    }
                    line = l
                    if q >= end {
                        pos = end
                        throw CSVError.unterminatedQuote(path: path, line: openLine)
                    }
                    if q + 1 < end && b[q + 1] == quote {  // "" is a literal quote
                        add(segmentStart, q + 1)
                        p = q + 2
                        segmentStart = p
                        continue
                    }
                    add(segmentStart, q)  // closing quote
                    p = q + 1
                    let t = fieldEnd(from: p, ascii: &ascii, hasNul: &hasNul)  // lenient: text after the closing quote is kept
                    add(p, t)
                    p = t
                    break
                }
                if segments <= 1 {
                    fieldStart = first.start
                } else {
                    let copied = record.arenaField(pieces)
                    fieldStart = copied.start
                }
            } else {
                let q = fieldEnd(from: p, ascii: &ascii, hasNul: &hasNul)
                total = q - p
                p = q
            }
            if n == capacity {
                record.grow()
                starts = record.starts
                lengths = record.lengths
                lines = record.lines
                flags = record.flags
                capacity = record.capacity
            }
            starts[n] = fieldStart
            lengths[n] = total
            if asText {
                lines[n] = fieldLine
                flags[n] = (ascii >= 0x80 ? CSVRawRecord.nonASCII : 0) | (hasNul ? CSVRawRecord.hasNul : 0)
            }
            n += 1
            if asText {
                // The text read decodes, checks and cuts each field itself (`decodeField`).
            } else if hasNul || total > maxFieldBytes {
                clean = false
            } else if ascii >= 0x80 {
                if encoding != .utf8 {
                    // GB18030: the field decoded to UTF-8 in the arena, as `next()` decodes it; unclean if invalid.
                    record.finish(count: n, clean: clean)
                    let bytes = record.fields.field(n - 1)
                    let (decoded, invalid) = decoder!.decode(bytes.baseAddress!, bytes.count, truncated: false)
                    if invalid != nil {
                        clean = false
                    } else {
                        var utf8 = decoded
                        let copied = utf8.withUTF8 { record.arenaField(copying: $0) }
                        starts = record.starts
                        lengths = record.lengths
                        starts[n - 1] = copied.start
                        lengths[n - 1] = copied.length
                    }
                } else if !knownValidUTF8 {
                    record.finish(count: n, clean: clean)
                    let bytes = record.fields.field(n - 1)
                    if let start = bytes.baseAddress, firstInvalidUTF8Offset(start, bytes.count) != nil { clean = false }
                }
            }

            if p < end {
                let c = b[p]
                if c == comma {
                    p += 1
                    continue
                }
                p += 1  // CR, LF or CRLF ends the record
                if c == cr && p < end && b[p] == lf { p += 1 }
                line += 1
            }
            break
        }
        record.finish(count: n, clean: clean)
        pos = p
        return true
    }
}

extension CSVReader {
    /// Reads the next data record into `record` as byte ranges of the file; false at the end. Skips empty
    /// lines like `next()`. Throws `CSVError.unterminatedQuote`.
    public func nextRaw(into record: CSVRawRecord) throws -> Bool {
        defer { bytesRead = scanner.pos }
        return try scanner.nextRaw(into: record)
    }

    /// The record `record` holds, decoded as `next()` would return it (with its problems): for records that
    /// are not clean, and for rejecting a row with its fields. `record` must be the last one read.
    public func row(of record: CSVRawRecord) throws -> CSVRow {
        try row(at: record.position)
    }

    /// The record at `position` (of a record read before), decoded as `next()` would return it.
    public func row(at position: CSVRecordPosition) throws -> CSVRow {
        let resume = (scanner.pos, scanner.line)
        scanner.pos = position.offset
        scanner.line = position.line
        defer { (scanner.pos, scanner.line) = resume }
        guard let row = try scanner.nextRecord() else {
            throw CSVError.invalidHeader(path: path, line: position.line, reason: "the record cannot be read again")
        }
        return row
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to decode a file's bytes.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case gb18030 = "gb18030"
}

/// The --encoding option: auto = UTF-8 (with or without BOM) when the whole file is valid UTF-8, else GB18030.
public enum EncodingChoice: String, Sendable, CaseIterable {
    case auto
    case utf8 = "utf-8"
    case gb18030

    /// Parses an --encoding argument, case-insensitively. Accepts "auto", "utf-8", "utf8",
    /// "gb18030", and "gbk"/"gb2312" (both read as GB18030, a superset of them).
    public init?(argument: String) {
        switch argument.lowercased() {
        case "auto": self = .auto
        case "utf-8", "utf8": self = .utf8
        case "gb18030", "gbk", "gb2312": self = .gb18030
        default: return nil
        }
    }
}

// MARK: - UTF-8 validation

/// The offset of the first byte that does not start a valid UTF-8 sequence, or nil when all
/// `count` bytes are valid UTF-8 (a sequence cut off by the end counts as invalid).
@inline(__always)
func firstInvalidUTF8Offset(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int? {
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i < count {
        // ASCII fast path, 16 then 8 bytes at a time.
        if count - i >= 16 {
            let a = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            if (a | b) & 0x8080_8080_8080_8080 == 0 { i += 16; continue }
        }
        if count - i >= 8 {
            let a = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if a & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
        }
        let b0 = p[i]
        if b0 < 0x80 { i += 1; continue }
        if b0 < 0xC2 { return i }
        if b0 < 0xE0 {
            guard i + 1 < count, p[i + 1] & 0xC0 == 0x80 else { return i }
            i += 2
        } else if b0 < 0xF0 {
            guard i + 2 < count else { return i }
            let b1 = p[i + 1]
            let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
            let hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard b1 >= lo, b1 <= hi, p[i + 2] & 0xC0 == 0x80 else { return i }
            i += 3
        } else if b0 < 0xF5 {
            guard i + 3 < count else { return i }
            let b1 = p[i + 1]
            let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
            let hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard b1 >= lo, b1 <= hi, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else { return i }
            i += 4
        } else {
            return i
        }
    }
    return nil
}

// MARK: - GB18030 decoding

/// Unicode scalars of all two-byte GB18030 sequences (lead 0x81–0xFE, trail 0x40–0xFE), taken
/// from glibc's iconv once per process; 0 marks a pair iconv rejects. Index: (lead − 0x81) × 191 + (trail − 0x40).
private let gb18030TwoByteTable: [UInt16] = {
    var table = [UInt16](repeating: 0, count: 126 * 191)
    guard let cd = iconv_open("UTF-32LE", "GB18030"), Int(bitPattern: cd) != -1 else { return table }
    defer { iconv_close(cd) }
    var input: [CChar] = [0, 0]
    var output: [UInt32] = [0, 0]
    for lead in 0x81...0xFE {
        for trail in 0x40...0xFE where trail != 0x7F {
            input[0] = CChar(bitPattern: UInt8(lead))
            input[1] = CChar(bitPattern: UInt8(trail))
            _ = iconv(cd, nil, nil, nil, nil)
            let scalar: UInt32? = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBytes { outBuffer in
                    var inPtr: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                    var inLeft = 2
                    var outPtr: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress!.assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuffer.count
                    guard iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) != -1, inLeft == 0,
                          outBuffer.count - outLeft == 4 else { return nil }
                    return outBuffer.load(as: UInt32.self)
                }
            }
            if let scalar, scalar > 0, scalar <= 0xFFFF {
                table[(lead - 0x81) * 191 + (trail - 0x40)] = UInt16(scalar)
            }
        }
    }
    return table
}()

/// Converts GB18030 bytes to Swift strings: two-byte sequences through a table built from glibc
/// iconv, anything else (four-byte sequences, invalid bytes) through one reusable iconv converter.
final class GB18030Decoder {
    private let converter: iconv_t
    private let table: [UInt16]
    private var output: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    /// Fails (returning nil) when this system's iconv cannot convert from GB18030.
    init?() {
        guard let cd = iconv_open("UTF-8", "GB18030"), Int(bitPattern: cd) != -1 else { return nil }
        converter = cd
        table = gb18030TwoByteTable
        capacity = 4096
        output = .allocate(capacity: capacity)
    }

    deinit {
        iconv_close(converter)
        output.deallocate()
    }

    /// Decodes `count` bytes. Invalid sequences become U+FFFD; `invalidOffset` is the offset of the
    /// first one. When `truncated`, an incomplete sequence at the very end is dropped silently.
    func decode(_ bytes: UnsafePointer<UInt8>, _ count: Int, truncated: Bool) -> (string: String, invalidOffset: Int?) {
        // Worst case is 3 output bytes per input byte (one invalid byte becomes U+FFFD).
        let needed = count * 3 + 16
        if needed > capacity {
            output.deallocate()
            capacity = max(needed, capacity * 2)
            output = .allocate(capacity: capacity)
        }
        let out = output
        let fast: Int? = table.withUnsafeBufferPointer { table in
            var i = 0
            var o = 0
            while i < count {
                let b = bytes[i]
                if b < 0x80 {
                    out[o] = b
                    o += 1
                    i += 1
                    continue
                }
                guard b >= 0x81, b <= 0xFE, i + 1 < count else { return nil }
                let t = bytes[i + 1]
                guard t >= 0x40, t <= 0xFE else { return nil }
                let scalar = UInt32(table[Int(b - 0x81) * 191 + Int(t - 0x40)])
                if scalar == 0 { return nil }
                if scalar < 0x800 {
                    out[o] = UInt8(0xC0 | (scalar >> 6))
                    out[o + 1] = UInt8(0x80 | (scalar & 0x3F))
                    o += 2
                } else {
                    out[o] = UInt8(0xE0 | (scalar >> 12))
                    out[o + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                    out[o + 2] = UInt8(0x80 | (scalar & 0x3F))
                    o += 3
                }
                i += 2
            }
            return o
        }
        if let produced = fast {
            return (String(decoding: UnsafeBufferPointer(start: out, count: produced), as: UTF8.self), nil)
        }
        return decodeWithIconv(bytes, count, truncated: truncated)
    }

    /// The general path; internal so tests can compare it with the table.
    func decodeWithIconv(_ bytes: UnsafePointer<UInt8>, _ count: Int, truncated: Bool) -> (string: String, invalidOffset: Int?) {
        _ = iconv(converter, nil, nil, nil, nil)  // reset shift state
        var invalidOffset: Int?
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: bytes).assumingMemoryBound(to: CChar.self)
        var inLeft = count
        var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(output).assumingMemoryBound(to: CChar.self)
        var outLeft = capacity

        func appendReplacement() {
            guard outLeft >= 3, let o = outPtr else { return }
            o[0] = CChar(bitPattern: 0xEF); o[1] = CChar(bitPattern: 0xBF); o[2] = CChar(bitPattern: 0xBD)
            outPtr = o + 3
            outLeft -= 3
        }

        while inLeft > 0 {
            let result = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft)
            if result != -1 { break }
            let error = errno
            if error == EILSEQ {
                if invalidOffset == nil { invalidOffset = count - inLeft }
                appendReplacement()
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
                _ = iconv(converter, nil, nil, nil, nil)
            } else if error == EINVAL {
                // Incomplete sequence at the end of the input.
                if !truncated {
                    if invalidOffset == nil { invalidOffset = count - inLeft }
                    appendReplacement()
                }
                break
            } else {
                // E2BIG cannot happen with the capacity above; anything else: keep what we have.
                if invalidOffset == nil { invalidOffset = count - inLeft }
                break
            }
        }
        let produced = capacity - outLeft
        let string = String(decoding: UnsafeBufferPointer(start: output, count: produced), as: UTF8.self)
        return (string, invalidOffset)
    }
}

// MARK: - Writing

/// How FacilityMap writes a CSV file (`--encoding` of `list`, `coverage`, `suggest`, `check`; the rejects file
/// follows its input). The default, UTF-8 with a byte order mark, is what Excel on Chinese Windows opens without
/// mojibake; GB18030 is what older bureau software expects; plain UTF-8 suits other programs.
public enum CSVOutputEncoding: String, Sendable, CaseIterable {
    case utf8BOM = "utf-8-bom"
    case utf8 = "utf-8"
    case gb18030

    /// Parses an --encoding argument, case-insensitively: utf-8-bom (or excel), utf-8 (utf8), gb18030 (gbk).
    public init?(argument: String) {
        switch argument.lowercased() {
        case "utf-8-bom", "utf8-bom", "utf-8-sig", "excel": self = .utf8BOM
        case "utf-8", "utf8": self = .utf8
        case "gb18030", "gbk", "gb2312": self = .gb18030
        default: return nil
        }
    }

    /// The encoding a rejects file takes to match its input: GB18030 for a GB18030 file, else UTF-8 with a BOM.
    public init(matching input: TextEncoding) {
        self = input == .gb18030 ? .gb18030 : .utf8BOM
    }

    /// The bytes that start a file in this encoding.
    public var prefix: [UInt8] { self == .utf8BOM ? [0xEF, 0xBB, 0xBF] : [] }

    /// `text` (whole lines of UTF-8) in this encoding, with the prefix when `atStart`.
    public func encode(_ utf8: [UInt8], atStart: Bool) -> [UInt8] {
        switch self {
        case .utf8: return utf8
        case .utf8BOM: return atStart ? prefix + utf8 : utf8
        case .gb18030: return GB18030Encoder.encode(utf8)
        }
    }

    /// A whole text in this encoding, with its prefix.
    public func data(_ text: String) -> [UInt8] { encode(Array(text.utf8), atStart: true) }
}

/// UTF-8 to GB18030 with iconv (GB18030 encodes every Unicode scalar, so nothing is lost).
enum GB18030Encoder {
    static func encode(_ utf8: [UInt8]) -> [UInt8] {
        guard !utf8.isEmpty else { return [] }
        let converter = iconv_open("GB18030", "UTF-8")
        guard converter != iconv_t(bitPattern: -1) else { return utf8 }
        defer { iconv_close(converter) }
        // GB18030 takes at most 4 bytes for a scalar that UTF-8 writes in 2 to 4.
        var output = [UInt8](repeating: 0, count: utf8.count * 2 + 4)
        var produced = 0
        utf8.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: input.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = input.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = out.count
                while inLeft > 0 {
                    if iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft) != -1 { break }
                    // Invalid UTF-8 cannot come from a Swift String; skip a byte rather than loop.
                    guard errno == EILSEQ || errno == EINVAL else { break }
                    inPtr = inPtr.map { $0 + 1 }
                    inLeft -= 1
                    if outLeft > 0 { outPtr?.pointee = 0x3F; outPtr = outPtr.map { $0 + 1 }; outLeft -= 1 }
                }
                produced = out.count - outLeft
            }
        }
        return Array(output.prefix(produced))
    }
}

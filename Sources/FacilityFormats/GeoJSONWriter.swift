#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FacilityGeometry
import FacilityText

/// A property value, written in the order given.
public enum GeoJSONProperty: Sendable {
    /// Written as a JSON string (UTF-8 as is; see `GeoJSONWriter` for the escaping rules).
    case string(String)
    case int(Int)
    /// Finite: shortest round-trip text, integral values without ".0" (3.0 → 3). NaN/±∞ → null.
    case double(Double)
    case bool(Bool)
    case null
    /// Already-encoded JSON (e.g. an array `[1, 2]`), written unchanged. The caller vouches for it
    /// (checked with `JSONParser` in debug builds only).
    case raw(String)
}

/// Why writing a GeoJSON file failed. `description` names the path (or "standard output").
public struct GeoJSONWriteError: PhrasedError, Equatable {
    /// The file path, or "standard output".
    public let path: String
    /// What failed, e.g. the system's message ("No space left on device").
    public let reason: String
    /// What to do about it.
    public let hint: String

    public init(path: String, reason: String, hint: String = "check the folder exists and the disk has room") {
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    /// e.g. "out/a.geojson: cannot write: No space left on device — check the folder exists and the disk has room".
    public var description: String { "\(path): cannot write: \(reason) — \(hint)" }

    /// The default hint, the system's reasons and the path "standard output" in the catalogue's words; the rest as it is.
    public var phrase: Phrase {
        Phrase("geojson-write.error", arguments: [
            .phrase(path == "standard output" ? Phrase("geojson-write.stdout") : .verbatim(path)),
            .phrase(.reason(reason)),
            .phrase(hint == Self.defaultHint ? Phrase("geojson-write.hint") : .verbatim(hint)),
        ])
    }

    static let defaultHint = "check the folder exists and the disk has room"
}

/// Streams an RFC 7946 FeatureCollection to a file or standard output, one feature per line.
///
/// Memory does not grow with the number of features: output goes through a ~256 KiB buffer
/// (a single feature larger than that is buffered whole, then written).
///
/// - Coordinates are `[lon, lat]`, converted from WGS-84 to `coordinateSystem` (then a top-level
///   `"coordinate_system"` member names it; never a `crs` member), rounded to `decimals` places
///   (half away from zero) and printed without trailing zeros, exponent or "-0".
/// - Polygon rings are closed and wound per RFC 7946 §3.1.6 (exterior counter-clockwise, holes
///   clockwise), judged on the positions as written. Positions that become equal to their
///   predecessor by rounding are dropped; when that would leave fewer than 4 positions (or a
///   zero-area ring from one with area), the ring is written unrounded instead.
/// - Strings are UTF-8 as is; only `"`, `\`, control characters and U+2028/U+2029 are escaped.
/// - `id`: strings and numbers are written; `.null` or a non-finite double omits the member;
///   `.bool` is written as the string "true"/"false"; `.raw` as given.
///
/// A feature whose geometry cannot be written (a non-finite coordinate, a ring with fewer than
/// 3 distinct positions) throws `GeoJSONWriteError` and is left out; the writer stays usable.
/// An I/O failure throws and every later call throws it again. Call `finish()` to complete the
/// file; a writer released without `finish()` closes the file as it is (not valid JSON).
/// Not thread-safe.
public final class GeoJSONWriter {
    /// Features written so far (after `finish()`, the total).
    public private(set) var featureCount: Int = 0
    /// The datum of the written coordinates (input is always WGS-84).
    public let coordinateSystem: CoordinateSystem
    /// Decimal places of written coordinates, 0...12.
    public let decimals: Int

    private static let flushThreshold = 256 * 1024

    private enum State { case open, finished, failed(GeoJSONWriteError) }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let name: String
    private var state = State.open
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private let scale: Double
    private let scaleDivisor: UInt64
    // Scratch space for one ring, kept between features.
    private var converted: [LonLat] = []
    private var ringX: [Int64] = []
    private var ringY: [Int64] = []
    /// 1 for the bytes that may need escaping in a string: C0 controls, `"`, `\`, 0xE2 (U+2028/9).
    private let specialBytes: UnsafeMutablePointer<UInt8>

    /// Writes to `path` (created or truncated) or, with nil, to standard output (not closed by
    /// `finish()`). `decimals` is clamped to 0...12. `foreignMembers` are written after
    /// `"coordinate_system"` (if any) and before `"features"`; the names "type", "features", "crs"
    /// and "coordinate_system" are reserved and names must not repeat (a precondition).
    /// Throws `GeoJSONWriteError` when the file cannot be created.
    public init(path: String?, coordinateSystem: CoordinateSystem = .wgs84, decimals: Int = 6,
                foreignMembers: [(String, GeoJSONProperty)] = []) throws {
        var seen: Set<String> = []
        for (key, _) in foreignMembers {
            precondition(!["type", "features", "crs", "coordinate_system"].contains(key),
                         "GeoJSONWriter: the foreign member name \"\(key)\" is reserved")
            precondition(seen.insert(key).inserted, "GeoJSONWriter: the foreign member \"\(key)\" is given twice")
        }
        self.coordinateSystem = coordinateSystem
        self.decimals = min(max(decimals, 0), 12)
        var divisor: UInt64 = 1
        for _ in 0..<self.decimals { divisor *= 10 }
        scaleDivisor = divisor
        scale = Double(divisor)

        if path == Self.memory {
            fd = -1
            ownsDescriptor = false
            name = "memory"
        } else if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw GeoJSONWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            self.fd = fd
            ownsDescriptor = true
            name = path
        } else {
            fd = STDOUT_FILENO
            ownsDescriptor = false
            name = "standard output"
        }
        #if canImport(Darwin)
        _ = fcntl(fd, F_SETNOSIGPIPE, 1)   // a closed pipe gives EPIPE, not a fatal SIGPIPE
        #endif
        specialBytes = .allocate(capacity: 256)
        specialBytes.initialize(repeating: 0, count: 256)
        for b in [0x22, 0x5C, 0xE2] + Array(0..<0x20) { specialBytes[b] = 1 }
        capacity = Self.flushThreshold + 64 * 1024
        buffer = .allocate(capacity: capacity)

        append("{\"type\": \"FeatureCollection\"")
        if coordinateSystem != .wgs84 {
            append(", \"coordinate_system\": ")
            writeString(coordinateSystem.rawValue)
        }
        for (key, value) in foreignMembers {
            append(", ")
            writeString(key)
            append(": ")
            writeValue(value)
        }
        append(", \"features\": [")
    }

    deinit {
        if case .finished = state {} else if ownsDescriptor { _ = systemClose(fd) }
        buffer.deallocate()
        specialBytes.deallocate()
    }

    /// Appends one Feature: `id` (see the type's notes), properties in the order given, geometry
    /// (nil → `"geometry": null`).
    public func write(id: GeoJSONProperty, properties: [(String, GeoJSONProperty)], geometry: Geometry?) throws {
        try checkOpen()
        let mark = count
        append(featureCount == 0 ? "\n{\"type\": \"Feature\"" : ",\n{\"type\": \"Feature\"")
        switch id {
        case .null: break
        case .double(let x) where !x.isFinite: break
        case .bool(let b):
            append(", \"id\": ")
            writeString(b ? "true" : "false")
        default:
            append(", \"id\": ")
            writeValue(id)
        }
        append(", \"properties\": {")
        var first = true
        for (key, value) in properties {
            if !first { append(", ") }
            first = false
            writeString(key)
            append(": ")
            writeValue(value)
        }
        append("}, \"geometry\": ")
        do {
            try writeGeometry(geometry)
        } catch var error as GeoJSONWriteError {
            count = mark   // nothing was flushed since `mark`: drop the partial feature
            error = GeoJSONWriteError(path: name, reason: "feature \(featureCount) (0-based): \(error.reason)", hint: error.hint)
            throw error
        }
        append("}")
        featureCount += 1
        if count >= Self.flushThreshold { try flush() }
    }

    /// Closes the collection and the file (standard output is flushed, not closed).
    /// `featureCount` is then the number of features written. Calling it again does nothing.
    public func finish() throws {
        switch state {
        case .finished: return
        case .failed(let error):
            state = .finished
            if ownsDescriptor { _ = systemClose(fd) }
            throw error
        case .open: break
        }
        append("\n]}\n")
        var failure: GeoJSONWriteError?
        do { try flush() } catch let error as GeoJSONWriteError { failure = error }
        state = .finished
        if ownsDescriptor && systemClose(fd) != 0 && failure == nil {
            failure = GeoJSONWriteError(path: name, reason: String(cString: strerror(errno)))
        }
        if let failure { throw failure }
    }

    // MARK: - Output

    private func checkOpen() throws {
        switch state {
        case .open: return
        case .failed(let error): throw error
        case .finished:
            throw GeoJSONWriteError(path: name, reason: "the GeoJSON writer was already finished",
                                    hint: "write all features before calling finish()")
        }
    }

    /// The path that writes to memory instead of a file: `written` holds the collection once finished (an answer
    /// of the server, a page of features).
    public static let memory = "\u{0}memory"

    /// One Feature as its own document (an OGC API item), written as a collection's would be, with `members` after
    /// its geometry.
    public static func feature(id: GeoJSONProperty, properties: [(String, GeoJSONProperty)], geometry: Geometry?,
                               members: [(String, GeoJSONProperty)] = []) throws -> String {
        let writer = try GeoJSONWriter(path: memory)
        try writer.write(id: id, properties: properties, geometry: geometry)
        // Reopen the feature (its closing brace is the last byte written) for the members.
        if writer.count > 0 { writer.count -= 1 } else { writer.written.removeLast() }
        for (key, value) in members {
            writer.append(", ")
            writer.writeString(key)
            writer.append(": ")
            writer.writeValue(value)
        }
        writer.append("}")
        try writer.finish()
        let text = String(decoding: writer.written, as: UTF8.self)
        // The collection's frame around the one feature: `{"type": "FeatureCollection", "features": [\n` … `}\n]}\n`.
        guard let open = text.range(of: "\n{\"type\": \"Feature\""), let close = text.range(of: "\n]}\n", options: .backwards) else { return text }
        var feature = String(text[open.upperBound..<close.lowerBound])
        feature = "{\"type\": \"Feature\"" + feature
        return feature + "\n"
    }

    /// What a writer made with `path: GeoJSONWriter.memory` has written.
    public private(set) var written: [UInt8] = []

    private func flush() throws {
        if fd < 0 {
            written.append(contentsOf: UnsafeBufferPointer(start: buffer, count: count))
            count = 0
            return
        }
        do {
            try writeAll(buffer, count)
            count = 0
        } catch let error as GeoJSONWriteError {
            state = .failed(error)
            throw error
        }
    }

    private func writeAll(_ bytes: UnsafePointer<UInt8>, _ total: Int) throws {
        #if os(Linux)
        // Block SIGPIPE on this thread while writing, so a closed pipe gives EPIPE (an error)
        // instead of killing the process; a SIGPIPE raised by our write is then consumed.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer { pthread_sigmask(SIG_SETMASK, &previousMask, nil) }
        #endif
        var written = 0
        while written < total {
            let n = systemWrite(fd, bytes + written, total - written)
            if n > 0 { written += n; continue }
            let code = n == 0 ? EIO : errno
            if code == EINTR { continue }
            #if os(Linux)
            if code == EPIPE && sigismember(&previousMask, SIGPIPE) == 0 {
                var noWait = timespec(tv_sec: 0, tv_nsec: 0)
                _ = sigtimedwait(&pipeSignal, nil, &noWait)
            }
            #endif
            throw GeoJSONWriteError(path: name, reason: String(cString: strerror(code)))
        }
    }

    @inline(__always) private func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    @inline(__always) private func append(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        reserve(n)
        (buffer + count).update(from: text.utf8Start, count: n)
        count += n
    }

    @inline(__always) private func append(byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (buffer + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    private func append(text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    // MARK: - Values

    private func writeValue(_ value: GeoJSONProperty) {
        switch value {
        case .string(let s): writeString(s)
        case .int(let i): writeInteger(Int64(i))
        case .double(let x): writeDouble(x)
        case .bool(let b): if b { append("true") } else { append("false") }
        case .null: append("null")
        case .raw(let json):
            assert((try? JSONParser().parse(Array(json.utf8))) != nil, "GeoJSONProperty.raw is not valid JSON: \(json)")
            append(text: json)
        }
    }

    private func writeDouble(_ x: Double) {
        if !x.isFinite {
            append("null")
        } else if x == x.rounded(.towardZero) && abs(x) < 1e15 {
            writeInteger(Int64(x))
        } else {
            append(text: x.description)   // shortest round-trip; may use an exponent, valid JSON
        }
    }

    @inline(__always) private func writeInteger(_ value: Int64) {
        if value < 0 { append(byte: 0x2D) }
        writeDigits(value.magnitude)
    }

    @inline(__always) private func writeDigits(_ value: UInt64) {
        reserve(20)
        var length = 1
        var rest = value
        while rest >= 10 { rest /= 10; length += 1 }
        var v = value
        var i = count + length - 1
        repeat {
            buffer[i] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
            v /= 10
            i -= 1
        } while v > 0
        count += length
    }

    /// A JSON string: UTF-8 as is; escapes `"`, `\`, C0 controls and U+2028/U+2029.
    private func writeString(_ text: String) {
        var text = text
        text.withUTF8 { writeEscaped($0) }
    }

    private func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(byte: 0x22)
        let n = bytes.count
        var runStart = 0
        var i = 0
        let special = specialBytes
        while i < n {
            let b = bytes[i]
            if special[Int(b)] == 0 { i &+= 1; continue }
            if b == 0xE2 {
                guard i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 else { i += 1; continue }
                append(UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                append(bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                i += 3
                runStart = i
                continue
            }
            append(UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            switch b {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            default:
                append("\\u00")
                append(byte: hexDigits[Int(b >> 4)])
                append(byte: hexDigits[Int(b & 0x0F)])
            }
            i += 1
            runStart = i
        }
        append(UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
        append(byte: 0x22)
    }

    // MARK: - Geometry

    private func writeGeometry(_ geometry: Geometry?) throws {
        guard let geometry else { append("null"); return }
        switch geometry {
        case .point(let p):
            append("{\"type\": \"Point\", \"coordinates\": ")
            try writePosition(p)
            append("}")
        case .polygon(let polygon):
            append("{\"type\": \"Polygon\", \"coordinates\": ")
            try writePolygon(polygon, path: "")
            append("}")
        case .multiPolygon(let multi):
            append("{\"type\": \"MultiPolygon\", \"coordinates\": [")
            for (i, polygon) in multi.polygons.enumerated() {
                if i > 0 { append(", ") }
                try writePolygon(polygon, path: "polygon \(i), ")
            }
            append("]}")
        }
    }

    /// The position in the output datum, or a thrown error when it cannot be written as a number.
    private func outputPosition(_ p: LonLat, path: @autoclosure () -> String) throws -> LonLat {
        let q = coordinateSystem == .wgs84 ? p : coordinateSystem.fromWGS84(p)
        guard q.isFinite, abs(q.lon) <= 1e9, abs(q.lat) <= 1e9 else {
            throw GeoJSONWriteError(path: name, reason: "\(path()) coordinate \(p) is not a finite longitude/latitude in degrees",
                                    hint: "fix or drop that coordinate in the source")
        }
        return q
    }

    /// `x` in units of 10^-decimals, half away from zero (|x| ≤ 1e9 so it fits).
    @inline(__always) private func scaled(_ x: Double) -> Int64 {
        Int64((x * scale).rounded(.toNearestOrAwayFromZero))
    }

    private func writePosition(_ p: LonLat) throws {
        let q = try outputPosition(p, path: "point")
        append(byte: 0x5B)
        writeScaled(scaled(q.lon))
        append(", ")
        writeScaled(scaled(q.lat))
        append(byte: 0x5D)
    }

    /// Writes `units` × 10^-decimals as a plain decimal without trailing zeros; 0 (and -0) as "0".
    @inline(__always) private func writeScaled(_ units: Int64) {
        if units == 0 { append(byte: 0x30); return }
        if units < 0 { append(byte: 0x2D) }
        let magnitude = units.magnitude
        writeDigits(magnitude / scaleDivisor)
        var fraction = magnitude % scaleDivisor
        guard fraction != 0 else { return }
        var places = decimals
        while fraction % 10 == 0 { fraction /= 10; places -= 1 }
        reserve(places + 1)
        buffer[count] = 0x2E
        var i = count + places
        while i > count {
            buffer[i] = UInt8(truncatingIfNeeded: 0x30 &+ fraction % 10)
            fraction /= 10
            i -= 1
        }
        count += places + 1
    }

    private func writePolygon(_ polygon: Polygon, path: String) throws {
        if polygon.exterior.isEmpty && polygon.holes.isEmpty { append("[]"); return }
        append(byte: 0x5B)
        try writeRing(polygon.exterior, counterClockwise: true, path: "\(path)ring 0")
        for (h, hole) in polygon.holes.enumerated() {
            append(", ")
            try writeRing(hole, counterClockwise: false, path: "\(path)ring \(h + 1)")
        }
        append(byte: 0x5D)
    }

    private func writeRing(_ ring: [LonLat], counterClockwise: Bool, path: String) throws {
        converted.removeAll(keepingCapacity: true)
        for (i, p) in ring.enumerated() {
            converted.append(try outputPosition(p, path: "\(path), position \(i):"))
        }
        // Round, dropping positions equal to their predecessor, and close.
        ringX.removeAll(keepingCapacity: true)
        ringY.removeAll(keepingCapacity: true)
        for q in converted {
            let x = scaled(q.lon), y = scaled(q.lat)
            if let lastX = ringX.last, let lastY = ringY.last, lastX == x, lastY == y { continue }
            ringX.append(x)
            ringY.append(y)
        }
        if let x0 = ringX.first, let y0 = ringY.first, x0 != ringX.last! || y0 != ringY.last! {
            ringX.append(x0)
            ringY.append(y0)
        }
        var useRounded = ringX.count >= 4
        var area = 0.0
        if useRounded {
            area = signedArea(ringX, ringY)
            if area == 0 && signedAreaSquareDegrees(converted) != 0 { useRounded = false }
        }
        if useRounded {
            let reversed = area != 0 && (area > 0) != counterClockwise
            append(byte: 0x5B)
            let n = ringX.count
            for k in 0..<n {
                let i = reversed ? n - 1 - k : k
                if k > 0 { append(", ") }
                append(byte: 0x5B)
                writeScaled(ringX[i])
                append(", ")
                writeScaled(ringY[i])
                append(byte: 0x5D)
            }
            append(byte: 0x5D)
            return
        }
        // Rounding would make the ring invalid: write it at full precision instead.
        if let first = converted.first, first != converted.last! { converted.append(first) }
        guard converted.count >= 4 else {
            throw GeoJSONWriteError(path: name, reason: "\(path) has \(ring.count) position(s), a ring needs at least 3 distinct corners",
                                    hint: "fix or drop that ring in the source")
        }
        let fullArea = signedAreaSquareDegrees(converted)
        let reversed = fullArea != 0 && (fullArea > 0) != counterClockwise
        append(byte: 0x5B)
        let n = converted.count
        for k in 0..<n {
            let q = converted[reversed ? n - 1 - k : k]
            if k > 0 { append(", ") }
            append(byte: 0x5B)
            append(text: plainDecimal(q.lon))
            append(", ")
            append(text: plainDecimal(q.lat))
            append(byte: 0x5D)
        }
        append(byte: 0x5D)
    }
}

/// Twice the shoelace area of a closed ring of integer positions (positive: counter-clockwise).
private func signedArea(_ xs: [Int64], _ ys: [Int64]) -> Double {
    let x0 = xs[0], y0 = ys[0]
    var sum = 0.0
    for i in 0..<(xs.count - 1) {
        sum += Double(xs[i] - x0) * Double(ys[i + 1] - y0) - Double(xs[i + 1] - x0) * Double(ys[i] - y0)
    }
    return sum
}

/// The shortest round-trip text of a finite `x` without exponent or trailing ".0"
/// (1e-08 → "0.00000001", 3.0 → "3", -0.0 → "0").
func plainDecimal(_ x: Double) -> String {
    if x == 0 { return "0" }
    var text = x.description
    guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
    let exponent = Int(text[text.index(after: e)...]) ?? 0
    var mantissa = text[..<e]
    let negative = mantissa.first == "-"
    if negative { mantissa = mantissa.dropFirst() }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let integerDigits = String(parts[0])
    var digits = integerDigits + (parts.count > 1 ? String(parts[1]) : "")
    while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
    let point = integerDigits.count + exponent
    let body: String
    if point <= 0 {
        body = "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
        body = digits + String(repeating: "0", count: point - digits.count)
    } else {
        body = digits.prefix(point) + "." + digits.dropFirst(point)
    }
    return negative ? "-" + body : body
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// A blob that is not 2D OGC WKB of a supported type.
///
/// `offset` is the 0-based byte position where reading failed; `message` says what was found
/// and what to do.
public struct WKBError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "WKB byte \(offset): \(message)" }
}

extension Geometry {
    /// OGC WKB (ISO, 2D), little-endian — what SpatiaLite's `GeomFromWKB(?, 4326)` accepts and
    /// `AsBinary()` returns. Point = type 1, Polygon = 3, MultiPolygon = 6 (each member polygon
    /// with its own header). Coordinates are written as they are (NaN included, as in an empty point).
    public var wkb: [UInt8] {
        var writer = WKBWriter()
        switch self {
        case .point(let p):
            writer.header(1)
            writer.position(p)
        case .polygon(let polygon):
            writer.header(3)
            writer.polygonBody(polygon)
        case .multiPolygon(let multi):
            writer.header(6)
            writer.count(multi.polygons.count)
            for polygon in multi.polygons {
                writer.header(3)
                writer.polygonBody(polygon)
            }
        }
        return writer.bytes
    }

    /// Reads 2D OGC WKB in either byte order: Point (1), Polygon (3), MultiPolygon (6), and a
    /// MultiPoint (4) holding exactly one point, which becomes `.point`.
    ///
    /// Throws `WKBError` — never traps — for truncated or garbage bytes, trailing bytes, other
    /// types (LineString, GeometryCollection, …, named in the message), Z/M variants and
    /// PostGIS EWKB. Coordinates are not validated; use `structuralProblems()`.
    public init(wkb: some Collection<UInt8>) throws {
        var reader = WKBReader(bytes: Array(wkb))
        let geometry = try reader.geometry()
        if reader.position < reader.bytes.count {
            throw WKBError(offset: reader.position,
                           message: "\(reader.bytes.count - reader.position) trailing byte(s) after the \(geometry.typeName)"
                               + " — pass exactly one WKB geometry")
        }
        self = geometry
    }
}

private struct WKBWriter {
    var bytes: [UInt8] = []

    mutating func header(_ type: UInt32) {
        bytes.append(1)   // little-endian (NDR)
        uint32(type)
    }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func count(_ n: Int) { uint32(UInt32(truncatingIfNeeded: n)) }

    mutating func position(_ p: LonLat) {
        withUnsafeBytes(of: p.lon.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: p.lat.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func polygonBody(_ polygon: Polygon) {
        count(1 + polygon.holes.count)
        for ring in polygon.rings {
            count(ring.count)
            for p in ring { position(p) }
        }
    }
}

private struct WKBReader {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    func fail(_ message: String, at offset: Int? = nil) -> WKBError {
        WKBError(offset: offset ?? position, message: message)
    }

    func truncated(_ what: String, need: Int) -> WKBError {
        fail("unexpected end of data reading \(what) (needs \(need) byte(s), \(remaining) left)"
             + " — the blob is cut short or is not WKB")
    }

    mutating func byteOrder() throws -> Bool {
        guard remaining >= 1 else { throw truncated("the byte-order marker", need: 1) }
        let marker = bytes[position]
        guard marker <= 1 else {
            throw fail("byte-order marker is 0x\(String(marker, radix: 16)), expected 0x00 or 0x01"
                       + " — this is not WKB (SpatiaLite's internal BLOB format needs AsBinary() first)")
        }
        position += 1
        return marker == 1
    }

    mutating func uint32(littleEndian: Bool, _ what: String) throws -> UInt32 {
        guard remaining >= 4 else { throw truncated(what, need: 4) }
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[position + i])
            value |= littleEndian ? byte << (8 * UInt32(i)) : byte << (8 * UInt32(3 - i))
        }
        position += 4
        return value
    }

    mutating func double(littleEndian: Bool) throws -> Double {
        guard remaining >= 8 else { throw truncated("a coordinate", need: 8) }
        var bits: UInt64 = 0
        for i in 0..<8 {
            let byte = UInt64(bytes[position + i])
            bits |= littleEndian ? byte << (8 * UInt64(i)) : byte << (8 * UInt64(7 - i))
        }
        position += 8
        return Double(bitPattern: bits)
    }

    /// Reads a count and checks that `minimumBytesEach` bytes per element are still there.
    mutating func count(littleEndian: Bool, of what: String, minimumBytesEach: Int) throws -> Int {
        let start = position
        let n = Int(try uint32(littleEndian: littleEndian, "the number of \(what)"))
        if n > remaining / minimumBytesEach {
            throw fail("claims \(n) \(what) but only \(remaining) byte(s) follow — the blob is cut short or corrupt",
                       at: start)
        }
        return n
    }

    /// Reads a header; returns the byte order and the 2D base type code.
    mutating func header() throws -> (littleEndian: Bool, type: UInt32) {
        let start = position
        let little = try byteOrder()
        let type = try uint32(littleEndian: little, "the geometry type")
        if type & 0xE000_0000 != 0 {
            throw fail("type 0x\(String(type, radix: 16)) has PostGIS EWKB flags (Z/M/SRID)"
                       + " — export plain 2D WKB (ST_AsBinary / AsBinary)", at: start)
        }
        let base = type % 1000, dimension = type / 1000
        if dimension != 0 {
            guard dimension <= 3, isKnownWKBType(base) else {
                throw fail("unknown geometry type code \(type) — expected Point (1), Polygon (3) or MultiPolygon (6)",
                           at: start)
            }
            let suffix = ["Z", "M", "ZM"][Int(dimension) - 1]
            throw fail("\(wkbTypeName(base))\(suffix) (type \(type)) has extra ordinates; only 2D WKB is supported"
                       + " — drop Z/M first (e.g. CastToXY() in SpatiaLite)", at: start)
        }
        return (little, base)
    }

    mutating func geometry() throws -> Geometry {
        let start = position
        let (little, type) = try header()
        switch type {
        case 1:
            return .point(try point(littleEndian: little))
        case 3:
            return .polygon(try polygonBody(littleEndian: little))
        case 6:
            let n = try count(littleEndian: little, of: "polygons", minimumBytesEach: 9)
            var polygons: [Polygon] = []
            polygons.reserveCapacity(n)
            for i in 0..<n {
                let memberStart = position
                let (memberLittle, memberType) = try header()
                guard memberType == 3 else {
                    throw fail("member \(i) of the MultiPolygon is a \(wkbTypeName(memberType)), expected a Polygon",
                               at: memberStart)
                }
                polygons.append(try polygonBody(littleEndian: memberLittle))
            }
            return .multiPolygon(MultiPolygon(polygons))
        case 4:
            let n = try count(littleEndian: little, of: "points", minimumBytesEach: 21)
            guard n == 1 else {
                throw fail("MultiPoint with \(n) points is not supported (only one point)"
                           + " — store each facility as its own Point", at: start)
            }
            let memberStart = position
            let (memberLittle, memberType) = try header()
            guard memberType == 1 else {
                throw fail("member 0 of the MultiPoint is a \(wkbTypeName(memberType)), expected a Point", at: memberStart)
            }
            return .point(try point(littleEndian: memberLittle))
        default:
            guard isKnownWKBType(type) else {
                throw fail("unknown geometry type code \(type) — expected Point (1), Polygon (3) or MultiPolygon (6)",
                           at: start)
            }
            throw fail("\(wkbTypeName(type)) (type \(type)) is not supported"
                       + " — only Point, Polygon and MultiPolygon (and a one-point MultiPoint) can be read", at: start)
        }
    }

    mutating func point(littleEndian: Bool) throws -> LonLat {
        let lon = try double(littleEndian: littleEndian)
        let lat = try double(littleEndian: littleEndian)
        return LonLat(lon, lat)
    }

    mutating func polygonBody(littleEndian: Bool) throws -> Polygon {
        let ringCount = try count(littleEndian: littleEndian, of: "rings", minimumBytesEach: 4)
        var rings: [[LonLat]] = []
        rings.reserveCapacity(ringCount)
        for _ in 0..<ringCount {
            let n = try count(littleEndian: littleEndian, of: "positions", minimumBytesEach: 16)
            var ring: [LonLat] = []
            ring.reserveCapacity(n)
            for _ in 0..<n { ring.append(try point(littleEndian: littleEndian)) }
            rings.append(ring)
        }
        guard let exterior = rings.first else { return Polygon(exterior: []) }
        return Polygon(exterior: exterior, holes: Array(rings.dropFirst()))
    }
}

private func isKnownWKBType(_ code: UInt32) -> Bool {
    (1...10).contains(code) || (15...17).contains(code)
}

private func wkbTypeName(_ code: UInt32) -> String {
    switch code {
    case 1: return "Point"
    case 2: return "LineString"
    case 3: return "Polygon"
    case 4: return "MultiPoint"
    case 5: return "MultiLineString"
    case 6: return "MultiPolygon"
    case 7: return "GeometryCollection"
    case 8: return "CircularString"
    case 9: return "CompoundCurve"
    case 10: return "CurvePolygon"
    case 15: return "PolyhedralSurface"
    case 16: return "TIN"
    case 17: return "Triangle"
    default: return "type \(code)"
    }
}

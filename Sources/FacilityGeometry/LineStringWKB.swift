/// A line's positions as WKB and back: OGC LineString (type 2), 2D. The roads layer's geometry on both store engines.
public enum LineStringWKB {
    /// Little-endian WKB of the LineString through `points`, in order.
    public static func encode(_ points: [LonLat]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(9 + 16 * points.count)
        bytes.append(1)
        append(UInt32(2), to: &bytes)
        append(UInt32(truncatingIfNeeded: points.count), to: &bytes)
        for p in points {
            append(p.lon.bitPattern, to: &bytes)
            append(p.lat.bitPattern, to: &bytes)
        }
        return bytes
    }

    /// The positions of a 2D LineString's WKB, in either byte order; nil for any other geometry or cut bytes.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [LonLat]? {
        guard bytes.count >= 9, bytes[0] <= 1 else { return nil }
        let little = bytes[0] == 1
        func uint32(_ at: Int) -> UInt32 {
            let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
        }
        func double(_ at: Int) -> Double {
            let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw))
        }
        guard uint32(1) == 2 else { return nil }
        let count = Int(uint32(5))
        guard bytes.count - 9 >= count * 16 else { return nil }
        var points: [LonLat] = []
        points.reserveCapacity(count)
        for k in 0..<count { points.append(LonLat(double(9 + 16 * k), double(17 + 16 * k))) }
        return points
    }

    /// As `decode(_:)`, from an array.
    public static func decode(_ bytes: [UInt8]) -> [LonLat]? {
        bytes.withUnsafeBytes { decode($0) }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// The length of the line through `points` in metres, on the sphere (`haversineMetres` between neighbours).
public func lineLengthMetres(_ points: [LonLat]) -> Double {
    guard points.count > 1 else { return 0 }
    var total = 0.0
    for k in 1..<points.count { total += haversineMetres(points[k - 1], points[k]) }
    return total
}

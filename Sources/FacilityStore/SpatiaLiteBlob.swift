import FacilityGeometry
import FacilityRegistry

/// SpatiaLite's internal geometry BLOB: what `MakePoint` and `GeomFromWKB` store, read and written without
/// calling SQL functions. Layout: START (00), byte order (01 little-endian, 00 big-endian), SRID (int32),
/// MBR (min x, min y, max x, max y as doubles), MBR_END (7C), class (int32), coordinates…, END (FE).
enum SpatiaLiteBlob {
    static let pointByteCount = 60
    static let srid: UInt32 = 4326

    /// Writes the 60 bytes of a POINT in SRID 4326, exactly as `MakePoint(x, y, 4326)` makes them.
    static func writePoint(_ point: LonLat, to buffer: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(buffer)
        buffer[0] = 0x00
        buffer[1] = 0x01
        raw.storeBytes(of: srid.littleEndian, toByteOffset: 2, as: UInt32.self)
        let x = point.lon.bitPattern.littleEndian, y = point.lat.bitPattern.littleEndian
        raw.storeBytes(of: x, toByteOffset: 6, as: UInt64.self)
        raw.storeBytes(of: y, toByteOffset: 14, as: UInt64.self)
        raw.storeBytes(of: x, toByteOffset: 22, as: UInt64.self)
        raw.storeBytes(of: y, toByteOffset: 30, as: UInt64.self)
        buffer[38] = 0x7C
        raw.storeBytes(of: UInt32(1).littleEndian, toByteOffset: 39, as: UInt32.self)
        raw.storeBytes(of: x, toByteOffset: 43, as: UInt64.self)
        raw.storeBytes(of: y, toByteOffset: 51, as: UInt64.self)
        buffer[59] = 0xFE
    }

    /// The bounding box stored in a geometry BLOB's header; nil when `blob` is not a SpatiaLite geometry.
    static func bounds(_ blob: UnsafeRawBufferPointer) -> (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        guard blob.count >= 44, blob[0] == 0x00, blob[1] <= 0x01, blob[38] == 0x7C, blob[blob.count - 1] == 0xFE
        else { return nil }
        let little = blob[1] == 0x01
        func double(_ offset: Int) -> Double {
            let bits = blob.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
        }
        return (double(6), double(14), double(22), double(30))
    }

    /// The coordinates of an uncompressed XY point blob (60 bytes, class 1); nil for any other blob.
    static func point(_ blob: UnsafeRawBufferPointer) -> LonLat? {
        guard blob.count == 60, blob[0] == 0x00, blob[38] == 0x7C, blob[59] == 0xFE, blob[1] <= 1 else { return nil }
        let little = blob[1] == 1
        func int32(_ offset: Int) -> UInt32 {
            let raw = blob.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            return little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
        }
        func double(_ offset: Int) -> Double {
            let raw = blob.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw))
        }
        guard int32(39) == 1 else { return nil }
        return LonLat(double(43), double(51))
    }
}

import CGEOS
import FacilityGeometry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The area within a distance of lines (GEOS `Buffer`, round ends, four segments a quarter circle), in metres: the
/// lines are laid flat around their middle (x east and y north in metres, the longitude scaled by the middle's
/// latitude — true to well under 0.1 % across a city), buffered and dissolved, and laid back in degrees. What a
/// service area is drawn as: the roads reachable in time, widened.
public final class LineBuffer {
    private let handle: GEOSContextHandle_t
    private let writer: OpaquePointer

    public init() {
        handle = GEOS_init_r()
        writer = GEOSWKBWriter_create_r(handle)
    }

    deinit {
        GEOSWKBWriter_destroy_r(handle, writer)
        GEOS_finish_r(handle)
    }

    /// The area within `metres` of any of `lines` (each of at least two points), dissolved; nil when there are none.
    public func buffer(_ lines: [[LonLat]], metres: Double) -> MultiPolygon? {
        let points = lines.joined()
        guard !points.isEmpty, metres > 0 else { return nil }
        let box = BoundingBox(points: points)
        let lon0 = (box.minLon + box.maxLon) / 2, lat0 = (box.minLat + box.maxLat) / 2
        let ky = earthRadiusMetres * .pi / 180, kx = ky * cos(lat0 * .pi / 180)
        var parts: [OpaquePointer?] = []
        for line in lines where line.count >= 2 {
            guard let sequence = GEOSCoordSeq_create_r(handle, UInt32(line.count), 2) else { continue }
            for (i, p) in line.enumerated() {
                GEOSCoordSeq_setXY_r(handle, sequence, UInt32(i), (p.lon - lon0) * kx, (p.lat - lat0) * ky)
            }
            if let geometry = GEOSGeom_createLineString_r(handle, sequence) { parts.append(geometry) }
        }
        guard !parts.isEmpty else { return nil }
        let collection = parts.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(GEOS_MULTILINESTRING.rawValue), $0.baseAddress, UInt32($0.count))
        }
        guard let collection else { return nil }
        defer { GEOSGeom_destroy_r(handle, collection) }
        guard let buffered = GEOSBuffer_r(handle, collection, metres, 4) else { return nil }
        defer { GEOSGeom_destroy_r(handle, buffered) }
        var size = 0
        guard let bytes = GEOSWKBWriter_write_r(handle, writer, buffered, &size) else { return nil }
        defer { GEOSFree_r(handle, bytes) }
        guard let flat = try? Geometry(wkb: UnsafeBufferPointer(start: bytes, count: size)).asMultiPolygon else { return nil }
        func back(_ ring: [LonLat]) -> [LonLat] { ring.map { LonLat(lon0 + $0.lon / kx, lat0 + $0.lat / ky) } }
        let polygons = flat.polygons.map { Polygon(exterior: back($0.exterior), holes: $0.holes.map(back)) }
        return polygons.isEmpty ? nil : MultiPolygon(polygons)
    }
}

import FacilityGeometry
import FacilityModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a place joins the network: the nearest point of the nearest usable edge (not the nearest node, which would
/// make two places on one long edge zero apart), and how far the place is from it.
public struct NetworkPlace: Equatable, Sendable {
    /// The edge.
    public var edge: Int
    /// Metres along the edge from its first node to the point.
    public var metres: Double
    /// Metres from the place to the point (great circle).
    public var snapMetres: Double
    /// The point on the road.
    public var point: LonLat
}

extension RoadNetwork {
    /// Where `place` joins the network; nil when no usable edge is within `options.maxSnapMetres` (off the network).
    public func snap(_ place: LonLat) -> NetworkPlace? {
        guard place.isFinite else { return nil }
        let limit = options.maxSnapMetres
        var best: (distance2: Double, segment: Int, t: Double)?
        let kx = cos(place.lat * .pi / 180) * metresPerDegree, ky = metresPerDegree
        segments.forEachCandidate(near: place, withinMetres: limit, { i in
            let a = shape[i], b = shape[i + 1]
            let ax = (a.lon - place.lon) * kx, ay = (a.lat - place.lat) * ky
            let dx = (b.lon - a.lon) * kx, dy = (b.lat - a.lat) * ky
            let length2 = dx * dx + dy * dy
            let t = length2 > 0 ? Swift.min(1, Swift.max(0, -(ax * dx + ay * dy) / length2)) : 0
            let x = ax + t * dx, y = ay + t * dy
            let d2 = x * x + y * y
            if best == nil || d2 < best!.distance2 { best = (d2, i, t) }
        }, stop: { searched in
            // Every segment not yet seen is farther than the best found.
            best.map { $0.distance2 <= searched * searched } ?? false
        })
        guard let found = best else { return nil }
        let i = found.segment
        let a = shape[i], b = shape[i + 1]
        let point = LonLat(a.lon + found.t * (b.lon - a.lon), a.lat + found.t * (b.lat - a.lat))
        let snapMetres = haversineMetres(place, point)
        guard snapMetres <= limit else { return nil }
        let edge = edgeContaining(segment: i)
        let metres = shapeMetres[i] + found.t * (shapeMetres[i + 1] - shapeMetres[i])
        return NetworkPlace(edge: edge, metres: Swift.min(metres, edgeMetres[edge]), snapMetres: snapMetres, point: point)
    }

    /// Where each of `places` joins the network, on every core.
    public func snap(_ places: [LonLat]) -> [NetworkPlace?] {
        Concurrently.values(count: places.count, initial: nil) { snap(places[$0]) }
    }

    /// The edge whose shape holds the segment starting at shape point `i`.
    func edgeContaining(segment i: Int) -> Int {
        var lo = 0, hi = edgeCount - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if Int(shapeStart[mid]) <= i { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Metres per degree of a great circle on the sphere of `earthRadiusMetres`.
let metresPerDegree = earthRadiusMetres * .pi / 180

/// The shape segments of a network's edges, by the cells of a regular lon/lat grid their boxes meet (CSR: cell starts
/// and segment numbers, a segment being its first shape point).
struct SegmentGrid: Sendable {
    private let minLon: Double, minLat: Double, cell: Double
    private let nx: Int, ny: Int
    private let starts: [Int32]
    private let items: [Int32]
    /// The cell's smaller side in metres at the grid's worst latitude (a lower bound on a ring's reach).
    private let cellMetres: Double

    init(shape: [LonLat], shapeStart: [Int32]) {
        let box = BoundingBox(points: shape)
        var size = 0.002
        while ((box.maxLon - box.minLon) / size + 1) * ((box.maxLat - box.minLat) / size + 1) > 16_000_000 { size *= 2 }
        minLon = box.minLon
        minLat = box.minLat
        cell = size
        let nx = Int((box.maxLon - box.minLon) / size) + 1, ny = Int((box.maxLat - box.minLat) / size) + 1
        self.nx = nx
        self.ny = ny
        let worstLat = Swift.min(89, Swift.max(abs(box.minLat), abs(box.maxLat)))
        cellMetres = size * metresPerDegree * cos(worstLat * .pi / 180)
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        func forEachCell(ofSegment i: Int, _ body: (Int) -> Void) {
            let a = shape[i], b = shape[i + 1]
            let x0 = Int((Swift.min(a.lon, b.lon) - box.minLon) / size), x1 = Int((Swift.max(a.lon, b.lon) - box.minLon) / size)
            let y0 = Int((Swift.min(a.lat, b.lat) - box.minLat) / size), y1 = Int((Swift.max(a.lat, b.lat) - box.minLat) / size)
            for y in y0...Swift.min(y1, ny - 1) {
                for x in x0...Swift.min(x1, nx - 1) { body(y * nx + x) }
            }
        }
        for e in 0..<(shapeStart.count - 1) {
            for i in Int(shapeStart[e])..<(Int(shapeStart[e + 1]) - 1) { forEachCell(ofSegment: i) { counts[$0 + 1] += 1 } }
        }
        for c in 0..<(nx * ny) { counts[c + 1] += counts[c] }
        var next = counts
        var items = [Int32](repeating: 0, count: Int(counts[nx * ny]))
        for e in 0..<(shapeStart.count - 1) {
            for i in Int(shapeStart[e])..<(Int(shapeStart[e + 1]) - 1) {
                forEachCell(ofSegment: i) { c in
                    items[Int(next[c])] = Int32(i)
                    next[c] += 1
                }
            }
        }
        starts = counts
        self.items = items
    }

    /// Calls `body` with the segments of the cells around `p`, ring by ring outwards; after each ring, asks `stop` with
    /// how far from `p` every segment not yet given lies at least, and ends when it says so or when that is beyond
    /// `withinMetres`.
    func forEachCandidate(near p: LonLat, withinMetres limit: Double, _ body: (Int) -> Void, stop: (Double) -> Bool) {
        guard !items.isEmpty else { return }
        let cx = Int(((p.lon - minLon) / cell).rounded(.down)), cy = Int(((p.lat - minLat) / cell).rounded(.down))
        // How far p is inside its own cell, at least (negative outside the grid: no bound from it).
        let inside = Swift.max(0, Swift.min(p.lon - minLon - Double(cx) * cell, minLon + Double(cx + 1) * cell - p.lon,
                                            p.lat - minLat - Double(cy) * cell, minLat + Double(cy + 1) * cell - p.lat)) * cellMetres / cell
        // Rings needed to reach the grid from a point outside it.
        let outside = Swift.max(0, -cx, -cy, cx - (nx - 1), cy - (ny - 1))
        if Double(outside - 1) * cellMetres > limit { return }
        var k = 0
        while true {
            forEachCell(inRing: k, aroundX: cx, y: cy) { c in
                for i in Int(starts[c])..<Int(starts[c + 1]) { body(Int(items[i])) }
            }
            let reach = Double(Swift.max(0, k - outside)) * cellMetres + (outside == 0 ? inside : 0)
            if stop(reach) || reach > limit { return }
            // The whole grid searched.
            if cx - k <= 0 && cy - k <= 0 && cx + k >= nx - 1 && cy + k >= ny - 1 { return }
            k += 1
        }
    }

    /// The cells at Chebyshev distance `k` from (x, y) inside the grid.
    private func forEachCell(inRing k: Int, aroundX x: Int, y: Int, _ body: (Int) -> Void) {
        func visit(_ cx: Int, _ cy: Int) {
            guard cx >= 0, cy >= 0, cx < nx, cy < ny else { return }
            body(cy * nx + cx)
        }
        if k == 0 { visit(x, y); return }
        for cx in (x - k)...(x + k) {
            visit(cx, y - k)
            visit(cx, y + k)
        }
        for cy in (y - k + 1)..<(y + k) {
            visit(x - k, cy)
            visit(x + k, cy)
        }
    }
}

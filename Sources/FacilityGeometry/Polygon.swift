#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A polygon in lon/lat degrees: one exterior ring and zero or more holes.
///
/// Rings are closed (first position == last) as in GeoJSON and WKB; nothing here
/// closes or reorders them. Edges are straight lines in lon/lat (planar), as in
/// shapely and SpatiaLite, except `distanceMetres(to:)` which measures along great circles.
/// Ring orientation is not required; see `rfc7946Oriented()`.
public struct Polygon: Hashable, Sendable {
    /// The outer boundary, closed.
    public var exterior: [LonLat]
    /// Inner boundaries (holes), each closed.
    public var holes: [[LonLat]]

    public init(exterior: [LonLat], holes: [[LonLat]] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    /// The exterior followed by the holes.
    public var rings: [[LonLat]] { [exterior] + holes }

    /// The box around the exterior ring in degrees (`.empty` when it has no finite position).
    public var boundingBox: BoundingBox { BoundingBox(points: exterior) }

    /// True when `p` lies strictly inside: inside the exterior and not inside or on any hole.
    ///
    /// Even-odd ray casting with exact orientation tests. A point exactly on the boundary
    /// (an edge or vertex of the exterior or of a hole) is NOT contained — shapely's
    /// `contains` gives the same answer. Non-finite `p` gives false. Unclosed rings are
    /// treated as if closed.
    public func contains(_ p: LonLat) -> Bool {
        guard p.isFinite, boundingBox.contains(p) else { return false }
        var inside = false
        for r in 0...holes.count {
            let ring = r == 0 ? exterior : holes[r - 1]
            switch ringCrossingParity(ring, p) {
            case .onBoundary: return false
            case .odd: inside.toggle()
            case .even: break
            }
        }
        return inside
    }

    /// True when `p` lies exactly on an edge or vertex of any ring (exact test, degrees).
    public func boundaryContains(_ p: LonLat) -> Bool {
        guard p.isFinite else { return false }
        for ring in rings where ringCrossingParity(ring, p) == .onBoundary { return true }
        return false
    }

    /// Planar area in square degrees: |exterior| − Σ|holes|, whatever the winding.
    /// Useful to compare sizes; for real areas use `areaSquareMetres`.
    public var areaSquareDegrees: Double {
        holes.reduce(abs(signedAreaSquareDegrees(exterior))) { $0 - abs(signedAreaSquareDegrees($1)) }
    }

    /// Area on the sphere of radius `earthRadiusMetres`, in square metres: |exterior| − Σ|holes|.
    ///
    /// Uses the spherical ring-area formula of Chamberlain & Duquette (as turf's `area`);
    /// within ~0.5 % of the ellipsoidal area for city-sized polygons in China.
    public var areaSquareMetres: Double {
        holes.reduce(abs(sphericalRingArea(exterior))) { $0 - abs(sphericalRingArea($1)) }
    }

    /// A point guaranteed to be strictly inside (`contains` is true), like shapely's
    /// `representative_point`; nil when there is none (empty or zero-area polygon).
    ///
    /// Casts a horizontal scanline at a latitude near the middle of the bounding box that
    /// passes through no vertex, and returns the midpoint of its widest interior segment.
    /// If that point fails `contains` (degenerate input) other scanlines are tried. Degrees.
    public func representativePoint() -> LonLat? {
        let box = boundingBox
        guard !box.isEmpty else { return nil }
        var lats: [Double] = []
        for ring in rings { for p in ring where p.isFinite { lats.append(p.lat) } }
        lats.sort()
        var unique: [Double] = []
        for y in lats where unique.last != y { unique.append(y) }
        guard unique.count >= 2 else { return nil }

        // Scanline latitudes: first the gap around the middle (as GEOS does), then the widest gaps.
        let mid = (box.minLat + box.maxLat) / 2
        var gaps: [(lo: Double, hi: Double)] = []
        for i in 0..<(unique.count - 1) { gaps.append((unique[i], unique[i + 1])) }
        let middleGap = gaps.firstIndex { $0.lo <= mid && mid < $0.hi } ?? 0
        var order = [middleGap]
        let others = gaps.indices.filter { $0 != middleGap }
            .sorted { gaps[$0].hi - gaps[$0].lo > gaps[$1].hi - gaps[$1].lo }
        order.append(contentsOf: others.prefix(15))

        for g in order {
            let y = (gaps[g].lo + gaps[g].hi) / 2
            var xs: [Double] = []
            for ring in rings where ring.count >= 2 {
                for i in 0..<ring.count {
                    let a = ring[i], b = ring[(i + 1) % ring.count]
                    guard a.isFinite, b.isFinite, (a.lat > y) != (b.lat > y) else { continue }
                    xs.append(a.lon + (y - a.lat) * (b.lon - a.lon) / (b.lat - a.lat))
                }
            }
            xs.sort()
            var segments: [(Double, Double)] = []
            var i = 0
            while i + 1 < xs.count {
                segments.append((xs[i], xs[i + 1]))
                i += 2
            }
            segments.sort { $0.1 - $0.0 > $1.1 - $1.0 }
            for (x0, x1) in segments where x1 > x0 {
                let candidate = LonLat((x0 + x1) / 2, y)
                if contains(candidate) { return candidate }
            }
        }
        return nil
    }

    /// A copy with the exterior counter-clockwise and holes clockwise (RFC 7946 §3.1.6).
    /// Rings with zero area are left as they are.
    public func rfc7946Oriented() -> Polygon {
        func oriented(_ ring: [LonLat], ccw: Bool) -> [LonLat] {
            let area = signedAreaSquareDegrees(ring)
            if area == 0 || (area > 0) == ccw { return ring }
            return ring.reversed()
        }
        return Polygon(exterior: oriented(exterior, ccw: true),
                       holes: holes.map { oriented($0, ccw: false) })
    }
}

/// Several polygons treated as one area (e.g. a district with an exclave).
public struct MultiPolygon: Hashable, Sendable {
    public var polygons: [Polygon]

    public init(_ polygons: [Polygon]) { self.polygons = polygons }

    /// The union of the polygons' boxes, in degrees (`.empty` when there are none).
    public var boundingBox: BoundingBox {
        polygons.reduce(BoundingBox.empty) { $0.union($1.boundingBox) }
    }

    /// True when `p` is strictly inside one of the polygons; on a boundary is NOT contained
    /// (see `Polygon.contains`).
    public func contains(_ p: LonLat) -> Bool {
        polygons.contains { $0.contains(p) }
    }

    /// Sum of the polygons' planar areas in square degrees.
    public var areaSquareDegrees: Double { polygons.reduce(0) { $0 + $1.areaSquareDegrees } }

    /// Sum of the polygons' spherical areas in square metres (see `Polygon.areaSquareMetres`).
    public var areaSquareMetres: Double { polygons.reduce(0) { $0 + $1.areaSquareMetres } }

    /// A point strictly inside the largest polygon (by area in square degrees); falls back to
    /// the next largest when one is degenerate. Nil when no polygon has an interior.
    public func representativePoint() -> LonLat? {
        for polygon in polygons.sorted(by: { $0.areaSquareDegrees > $1.areaSquareDegrees }) {
            if let p = polygon.representativePoint() { return p }
        }
        return nil
    }

    /// Every polygon with RFC 7946 winding (see `Polygon.rfc7946Oriented()`).
    public func rfc7946Oriented() -> MultiPolygon { MultiPolygon(polygons.map { $0.rfc7946Oriented() }) }
}

// MARK: - Ring helpers

/// Shoelace area of a ring in square degrees, positive when counter-clockwise
/// (lon to the east, lat to the north). The ring may be closed or not; fewer than
/// 3 positions gives 0.
public func signedAreaSquareDegrees(_ ring: [LonLat]) -> Double {
    guard ring.count >= 3 else { return 0 }
    let origin = ring[0]
    var sum = 0.0
    for i in 0..<ring.count {
        let a = ring[i], b = ring[(i + 1) % ring.count]
        sum += (a.lon - origin.lon) * (b.lat - origin.lat) - (b.lon - origin.lon) * (a.lat - origin.lat)
    }
    return sum / 2
}

/// True when the ring winds counter-clockwise (positive signed area); false for clockwise
/// and for zero-area rings.
public func isCounterClockwise(_ ring: [LonLat]) -> Bool {
    signedAreaSquareDegrees(ring) > 0
}

/// Signed spherical ring area in square metres (Chamberlain & Duquette 2007).
func sphericalRingArea(_ ring: [LonLat]) -> Double {
    let n = ring.count
    guard n >= 3 else { return 0 }
    let rad = Double.pi / 180
    var total = 0.0
    for i in 0..<n {
        let lower = ring[i], middle = ring[(i + 1) % n], upper = ring[(i + 2) % n]
        total += (upper.lon - lower.lon) * rad * sin(middle.lat * rad)
    }
    return total * earthRadiusMetres * earthRadiusMetres / 2
}

enum RingParity { case even, odd, onBoundary }

/// Crossing parity of a rightward ray from `p` against one ring, or `.onBoundary`.
func ringCrossingParity(_ ring: [LonLat], _ p: LonLat) -> RingParity {
    let n = ring.count
    guard n >= 1 else { return .even }
    var odd = false
    for i in 0..<n {
        let a = ring[i], b = ring[(i + 1) % n]
        let aAbove = a.lat > p.lat, bAbove = b.lat > p.lat
        let inEdgeBox = p.lat >= Swift.min(a.lat, b.lat) && p.lat <= Swift.max(a.lat, b.lat)
            && p.lon >= Swift.min(a.lon, b.lon) && p.lon <= Swift.max(a.lon, b.lon)
        if aAbove == bAbove && !inEdgeBox { continue }
        let o = orientation(a, b, p)
        if inEdgeBox && o == 0 { return .onBoundary }
        if aAbove != bAbove {
            // The edge spans p.lat (half-open); the crossing is east of p when p is left of an
            // upward edge or right of a downward one.
            if (bAbove && o > 0) || (!bAbove && o < 0) { odd.toggle() }
        }
    }
    return odd ? .odd : .even
}

// MARK: - Exact orientation

/// Sign of the turn a → b → c: +1 when c is left of a→b (counter-clockwise), −1 right, 0 collinear.
///
/// Exact for all finite inputs whose products neither overflow nor underflow (any lon/lat):
/// a floating-point filter (Shewchuk's bound) decides almost every case, and the rest are
/// summed exactly with error-free transformations.
func orientation(_ a: LonLat, _ b: LonLat, _ c: LonLat) -> Int {
    let detLeft = (b.lon - a.lon) * (c.lat - a.lat)
    let detRight = (b.lat - a.lat) * (c.lon - a.lon)
    let det = detLeft - detRight
    let bound = 3.3306690738754716e-16 * (abs(detLeft) + abs(detRight))
    if det > bound { return 1 }
    if -det > bound { return -1 }
    return exactOrientation(a, b, c)
}

/// Exact sign of (bx−ax)(cy−ay) − (by−ay)(cx−ax), expanded into six products of inputs.
private func exactOrientation(_ a: LonLat, _ b: LonLat, _ c: LonLat) -> Int {
    let products: [(Double, Double)] = [
        (b.lon, c.lat), (-b.lon, a.lat), (-a.lon, c.lat),
        (-b.lat, c.lon), (b.lat, a.lon), (a.lat, c.lon),
    ]
    var expansion: [Double] = []
    expansion.reserveCapacity(12)
    for (x, y) in products {
        let hi = x * y
        let lo = (-hi).addingProduct(x, y)  // exact error of x * y (fused multiply-add)
        growExpansion(&expansion, hi)
        growExpansion(&expansion, lo)
    }
    guard let top = expansion.last else { return 0 }
    return top > 0 ? 1 : (top < 0 ? -1 : 0)
}

/// Adds `b` to a non-overlapping expansion (increasing magnitude), dropping zeros (Shewchuk).
private func growExpansion(_ e: inout [Double], _ b: Double) {
    var q = b
    var h: [Double] = []
    h.reserveCapacity(e.count + 1)
    for component in e {
        let sum = q + component
        let bVirtual = sum - q
        let aVirtual = sum - bVirtual
        let err = (q - aVirtual) + (component - bVirtual)
        if err != 0 { h.append(err) }
        q = sum
    }
    if q != 0 { h.append(q) }
    e = h
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Radius of the sphere used for every distance here, in metres (the IUGG mean radius, as in turf).
/// One degree of a great circle is ≈ 111,195.08 m.
public let earthRadiusMetres = 6_371_008.8

private let radiansPerDegree = Double.pi / 180

/// Great-circle distance between two positions in metres (haversine on the sphere of radius
/// `earthRadiusMetres`). Accurate for all distances including antipodes; NaN if an input is not finite.
/// Differs from the WGS-84 ellipsoid by up to ~0.5 %.
public func haversineMetres(_ a: LonLat, _ b: LonLat) -> Double {
    guard a.isFinite, b.isFinite else { return .nan }
    let phi1 = a.lat * radiansPerDegree, phi2 = b.lat * radiansPerDegree
    let sinDLat = sin((phi2 - phi1) / 2)
    let sinDLon = sin((b.lon - a.lon) * radiansPerDegree / 2)
    let h = sinDLat * sinDLat + cos(phi1) * cos(phi2) * sinDLon * sinDLon
    let hClamped = Swift.min(1, Swift.max(0, h))
    return 2 * earthRadiusMetres * atan2(hClamped.squareRoot(), (1 - hClamped).squareRoot())
}

/// Distance in metres from `p` to the great-circle arc from `a` to `b` (the shorter arc).
///
/// The cross-track distance when the perpendicular foot falls on the arc; otherwise the distance
/// to the nearer endpoint. Exact on the sphere up to rounding (far better than 0.1 % at any
/// length). `a == b` gives the distance to that point; for antipodal `a`, `b` (arc undefined) the
/// nearer endpoint is used. NaN if an input is not finite.
public func distanceMetres(from p: LonLat, toSegment a: LonLat, _ b: LonLat) -> Double {
    guard p.isFinite, a.isFinite, b.isFinite else { return .nan }
    let va = Vector3(a), vb = Vector3(b), vp = Vector3(p)
    let normal = va.cross(vb)
    let normalLength = normal.length
    let endpoints = { Swift.min(haversineMetres(p, a), haversineMetres(p, b)) }
    guard normalLength > 1e-15 else { return endpoints() }
    let n = normal.scaled(1 / normalLength)
    let s = vp.dot(n)                       // sine of the cross-track angle
    let foot = vp.minus(n.scaled(s))        // projection of p onto the arc's plane
    let footLength = foot.length
    guard footLength > 1e-15 else { return earthRadiusMetres * .pi / 2 }  // p is a pole of the circle
    if va.cross(foot).dot(n) >= 0 && foot.cross(vb).dot(n) >= 0 {
        return earthRadiusMetres * atan2(abs(s), footLength)
    }
    return endpoints()
}

extension BoundingBox {
    /// A lower bound, in metres, of the great-circle distance from `p` to any point in the box;
    /// 0 when `p` is inside. Cheap enough for pruning. `.infinity` for an empty box, NaN for a
    /// non-finite `p`.
    public func distanceLowerBoundMetres(to p: LonLat) -> Double {
        guard p.isFinite else { return .nan }
        guard !isEmpty else { return .infinity }
        return lowerBoundMetres(to: p, arcMarginDegrees: 0)
    }

    /// A lower bound of the distance from `p` to any great-circle arc whose vertices lie in the
    /// box (arcs may bulge poleward out of the box); 0 when the box spans over 60° of longitude.
    func arcLowerBoundMetres(to p: LonLat) -> Double {
        let spanDegrees = maxLon - minLon
        guard spanDegrees <= 60 else { return 0 }
        let span = spanDegrees * radiansPerDegree
        return lowerBoundMetres(to: p, arcMarginDegrees: span * span * arcBulgeFactor(self) / radiansPerDegree)
    }

    /// As `distanceLowerBoundMetres`, lowered by `arcMarginDegrees` of latitude to allow for
    /// great-circle arcs that bulge poleward beyond the box of their vertices.
    func lowerBoundMetres(to p: LonLat, arcMarginDegrees: Double) -> Double {
        if maxLon - minLon > 180 { return 0 }   // would wrap: no safe bound
        let latGap = Swift.max(0, minLat - p.lat, p.lat - maxLat) - arcMarginDegrees
        let latBound = Swift.max(0, latGap) * metresPerDegree
        guard p.lon < minLon || p.lon > maxLon else { return latBound }
        let dLon = Swift.min(wrappedLonDifference(p.lon, minLon), wrappedLonDifference(p.lon, maxLon))
        let lonBound: Double
        if dLon >= 90 {
            lonBound = earthRadiusMetres * (Double.pi / 2 - abs(p.lat) * radiansPerDegree)
        } else {
            let x = Swift.min(1, cos(p.lat * radiansPerDegree) * sin(dLon * radiansPerDegree))
            lonBound = earthRadiusMetres * asin(x)
        }
        return Swift.max(latBound, lonBound)
    }
}

extension Polygon {
    /// Distance in metres from `p` to the polygon: 0 when `p` is inside or on the boundary,
    /// otherwise the great-circle distance to the nearest boundary edge (exterior or hole).
    ///
    /// Edges are measured as great-circle arcs (see `distanceMetres(from:toSegment:_:)`) while
    /// `contains` treats them as straight in lon/lat; for edges under a few km the two differ by
    /// millimetres. Rings and edges are pruned with bounding-box lower bounds. NaN for a
    /// non-finite `p`; `.infinity` for a polygon without positions.
    public func distanceMetres(to p: LonLat) -> Double {
        guard p.isFinite else { return .nan }
        if contains(p) { return 0 }
        return boundaryDistanceMetres(to: p, below: .infinity)
    }

    /// Distance in metres from `p` to the nearest edge of any ring, whether `p` is inside or
    /// outside (shapely's `polygon.boundary.distance(p)`, on the sphere). NaN for a non-finite `p`;
    /// `.infinity` for a polygon without positions.
    public func boundaryDistanceMetres(to p: LonLat) -> Double {
        guard p.isFinite else { return .nan }
        return boundaryDistanceMetres(to: p, below: .infinity)
    }

    /// Nearest boundary distance, or `best` when nothing is closer than `best`.
    func boundaryDistanceMetres(to p: LonLat, below best: Double) -> Double {
        var best = best
        let cosLat = cos(p.lat * radiansPerDegree)
        // Seed with the nearest vertex (by a cheap planar metric): its distance is an upper bound
        // that lets the edge bounds below skip most edges.
        var nearest: LonLat? = nil
        var nearestScore = Double.infinity
        for r in 0...holes.count {
            let ring = r == 0 ? exterior : holes[r - 1]
            for v in ring {
                let dLat = v.lat - p.lat, dLon = (v.lon - p.lon) * cosLat
                let score = dLat * dLat + dLon * dLon
                if score < nearestScore { nearestScore = score; nearest = v }
            }
        }
        if let nearest { best = Swift.min(best, haversineMetres(p, nearest)) }
        for r in 0...holes.count {
            let ring = r == 0 ? exterior : holes[r - 1]
            let box = BoundingBox(points: ring)
            guard !box.isEmpty else { continue }
            let factor = arcBulgeFactor(box)
            if box.arcLowerBoundMetres(to: p) >= best { continue }
            if ring.count == 1 {
                best = Swift.min(best, haversineMetres(p, ring[0]))
                continue
            }
            let closed = ring.first == ring.last
            let edgeCount = closed ? ring.count - 1 : ring.count
            for i in 0..<edgeCount {
                let a = ring[i], b = ring[(i + 1) % ring.count]
                if edgeLowerBoundMetres(p, a, b, cosLat: cosLat, factor: factor) >= best { continue }
                let d = FacilityGeometry.distanceMetres(from: p, toSegment: a, b)
                if d < best { best = d }
            }
        }
        return best
    }
}

extension MultiPolygon {
    /// Distance in metres from `p` to the nearest polygon: 0 when inside or on a boundary,
    /// else the great-circle distance to the nearest boundary edge (see `Polygon.distanceMetres`).
    /// Polygons whose box is farther than the best distance so far are skipped.
    /// NaN for a non-finite `p`; `.infinity` when there are no positions.
    public func distanceMetres(to p: LonLat) -> Double {
        guard p.isFinite else { return .nan }
        if contains(p) { return 0 }
        return boundaryDistanceMetres(to: p)
    }

    /// Distance in metres from `p` to the nearest ring edge of any polygon, inside or outside.
    /// NaN for a non-finite `p`; `.infinity` when there are no positions.
    public func boundaryDistanceMetres(to p: LonLat) -> Double {
        guard p.isFinite else { return .nan }
        let ranked = polygons.map { polygon -> (Double, Polygon) in
            let box = polygon.boundingBox
            return (box.isEmpty ? Double.infinity : box.arcLowerBoundMetres(to: p), polygon)
        }.sorted { $0.0 < $1.0 }
        var best = Double.infinity
        for (bound, polygon) in ranked where bound < best {
            best = polygon.boundaryDistanceMetres(to: p, below: best)
        }
        return best
    }
}

extension Geometry {
    /// Distance in metres from `p`: haversine for a point; for (multi)polygons 0 inside or on the
    /// boundary, else the distance to the nearest boundary edge. NaN for a non-finite `p`.
    public func distanceMetres(to p: LonLat) -> Double {
        switch self {
        case .point(let q): return haversineMetres(q, p)
        case .polygon(let polygon): return polygon.distanceMetres(to: p)
        case .multiPolygon(let multi): return multi.distanceMetres(to: p)
        }
    }
}

// MARK: - Internals

/// Angular longitude difference folded into 0...180 degrees.
private func wrappedLonDifference(_ x: Double, _ y: Double) -> Double {
    let d = abs(x - y).truncatingRemainder(dividingBy: 360)
    return d > 180 ? 360 - d : d
}

/// k such that a great-circle arc spanning Δλ radians of longitude, with vertices in `box`,
/// strays at most Δλ²·k radians of latitude beyond the box (checked numerically to be ≥ 4×
/// the true bulge for |lat| ≤ 88.5°, Δλ ≤ 60°).
private func arcBulgeFactor(_ box: BoundingBox) -> Double {
    let worstLat = Swift.min(89, Swift.max(abs(box.minLat), abs(box.maxLat)))
    return 0.125 + 0.25 * tan(worstLat * radiansPerDegree)
}

/// Cheap lower bound (metres) of the distance from `p` to the arc a–b; 0 when unsure.
@inline(__always)
private func edgeLowerBoundMetres(_ p: LonLat, _ a: LonLat, _ b: LonLat, cosLat: Double, factor: Double) -> Double {
    let spanDegrees = abs(b.lon - a.lon)
    if spanDegrees > 60 { return 0 }
    let loLat = Swift.min(a.lat, b.lat), hiLat = Swift.max(a.lat, b.lat)
    let span = spanDegrees * radiansPerDegree
    let margin = span * span * factor / radiansPerDegree
    let latBound = Swift.max(0, loLat - p.lat, p.lat - hiLat) - margin
    var bound = Swift.max(0, latBound) * metresPerDegree
    let loLon = Swift.min(a.lon, b.lon), hiLon = Swift.max(a.lon, b.lon)
    if p.lon < loLon || p.lon > hiLon {
        let dLon = Swift.min(wrappedLonDifference(p.lon, loLon), wrappedLonDifference(p.lon, hiLon))
        if dLon < 90 {
            // asin(cosφ·sinΔ) ≥ cosφ·(2/π)·Δ for Δ ≤ π/2
            let lonBound = earthRadiusMetres * cosLat * (2 / Double.pi) * dLon * radiansPerDegree
            bound = Swift.max(bound, lonBound)
        }
    }
    return bound
}

/// A unit vector on the sphere (n-vector).
private struct Vector3 {
    var x, y, z: Double
    init(x: Double, y: Double, z: Double) { self.x = x; self.y = y; self.z = z }
    init(_ p: LonLat) {
        let phi = p.lat * radiansPerDegree, lambda = p.lon * radiansPerDegree
        let c = cos(phi)
        self.init(x: c * cos(lambda), y: c * sin(lambda), z: sin(phi))
    }
    func cross(_ o: Vector3) -> Vector3 {
        Vector3(x: y * o.z - z * o.y, y: z * o.x - x * o.z, z: x * o.y - y * o.x)
    }
    func dot(_ o: Vector3) -> Double { x * o.x + y * o.y + z * o.z }
    func scaled(_ k: Double) -> Vector3 { Vector3(x: x * k, y: y * k, z: z * k) }
    func minus(_ o: Vector3) -> Vector3 { Vector3(x: x - o.x, y: y - o.y, z: z - o.z) }
    var length: Double { dot(self).squareRoot() }
}

/// One stored geometry: a facility point or an administrative-unit (multi)polygon, in degrees.
public enum Geometry: Hashable, Sendable {
    case point(LonLat)
    case polygon(Polygon)
    case multiPolygon(MultiPolygon)

    /// The box around the geometry in degrees (`.empty` when it has no finite position).
    public var boundingBox: BoundingBox {
        switch self {
        case .point(let p): return BoundingBox(points: [p])
        case .polygon(let polygon): return polygon.boundingBox
        case .multiPolygon(let multi): return multi.boundingBox
        }
    }

    /// The geometry as a MultiPolygon (a Polygon becomes a one-polygon MultiPolygon); nil for a point.
    public var asMultiPolygon: MultiPolygon? {
        switch self {
        case .point: return nil
        case .polygon(let polygon): return MultiPolygon([polygon])
        case .multiPolygon(let multi): return multi
        }
    }

    /// The OGC / GeoJSON type name: "Point", "Polygon" or "MultiPolygon".
    public var typeName: String {
        switch self {
        case .point: return "Point"
        case .polygon: return "Polygon"
        case .multiPolygon: return "MultiPolygon"
        }
    }

    /// Whether `p` is contained, with shapely's semantics: strictly inside for (multi)polygons
    /// (a point on the boundary is NOT contained); for a point geometry, true only when equal.
    public func contains(_ p: LonLat) -> Bool {
        switch self {
        case .point(let q): return q == p && p.isFinite
        case .polygon(let polygon): return polygon.contains(p)
        case .multiPolygon(let multi): return multi.contains(p)
        }
    }

    /// A point guaranteed inside: the point itself, or the (multi)polygon's representative point.
    /// Nil for polygons without an interior.
    public func representativePoint() -> LonLat? {
        switch self {
        case .point(let p): return p
        case .polygon(let polygon): return polygon.representativePoint()
        case .multiPolygon(let multi): return multi.representativePoint()
        }
    }

    /// The same geometry with RFC 7946 winding (exteriors counter-clockwise, holes clockwise).
    public func rfc7946Oriented() -> Geometry {
        switch self {
        case .point: return self
        case .polygon(let polygon): return .polygon(polygon.rfc7946Oriented())
        case .multiPolygon(let multi): return .multiPolygon(multi.rfc7946Oriented())
        }
    }
}

/// A structural defect found by `Geometry.structuralProblems()`.
///
/// `path` says where, with 0-based indices: "point", "ring 2, position 3" (Polygon) or
/// "polygon 1, ring 0, position 3" (MultiPolygon). Ring 0 is the exterior, 1... the holes.
public enum GeometryProblem: Error, Equatable, CustomStringConvertible {
    /// A coordinate is NaN or infinite.
    case coordinateNotFinite(path: String)
    /// A coordinate is outside lon -180...180 / lat -90...90.
    case coordinateOutOfRange(path: String, LonLat)
    /// A ring's last position differs from its first.
    case ringNotClosed(path: String, first: LonLat, last: LonLat)
    /// A ring has fewer than 4 positions (a closed triangle needs 4).
    case ringTooShort(path: String, count: Int)
    /// The geometry has no positions at all.
    case empty

    public var description: String {
        switch self {
        case .coordinateNotFinite(let path):
            return "\(path): coordinate is not a finite number — replace it with a real longitude/latitude"
        case .coordinateOutOfRange(let path, let p):
            return "\(path): coordinate \(p) is outside lon -180…180 / lat -90…90"
                + " — check that it is [lon, lat] in degrees (not [lat, lon], not projected metres)"
        case .ringNotClosed(let path, let first, let last):
            return "\(path) is not closed (first \(first), last \(last))"
                + " — close the ring in the source (repeat the first position at the end)"
        case .ringTooShort(let path, let count):
            return "\(path) has \(count) position\(count == 1 ? "" : "s"), a ring needs at least 4"
                + " (3 corners plus the closing position) — fix or drop this ring in the source"
        case .empty:
            return "geometry is empty (no positions) — give it coordinates or drop the feature"
        }
    }
}

extension Geometry {
    /// Structural problems, in order of position: non-finite or out-of-range coordinates,
    /// unclosed rings, rings with fewer than 4 positions, and emptiness. An empty array means
    /// the geometry is structurally sound.
    ///
    /// It does NOT check self-intersection or ring nesting (SpatiaLite's GEOS does that in the
    /// store), nor winding, and it never closes a ring for the caller.
    public func structuralProblems() -> [GeometryProblem] {
        var problems: [GeometryProblem] = []
        switch self {
        case .point(let p):
            checkPosition(p, path: "point", into: &problems)
        case .polygon(let polygon):
            if polygon.exterior.isEmpty && polygon.holes.isEmpty { return [.empty] }
            checkPolygon(polygon, prefix: "", into: &problems)
        case .multiPolygon(let multi):
            if multi.polygons.isEmpty { return [.empty] }
            for (i, polygon) in multi.polygons.enumerated() {
                checkPolygon(polygon, prefix: "polygon \(i), ", into: &problems)
            }
        }
        return problems
    }

    /// True when `structuralProblems()` is empty (self-intersection is not checked).
    public var isValid: Bool { structuralProblems().isEmpty }
}

private func checkPosition(_ p: LonLat, path: String, into problems: inout [GeometryProblem]) {
    if !p.isFinite {
        problems.append(.coordinateNotFinite(path: path))
    } else if !p.isInRange {
        problems.append(.coordinateOutOfRange(path: path, p))
    }
}

private func checkPolygon(_ polygon: Polygon, prefix: String, into problems: inout [GeometryProblem]) {
    for (r, ring) in polygon.rings.enumerated() {
        let ringPath = "\(prefix)ring \(r)"
        for (i, p) in ring.enumerated() {
            checkPosition(p, path: "\(ringPath), position \(i)", into: &problems)
        }
        if ring.count < 4 {
            problems.append(.ringTooShort(path: ringPath, count: ring.count))
        }
        if let first = ring.first, let last = ring.last, ring.count >= 2, first != last,
           first.isFinite, last.isFinite {
            problems.append(.ringNotClosed(path: ringPath, first: first, last: last))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An axis-aligned box in degrees: `minLon...maxLon` × `minLat...maxLat`.
///
/// The box never wraps across the antimeridian (minLon ≤ maxLon for any
/// non-empty box). The empty box (`BoundingBox.empty`) has min = +∞ and
/// max = −∞, so it contains nothing, intersects nothing and is the identity
/// of `union`.
public struct BoundingBox: Hashable, Sendable, CustomStringConvertible {
    public var minLon: Double
    public var minLat: Double
    public var maxLon: Double
    public var maxLat: Double

    /// A box from its edges in degrees. Not validated: min > max gives a box that contains nothing.
    public init(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        self.minLon = minLon
        self.minLat = minLat
        self.maxLon = maxLon
        self.maxLat = maxLat
    }

    /// The box that contains nothing.
    public static let empty = BoundingBox(minLon: .infinity, minLat: .infinity,
                                          maxLon: -.infinity, maxLat: -.infinity)

    /// The smallest box holding every finite point; non-finite points are skipped.
    /// No finite points gives `.empty`.
    public init<S: Sequence>(points: S) where S.Element == LonLat {
        var box = BoundingBox.empty
        for p in points where p.isFinite {
            box.minLon = Swift.min(box.minLon, p.lon)
            box.minLat = Swift.min(box.minLat, p.lat)
            box.maxLon = Swift.max(box.maxLon, p.lon)
            box.maxLat = Swift.max(box.maxLat, p.lat)
        }
        self = box
    }

    /// True when the box holds no point (min > max on either axis, or NaN edges).
    public var isEmpty: Bool { !(minLon <= maxLon && minLat <= maxLat) }

    /// True when `p` is inside or on an edge (inclusive). NaN positions are never contained.
    public func contains(_ p: LonLat) -> Bool {
        p.lon >= minLon && p.lon <= maxLon && p.lat >= minLat && p.lat <= maxLat
    }

    /// True when the boxes share at least one point; touching edges count. False if either is empty.
    public func intersects(_ other: BoundingBox) -> Bool {
        !isEmpty && !other.isEmpty
            && minLon <= other.maxLon && other.minLon <= maxLon
            && minLat <= other.maxLat && other.minLat <= maxLat
    }

    /// The smallest box holding both boxes. An empty box adds nothing.
    public func union(_ other: BoundingBox) -> BoundingBox {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return BoundingBox(minLon: Swift.min(minLon, other.minLon), minLat: Swift.min(minLat, other.minLat),
                           maxLon: Swift.max(maxLon, other.maxLon), maxLat: Swift.max(maxLat, other.maxLat))
    }

    /// The box grown by at least `metres` on every side (approximate, never smaller than asked).
    ///
    /// Latitude grows by `metres / 111,195 m` per degree; longitude by the same divided by
    /// cos(latitude), taken at the box edge farthest from the equator after growing, so the
    /// result covers every point within `metres` of the box. Latitudes are clamped to -90...90;
    /// longitudes to -180...180 (no wrap across the antimeridian). When the grown box reaches
    /// within ~1° of a pole, longitude becomes the full -180...180. An empty box stays empty;
    /// negative `metres` is treated as 0.
    public func expanded(byMetres metres: Double) -> BoundingBox {
        if isEmpty { return self }
        let m = Swift.max(0, metres)
        let dLat = m / metresPerDegree
        let newMinLat = Swift.max(-90, minLat - dLat)
        let newMaxLat = Swift.min(90, maxLat + dLat)
        let worstLat = Swift.max(abs(newMinLat), abs(newMaxLat))
        let cosLat = cos(worstLat * .pi / 180)
        var newMinLon = -180.0
        var newMaxLon = 180.0
        if worstLat < 89 && cosLat > 0 {
            let dLon = dLat / cosLat
            newMinLon = Swift.max(-180, minLon - dLon)
            newMaxLon = Swift.min(180, maxLon + dLon)
        }
        return BoundingBox(minLon: newMinLon, minLat: newMinLat, maxLon: newMaxLon, maxLat: newMaxLat)
    }

    /// `[minLon, minLat, maxLon, maxLat]`, the GeoJSON `bbox` order.
    public var description: String { "[\(minLon), \(minLat), \(maxLon), \(maxLat)]" }
}

/// Metres in one degree of a great circle on the sphere of radius `earthRadiusMetres` (≈ 111,195.08 m).
let metresPerDegree = earthRadiusMetres * .pi / 180

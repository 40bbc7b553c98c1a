/// A position in degrees: longitude first, then latitude (GeoJSON and WKB order).
///
/// No datum is implied: the same type holds WGS-84, CGCS2000 or GCJ-02 values,
/// and the caller knows which. Values are not checked on creation; use
/// `isFinite` / `isInRange`, or `Geometry.structuralProblems()`.
public struct LonLat: Hashable, Sendable, CustomStringConvertible {
    /// Longitude in degrees, east positive.
    public var lon: Double
    /// Latitude in degrees, north positive.
    public var lat: Double

    /// Creates a position from longitude and latitude in degrees (in that order).
    public init(_ lon: Double, _ lat: Double) {
        self.lon = lon
        self.lat = lat
    }

    /// True when neither ordinate is NaN or infinite.
    public var isFinite: Bool { lon.isFinite && lat.isFinite }

    /// True when finite, lon is in -180...180 and lat in -90...90 (both inclusive).
    public var isInRange: Bool {
        isFinite && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
    }

    /// GeoJSON-like text, e.g. `[112.45, 34.62]`.
    public var description: String { "[\(lon), \(lat)]" }
}

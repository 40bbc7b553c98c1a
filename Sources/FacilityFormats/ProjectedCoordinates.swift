import CProj
import FacilityGeometry
import FacilityText

/// Coordinates of a projected system (a `.prj`'s WKT: CGCS2000 Gauss–Krüger zones, Web Mercator, …) turned into WGS-84
/// longitude and latitude by PROJ, as GDAL and QGIS turn them — no formulas of this project's own.
public final class ProjectedCoordinates {
    private let context: OpaquePointer
    private let transform: OpaquePointer
    /// The system's name, as its WKT gives it (`CGCS2000_3_Degree_GK_CM_114E`).
    public let name: String

    /// The transformation from the projected system `wkt` describes (WKT 1, ESRI's dialect included, or WKT 2); nil
    /// when PROJ cannot read it or it is not a projected system.
    public convenience init?(wkt: String) {
        self.init { context in proj_create_from_wkt(context, wkt, nil, nil, nil) }
    }

    /// The transformation from the projected system EPSG numbers `code` (4547: CGCS2000 / 3-degree Gauss–Kruger CM
    /// 114E; 3857: Web Mercator), as PROJ's database knows it; nil when it does not, or it is not a projected system.
    public convenience init?(epsg code: Int) {
        self.init { context in proj_create(context, "EPSG:\(code)") }
    }

    private init?(_ create: (OpaquePointer) -> OpaquePointer?) {
        guard let context = proj_context_create() else { return nil }
        proj_log_level(context, PJ_LOG_NONE)
        guard let source = create(context) else {
            proj_context_destroy(context)
            return nil
        }
        defer { proj_destroy(source) }
        guard proj_get_type(source) == PJ_TYPE_PROJECTED_CRS,
              let target = proj_create(context, "EPSG:4326") else {
            proj_context_destroy(context)
            return nil
        }
        defer { proj_destroy(target) }
        guard let raw = proj_create_crs_to_crs_from_pj(context, source, target, nil, nil) else {
            proj_context_destroy(context)
            return nil
        }
        // Longitude first, as every coordinate here is written.
        guard let normalized = proj_normalize_for_visualization(context, raw) else {
            proj_destroy(raw)
            proj_context_destroy(context)
            return nil
        }
        proj_destroy(raw)
        self.context = context
        transform = normalized
        name = proj_get_name(source).map { String(cString: $0) } ?? "a projected system"
    }

    deinit {
        proj_destroy(transform)
        proj_context_destroy(context)
    }

    /// The WGS-84 longitude and latitude of the projected point (`x` easting, `y` northing); NaN where PROJ cannot.
    public func toWGS84(x: Double, y: Double) -> LonLat {
        let out = proj_trans(transform, PJ_FWD, proj_coord(x, y, 0, 0))
        return LonLat(out.v.0, out.v.1)
    }
}

/// A projected system named for a file that has no place for one.
public struct ProjectionError: PhrasedError, Equatable {
    public let path: String
    public let code: Int

    public var phrase: Phrase { Phrase("error.projection", path, String(code)) }
}

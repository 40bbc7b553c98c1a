import FacilityGeometry
import FacilityText
import Foundation

/// One line of a roads file as its source gives it: an OpenStreetMap way with a `highway` tag, or a line of a
/// GeoJSON or Shapefile layer with a `highway` (or `fclass`) attribute. Tags as written; `RoadImporter` reads them.
public struct RoadLine: Sendable, Equatable {
    /// The OSM way id (`osm_id`, or the feature's integer id, in a layer), else the feature's place in the file from 1.
    public var id: Int64
    public var highway: String
    public var name: String?
    public var oneway: String?
    public var junction: String?
    public var foot: String?
    public var access: String?
    /// At least two positions, in order, as the file gives them (OSM: WGS-84).
    public var points: [LonLat]

    public init(id: Int64, highway: String, name: String? = nil, oneway: String? = nil, junction: String? = nil,
                foot: String? = nil, access: String? = nil, points: [LonLat]) {
        self.id = id
        self.highway = highway
        self.name = name
        self.oneway = oneway
        self.junction = junction
        self.foot = foot
        self.access = access
        self.points = points
    }

    /// `highway` values that OSM uses for what is no road (planned, disused, a stop or a platform): not imported.
    public static let notRoads: Set<String> = ["proposed", "construction", "abandoned", "planned", "razed", "platform",
                                               "bus_stop", "rest_area", "services", "raceway", "no", "disused"]
}

/// Where a roads import's lines come from, whatever the file's format.
public protocol RoadSource: AnyObject {
    /// The file, for messages and the import log.
    var path: String { get }
    /// Hands each road line, or why a feature is not one, to `body`.
    func forEachRoad(_ body: (Result<RoadLine, FeatureError>) throws -> Void) throws
}

/// Why a roads file cannot be read as a whole.
public enum RoadFileError: PhrasedError, Equatable {
    /// The file is missing or cannot be opened.
    case unreadable(path: String, reason: String)
    /// An OpenStreetMap file that libreadosm could not read to its end (`reason`: what it said).
    case damaged(path: String, reason: String)
    /// The file holds no road: no way with a `highway` tag (OSM), or no line feature that is a road.
    case noRoads(path: String)
    /// Not a format roads are read from.
    case unknownFormat(path: String)

    public var phrase: Phrase {
        switch self {
        case let .unreadable(path, reason): Phrase("error.roads.unreadable", path, reason)
        case let .damaged(path, reason): Phrase("error.roads.damaged", path, reason)
        case let .noRoads(path): Phrase("error.roads.none", path)
        case let .unknownFormat(path): Phrase("error.roads.format", path)
        }
    }

    public var description: String { phrase.text(in: .en).singleLine }
}

/// The formats roads are read from, by file.
public enum RoadSources {
    /// The roads of the file at `path`: OpenStreetMap (`.osm.pbf`, `.pbf`, `.osm`, through libreadosm), a Shapefile of
    /// lines (`.shp`, or a `.zip` holding one; `encoding` for its `.dbf`, `projection` over its `.prj`) or GeoJSON.
    public static func open(path: String, encoding: EncodingChoice = .auto,
                            projection: RecordSources.Projection? = nil) throws -> any RoadSource {
        let lower = path.lowercased()
        guard FileManager.default.isReadableFile(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw RoadFileError.unreadable(path: path, reason: reason)
        }
        if lower.hasSuffix(".pbf") || lower.hasSuffix(".osm") {
            if let projection { throw ProjectionError(path: path, code: projection.code) }
            return OSMRoadReader(path: path)
        }
        guard let features = try RecordSources.featureSource(path, encoding: encoding, projection: projection) else {
            throw RoadFileError.unknownFormat(path: path)
        }
        switch features {
        case let shapefile as ShapefileFeatureSource:
            return LineLayerRoads(path: path) { try shapefile.forEachLineFeature($0) }
        default:
            return LineLayerRoads(path: path) { try GeoJSONDocument.readLines(path: path, each: $0) }
        }
    }
}

/// The roads of a layer of lines (GeoJSON, Shapefile): each LineString, or each part of a MultiLineString, with the
/// feature's `highway` (or Geofabrik's `fclass`), `name`, `oneway`, `junction`, `foot`, `access` and `osm_id` (else
/// its integer `id`, else its place in the file from 1). Attribute names are matched without regard to case. Geofabrik's
/// `oneway` letters (`F` forward, `T` backward, `B` both) are read as OSM's `yes`, `-1`, `no`.
final class LineLayerRoads: RoadSource {
    let path: String
    private let read: ((Result<LineFeature, FeatureError>) throws -> Void) throws -> Void

    init(path: String, read: @escaping ((Result<LineFeature, FeatureError>) throws -> Void) throws -> Void) {
        self.path = path
        self.read = read
    }

    func forEachRoad(_ body: (Result<RoadLine, FeatureError>) throws -> Void) throws {
        try read { result in
            switch result {
            case let .failure(error): try body(.failure(error))
            case let .success(feature):
                do {
                    for line in try Self.roads(feature) { try body(.success(line)) }
                } catch let problem as FeatureError {
                    try body(.failure(problem))
                }
            }
        }
    }

    static func roads(_ feature: LineFeature) throws -> [RoadLine] {
        var properties: [String: JSONValue] = [:]
        for (key, value) in feature.properties { properties[key.lowercased()] = value }
        func text(_ key: String) -> String? {
            switch properties[key] {
            case let .string(s)?: let t = s.trimmingCharacters(in: .whitespaces); return t.isEmpty ? nil : t
            case let .number(n)?: return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case let .bool(b)?: return b ? "yes" : "no"
            default: return nil
            }
        }
        func fail(_ key: String, _ arguments: String...) -> FeatureError {
            FeatureError(index: feature.index, line: feature.line, reason: Phrase(key, arguments: arguments.map(Phrase.Argument.text)))
        }
        let geofabrik = text("highway") == nil && text("fclass") != nil
        guard let highway = (text("highway") ?? text("fclass"))?.lowercased() else { throw fail("road.no-highway") }
        guard !RoadLine.notRoads.contains(highway) else { throw fail("road.not-a-road", highway) }
        for (k, part) in feature.parts.enumerated() where part.count < 2 {
            throw feature.parts.count == 1 ? fail("road.short-line", String(part.count)) : fail("road.short-part", String(k), String(part.count))
        }
        guard !feature.parts.isEmpty else { throw fail("road.short-line", "0") }
        var id = Int64(feature.index + 1)
        if let osm = text("osm_id").flatMap({ Int64($0) }) {
            id = osm
        } else if case let .number(n)? = feature.id, n == n.rounded(), abs(n) < 9e15 {
            id = Int64(n)
        } else if case let .string(s)? = feature.id, let n = Int64(s) {
            id = n
        }
        var oneway = text("oneway")
        if geofabrik, let letter = oneway?.uppercased() {
            oneway = ["F": "yes", "T": "-1", "B": "no"][letter] ?? oneway
        }
        return feature.parts.map {
            RoadLine(id: id, highway: highway, name: text("name"), oneway: oneway, junction: text("junction"),
                     foot: text("foot"), access: text("access"), points: $0)
        }
    }
}

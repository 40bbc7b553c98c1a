import FacilityGeometry

/// One road of the registry's `roads` layer: an OpenStreetMap way (or a line of a GeoJSON or Shapefile layer) with its
/// OSM-style tags, as the network is built from it.
public struct Road: Hashable, Sendable {
    /// The OSM way id, or the line's place in its file (from 1) for other sources.
    public var id: Int64
    /// The OSM `highway` class, lower case (`residential`, `footway`, `motorway_link`, …).
    public var highway: String
    /// `name`, if any (UTF-8, as given).
    public var name: String?
    /// Which way vehicles may go along `points`.
    public var oneway: Oneway
    /// The `foot` tag, lower case (`no`, `yes`, `designated`, …), if any.
    public var foot: String?
    /// The `access` tag, lower case (`private`, `no`, `yes`, …), if any.
    public var access: String?
    /// The line, in order, WGS-84; at least two points.
    public var points: [LonLat]

    public init(id: Int64, highway: String, name: String? = nil, oneway: Oneway = .no, foot: String? = nil,
                access: String? = nil, points: [LonLat]) {
        self.id = id
        self.highway = highway
        self.name = name
        self.oneway = oneway
        self.foot = foot
        self.access = access
        self.points = points
    }

    /// Which way vehicles may go along a road's points.
    public enum Oneway: Int8, Hashable, Sendable {
        /// Both ways.
        case no = 0
        /// From the first point to the last only (`oneway=yes`; implied on motorways and roundabouts).
        case forward = 1
        /// From the last point to the first only (`oneway=-1`).
        case backward = -1

        /// The OSM `oneway` value as it reads (`yes`, `true`, `1`, `-1`, `reverse`, `no`, …), with the way's `highway`
        /// and `junction` for what OSM implies (motorways and roundabouts are one-way unless tagged `oneway=no`).
        public init(osm value: String?, highway: String, junction: String? = nil) {
            switch value?.lowercased() {
            case "yes", "true", "1": self = .forward
            case "-1", "reverse": self = .backward
            case "no", "false", "0": self = .no
            default:
                let implied = highway == "motorway" || junction == "roundabout" || junction == "circular"
                self = implied ? .forward : .no
            }
        }
    }
}

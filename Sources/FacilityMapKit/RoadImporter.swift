import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityRegistry
import FacilityText
import Foundation

/// Imports a roads file (`RoadSources`: OpenStreetMap, GeoJSON or Shapefile lines) into the registry's `roads` layer in
/// one transaction: by default the file's roads replace every stored road, with `append` they are added; the import is
/// recorded in the log (layer `roads`: rows read, new = roads stored, rejected). A file that yields no road, or that
/// cannot be read to its end, changes nothing.
public struct RoadImporter {
    /// The system of a GeoJSON or Shapefile layer's coordinates (GCJ-02 and BD-09 turned into WGS-84); OSM is WGS-84.
    public var coordinateSystem: CoordinateSystem = .wgs84
    /// A Shapefile's `.dbf` encoding.
    public var encoding: EncodingChoice = .auto
    /// A Shapefile's projected system when told (`--crs EPSG:NNNN`), over its `.prj`.
    public var projection: RecordSources.Projection?
    /// Keep the stored roads and add the file's (`--append`).
    public var append = false
    /// Where to write the rejected features (their number and the reason), as CSV.
    public var rejectsPath: String?
    public var rejectsEncoding: CSVOutputEncoding?
    /// The language of the rejects file's reason column.
    public var language: Language = .en
    /// Who imports, for the import log.
    public var author: String = ImportSummary.localAuthor
    /// The file's name in messages and the import log, when `path` is a copy (an upload).
    public var sourceName: String?
    /// Roads handed to the store at a time.
    static let batchSize = 2048

    public init(coordinateSystem: CoordinateSystem = .wgs84, append: Bool = false, rejectsPath: String? = nil) {
        self.coordinateSystem = coordinateSystem
        self.append = append
        self.rejectsPath = rejectsPath
    }

    /// Imports the roads of `path` into `store`. Throws (and writes nothing) when the file cannot be read, or holds no road.
    public func run(path: String, into store: any RegistryStore) throws -> RoadImportSummary {
        let source = try RoadSources.open(path: path, encoding: encoding, projection: projection)
        let name = sourceName ?? path
        let hashing = Background<String, any Error> { try SHA256.hex(ofFileAt: path) }
        var result = RoadImportSummary(summary: ImportSummary(file: name, sha256: ""))
        var classes: [String: Int] = [:]
        let convert = source is OSMRoadReader ? .wgs84 : coordinateSystem
        try store.update { writer in
            if !append { try writer.deleteRoads() }
            var batch: [Road] = []
            batch.reserveCapacity(Self.batchSize)
            try source.forEachRoad { line in
                result.summary.rows += 1
                switch line {
                case let .failure(error):
                    result.summary.rejections.append(Rejection(
                        file: name, line: error.line, field: "geometry",
                        reason: Phrase("feature.numbered", arguments: [.text(String(error.index)), .phrase(error.reason)]),
                        fields: [String(error.index)]))
                case let .success(line):
                    let road = Self.road(line, from: convert)
                    result.metres += lineLengthMetres(road.points)
                    classes[road.highway, default: 0] += 1
                    batch.append(road)
                    if batch.count >= Self.batchSize {
                        try writer.store(roads: batch)
                        result.summary.new += batch.count
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
            try writer.store(roads: batch)
            result.summary.new += batch.count
            guard result.summary.new > 0 else { throw RoadFileError.noRoads(path: name) }
            result.summary.sha256 = try hashing.value()
            result.summary.previousImport = try store.lastImport(sha256: result.summary.sha256, layer: "roads")
            result.summary.number = try writer.record(result.summary.record(layer: "roads", author: author))
        }
        result.waysCut = (source as? OSMRoadReader)?.waysCut ?? 0
        result.stored = try store.roadCount()
        result.classes = classes.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { (highway: $0.key, count: $0.value) }
        if let rejectsPath, !result.summary.rejections.isEmpty {
            try RejectsFile.write(result.summary.rejections, header: ["feature"], encoding: rejectsEncoding ?? .utf8BOM,
                                  to: rejectsPath, language: language)
        }
        return result
    }

    /// The road a source's line is: tags lower-cased (but the name), `oneway` read with what OSM implies, positions
    /// turned into WGS-84.
    static func road(_ line: RoadLine, from system: CoordinateSystem) -> Road {
        let highway = line.highway.lowercased()
        let junction = line.junction?.lowercased()
        return Road(id: line.id, highway: highway, name: line.name,
                    oneway: Road.Oneway(osm: line.oneway, highway: highway, junction: junction),
                    foot: line.foot?.lowercased(), access: line.access?.lowercased(),
                    points: system == .wgs84 ? line.points : line.points.map(system.toWGS84))
    }
}

/// What a roads import did: the import's counts (`summary`: rows read, new = roads stored, rejections), the roads'
/// length, their classes by count, and how many roads the registry holds afterwards.
public struct RoadImportSummary: Sendable {
    public var summary: ImportSummary
    /// The stored roads' total length in metres (on the sphere).
    public var metres = 0.0
    /// Each `highway` class with its number of roads, most first.
    public var classes: [(highway: String, count: Int)] = []
    /// Roads in the registry after the import.
    public var stored = 0
    /// OSM ways left out because their extract cut them to fewer than two nodes in a row (`OSMRoadReader.waysCut`).
    public var waysCut = 0

    public init(summary: ImportSummary) {
        self.summary = summary
    }

    /// `imported N roads (K km) from FILE, R rejected; the registry holds S roads`, then the classes (the first ten).
    public func lines(in language: Language) -> [String] {
        let km = String(format: "%.1f", metres / 1000)
        let count = summary.new
        let first = count == 1
            ? Message("roads.summary.one").text(km, summary.file, String(summary.rejected), String(stored), in: language)
            : Message("roads.summary").text(String(count), km, summary.file, String(summary.rejected), String(stored), in: language)
        var lines = [first]
        if !classes.isEmpty {
            var shown = classes.prefix(10).map { "\($0.highway) \($0.count)" }
            if classes.count > 10 { shown.append("…") }
            lines.append(Message("roads.classes").text(shown.joined(separator: Phrase.listSeparator(in: language)), in: language))
        }
        if waysCut > 0 { lines.append(Message("roads.cut").text(String(waysCut), in: language)) }
        if let previous = summary.previousImport {
            lines.append(Message("roads.repeat").text(summary.file, previous.importedAt, String(summary.sha256.prefix(12)), in: language))
        }
        return lines
    }
}

import FacilityGeometry
import FacilityText
import Foundation

/// Point features read as the rows of a table: a facilities layer in GeoJSON (a Shapefile of points, later) imports as
/// its CSV does. The columns are `lon` and `lat` (each point's coordinates, as in the file), `id` (the feature's `id`
/// member, when some feature has one and no property is named `id`), then every property any feature has, by name.
/// A property named `lon` or `lat` is left out (the point says where the facility is), and so are those named in
/// `leaving` (members a writer derives, such as the export's `kind_zh`).
///
/// The layer is read whole when the table is opened, for its header; each feature that is not a point, or that the
/// source skipped as malformed, is a row whose problem says why, so the import rejects it with its line.
public final class FeatureTable: RecordSource {
    public let path: String
    public let header: [String]
    public let headerLine = 1
    public let byteCount: Int
    public private(set) var bytesRead = 0
    /// UTF-8 with a byte order mark, as for every file that is not a GB18030 CSV.
    public var rejectsEncoding: CSVOutputEncoding { .utf8BOM }
    private var rows: [CSVRow]
    private var position = 0

    /// The features of `source` as rows.
    public init(_ source: any FeatureSource, leaving derived: Set<String> = [], limits: GeoJSONLimits = GeoJSONLimits()) throws {
        path = source.path
        byteCount = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int) ?? 0
        var features: [Result<Feature, FeatureError>] = []
        try source.forEachFeature(limits: limits) { features.append($0) }

        let left = derived.union(["lon", "lat"])
        var names = Set<String>()
        var anyID = false
        for case let .success(feature) in features {
            for name in feature.properties.keys where !left.contains(name) { names.insert(name) }
            if feature.id.map({ $0 != .null }) == true { anyID = true }
        }
        let idColumn = anyID && !names.contains("id")
        let properties = names.sorted()
        header = ["lon", "lat"] + (idColumn ? ["id"] : []) + properties
        let width = header.count

        rows = features.map { result in
            switch result {
            case let .failure(error):
                return CSVRow(line: error.line, fields: Array(repeating: "", count: width),
                              problems: [CSVFieldProblem(column: 0, line: error.line, reason: error.reason)])
            case let .success(feature):
                var fields: [String] = []
                fields.reserveCapacity(width)
                var problems: [CSVFieldProblem] = []
                if case let .point(point) = feature.geometry {
                    fields += [Self.text(point.lon), Self.text(point.lat)]
                } else {
                    fields += ["", ""]
                    problems.append(CSVFieldProblem(
                        column: 0, line: feature.line,
                        reason: Phrase("feature.not-point", feature.geometry.typeName)))
                }
                if idColumn { fields.append(feature.id.map(Self.text) ?? "") }
                for name in properties { fields.append(feature.properties[name].map(Self.text) ?? "") }
                return CSVRow(line: feature.line, fields: fields, problems: problems)
            }
        }
    }

    public func next() throws -> CSVRow? {
        guard position < rows.count else {
            bytesRead = byteCount
            return nil
        }
        defer { position += 1 }
        bytesRead = byteCount * (position + 1) / rows.count
        return rows[position]
    }

    /// A coordinate as Swift writes it: the shortest text that reads back as the same number.
    private static func text(_ value: Double) -> String { "\(value)" }

    /// A property's value as a cell: text as it is, numbers as `JSONValue.stringValue` writes them (whole numbers
    /// without a point), `true`/`false`, empty for null, arrays and objects as JSON.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case let .bool(flag): flag ? "true" : "false"
        case .string, .number: value.stringValue ?? ""
        case let .array(items): "[" + items.map(json).joined(separator: ",") + "]"
        case let .object(members): "{" + members.sorted { $0.key < $1.key }.map { JSONText.string($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
        }
    }

    private static func json(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case let .string(text): JSONText.string(text)
        default: text(value)
        }
    }
}

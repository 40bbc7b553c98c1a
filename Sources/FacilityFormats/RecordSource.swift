import FacilityText
import Foundation

/// Where an import's rows come from, whatever the file's format: its header, and its rows as text, each with the
/// line a person finds it at. The importers read any source through this; a new format (a workbook, a Shapefile's
/// table) is one more type here and a line in `RecordSources.open`, with no change to the importers or the stores.
public protocol RecordSource: AnyObject {
    /// The file, for messages (`FILE:LINE`) and the import log.
    var path: String { get }
    var header: [String] { get }
    /// The line (or row) the header is on.
    var headerLine: Int { get }
    /// The file's size in bytes, and how many have been read so far (progress, and how large an import is).
    var byteCount: Int { get }
    var bytesRead: Int { get }
    /// The encoding a rejects file of this source's rows takes unless told otherwise.
    var rejectsEncoding: CSVOutputEncoding { get }
    /// The next row, or nil at the end.
    func next() throws -> CSVRow?
    /// Where a person finds `field` (a header name) of the row on `line`, when the file has cells: a workbook names
    /// the cell as Excel does (`医疗机构!F57`); nil for a file of lines, whose messages say `FILE:LINE`.
    func cell(line: Int, field: String) -> String?
}

extension RecordSource {
    public func cell(line: Int, field: String) -> String? { nil }
}

/// A source whose rows can also be read as raw bytes (`CSVRawRecord`) and read again by position: the importers'
/// byte path, which parses plain rows without a `String` per field.
public protocol RawRecordSource: RecordSource {
    /// Reads the next record's bytes into `record`; false at the end.
    func nextRaw(into record: CSVRawRecord) throws -> Bool
    /// The text row of a record read raw.
    func row(of record: CSVRawRecord) throws -> CSVRow
    /// The text row at a position a raw record gave.
    func row(at position: CSVRecordPosition) throws -> CSVRow
}

extension CSVReader: RawRecordSource {
    /// GB18030 for a GB18030 file, else UTF-8 with a byte order mark (Excel opens both).
    public var rejectsEncoding: CSVOutputEncoding { CSVOutputEncoding(matching: encoding) }
}

/// What a file gives an import: the rows of a table, or features with their geometry.
public enum ImportSource {
    case table(any RecordSource)
    case features(any FeatureSource)

    /// The file, for messages and the import log.
    public var path: String {
        switch self {
        case let .table(source): return source.path
        case let .features(source): return source.path
        }
    }
}

/// The formats an import reads, by file: the one place that knows them.
public enum RecordSources {
    /// The table at `path`: CSV (UTF-8, with or without a byte order mark, or GB18030 as `encoding` says), or the points
    /// of a GeoJSON file (`FeatureTable`, leaving out the properties named in `derived`).
    public static func table(path: String, encoding: EncodingChoice, leaving derived: Set<String> = [],
                             workbook: WorkbookOptions = WorkbookOptions(), projection: Projection? = nil) throws -> any RecordSource {
        if let features = try featureSource(path, encoding: encoding, projection: projection) {
            return try FeatureTable(features, leaving: derived)
        }
        if let projection { throw ProjectionError(path: path, code: projection.code) }
        let lower = path.lowercased()
        if lower.hasSuffix(".xls") || lower.hasSuffix(".et") { return try XLSSheet(path: path, options: workbook) }
        if lower.hasSuffix(".xlsx") || lower.hasSuffix(".xlsm") { return try XLSXSheet(path: path, options: workbook) }
        if lower.hasSuffix(".ods") {
            throw WorkbookError.unreadable(path: path, reason: Phrase("error.workbook.ods"))
        }
        return try CSVReader(path: path, encoding: encoding)
    }

    /// What the file at `path` holds: features for GeoJSON (by the extension `.geojson` or `.json`, else by a first
    /// non-blank byte `{`), else a table (`table(path:encoding:)`).
    public static func open(path: String, encoding: EncodingChoice, workbook: WorkbookOptions = WorkbookOptions(),
                            projection: Projection? = nil) throws -> ImportSource {
        if let features = try featureSource(path, encoding: encoding, projection: projection) { return .features(features) }
        return .table(try table(path: path, encoding: encoding, workbook: workbook, projection: projection))
    }

    /// A projected system named for a file (`--crs EPSG:NNNN`): its EPSG number and PROJ's transformation.
    public struct Projection {
        public let code: Int
        public let coordinates: ProjectedCoordinates

        /// The projected system EPSG numbers `code`; nil when PROJ does not know it as one.
        public init?(epsg code: Int) {
            guard let coordinates = ProjectedCoordinates(epsg: code) else { return nil }
            self.code = code
            self.coordinates = coordinates
        }
    }

    /// The features of the file at `path`, when it holds features: a Shapefile (`.shp`, or a `.zip` holding one;
    /// `encoding` for its `.dbf`) or GeoJSON (always UTF-8).
    /// `projection`, when given, is the Shapefile's system (over its `.prj`); any other file with one is refused.
    public static func featureSource(_ path: String, encoding: EncodingChoice, projection: Projection? = nil) throws -> (any FeatureSource)? {
        let lower = path.lowercased()
        var shapefile: ShapefileFeatureSource?
        if lower.hasSuffix(".shp") { shapefile = ShapefileFeatureSource(path: path, encoding: encoding) }
        if lower.hasSuffix(".zip") { shapefile = try ShapefileFeatureSource(zip: path, into: NSTemporaryDirectory(), encoding: encoding) }
        if let shapefile {
            shapefile.projection = projection?.coordinates
            return shapefile
        }
        guard holdsFeatures(path) else { return nil }
        if let projection { throw ProjectionError(path: path, code: projection.code) }
        return GeoJSONFeatureSource(path: path)
    }

    /// Whether `open(path:encoding:)` reads `path` as features: GeoJSON, by its extension, else by its first non-blank
    /// byte.
    public static func holdsFeatures(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".geojson") || lower.hasSuffix(".json") { return true }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { return false }
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 64) else { return false }
        try? handle.close()
        return head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "{")
    }
}

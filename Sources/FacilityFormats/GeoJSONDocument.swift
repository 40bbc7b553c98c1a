#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FacilityGeometry
import FacilityText


/// Why a whole GeoJSON file was rejected.
public enum GeoJSONError: PhrasedError, Equatable {
    /// The file could not be opened or read (`reason` is the system's message).
    case unreadable(path: String, reason: String)
    /// The bytes are not valid JSON (1-based line and column of the first problem).
    case invalidJSON(path: String, line: Int, column: Int, message: String)
    /// Valid JSON, but not a FeatureCollection or a Feature; `found` says what it is.
    case notAFeatureCollection(path: String, found: String)
    /// A top-level `crs` member names a system other than WGS-84 / CGCS2000 / CRS84.
    case unsupportedCRS(path: String, name: String)
    /// A feature, or the file, has more positions (vertices) than `GeoJSONLimits` allow; the parse stopped at
    /// `line` (1-based), in the feature at `index` that starts on `featureLine`.
    case tooManyPositions(path: String, featureLine: Int, index: Int, limit: Int, inFile: Bool)

    public var description: String { phrase.text(in: .en).singleLine }

    public var phrase: Phrase {
        switch self {
        case .unreadable(let path, let reason):
            return Phrase("error.geojson.unreadable", arguments: [.text(path), .phrase(.reason(reason))])
        case .invalidJSON(let path, let line, let column, let message):
            return Phrase(message.contains(" — ") ? "error.geojson.invalid-json.hinted" : "error.geojson.invalid-json",
                          path, String(line), String(column), message)
        case .notAFeatureCollection(let path, let found):
            return Phrase("error.geojson.not-collection", path, found)
        case .tooManyPositions(let path, let featureLine, let index, let limit, let inFile):
            return inFile ? Phrase("error.geojson.too-many-positions.file", path, String(featureLine), String(limit))
                : Phrase("error.geojson.too-many-positions.feature", path, String(featureLine), String(index), String(limit))
        case .unsupportedCRS(let path, let name):
            return Phrase("error.geojson.unsupported-crs", path, name)
        }
    }
}

/// How many positions (vertices) a GeoJSON file may hold, counted while it is parsed so that memory stays
/// bounded whatever the file holds (a position costs about 120 bytes while its feature is parsed).
public struct GeoJSONLimits: Sendable, Equatable {
    public var positionsPerFeature: Int
    public var positionsPerFile: Int

    public init(positionsPerFeature: Int = 1_000_000, positionsPerFile: Int = 5_000_000) {
        self.positionsPerFeature = positionsPerFeature
        self.positionsPerFile = positionsPerFile
    }

    /// No limit.
    public static let unlimited = GeoJSONLimits(positionsPerFeature: .max, positionsPerFile: .max)
}

/// A GeoJSON file read into features, each either usable or rejected with a reason.
public struct GeoJSONDocument: Sendable {
    /// The path given to `read` (or the name given to `parse`).
    public let path: String
    /// The accepted `crs` name (e.g. "urn:ogc:def:crs:EPSG::4490"); nil when the file has none.
    public let crsName: String?
    /// One entry per element of `features`, in file order.
    public let features: [Result<Feature, FeatureError>]

    /// The features that were read successfully.
    public var validFeatures: [Feature] { features.compactMap { try? $0.get() } }
    /// The per-feature errors.
    public var featureErrors: [FeatureError] {
        features.compactMap { if case .failure(let e) = $0 { return e } else { return nil } }
    }

    /// Reads a GeoJSON FeatureCollection (or a single Feature) from a UTF-8 file.
    ///
    /// Geometry types: Point, Polygon, MultiPolygon, and a MultiPoint of one point (read as a
    /// Point). Any other type, a null or missing geometry, malformed positions (fewer than 2
    /// numbers, non-numbers) and every `Geometry.structuralProblems()` finding (unclosed or
    /// short rings, out-of-range or non-finite coordinates) make that feature a `.failure`;
    /// rings are never closed silently. A third ordinate (altitude) is dropped. A top-level
    /// `crs` naming EPSG:4326, EPSG:4490 or CRS84 is accepted and recorded; no datum
    /// conversion is done. Throws `GeoJSONError` for unreadable files, invalid JSON, other
    /// top-level objects and any other `crs`.
    /// More positions than `limits` allow stop the read with `GeoJSONError.tooManyPositions`.
    public static func read(path: String, limits: GeoJSONLimits = .unlimited) throws -> GeoJSONDocument {
        let bytes = try readFileBytes(path)
        return try parse(bytes, path: path, limits: limits)
    }

    /// As `read(path:limits:)`, handing each feature to `body` as soon as it is read instead of keeping them all
    /// (memory then holds one feature's parse at a time). A file that turns out not to be a FeatureCollection
    /// still throws, after the features before the problem were handed over. Returns the accepted `crs` name.
    @discardableResult
    public static func read(path: String, limits: GeoJSONLimits = .unlimited,
                            each body: (Result<Feature, FeatureError>) throws -> Void) throws -> String? {
        let bytes = try readFileBytes(path)
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(buffer, maxDepth: 256)
                return try parseDocument(&cursor, path: path, limits: limits, each: body)
            }
        } catch let e as JSONParseError {
            throw GeoJSONError.invalidJSON(path: path, line: e.line, column: e.column, message: e.message)
        }
    }

    /// As `read(path:)`, from bytes already in memory; `path` is used in messages only.
    public static func parse(_ bytes: [UInt8], path: String = "<memory>", limits: GeoJSONLimits = .unlimited) throws -> GeoJSONDocument {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(buffer, maxDepth: 256)
                var features: [Result<Feature, FeatureError>] = []
                let crsName = try parseDocument(&cursor, path: path, limits: limits) { features.append($0) }
                return GeoJSONDocument(path: path, crsName: crsName, features: features)
            }
        } catch let e as JSONParseError {
            throw GeoJSONError.invalidJSON(path: path, line: e.line, column: e.column, message: e.message)
        }
    }
}

// MARK: - Document level

private func parseDocument(_ cursor: inout JSONCursor, path: String, limits: GeoJSONLimits,
                           each emit: (Result<Feature, FeatureError>) throws -> Void) throws -> String? {
    try parseDocument(&cursor, path: path, limits: limits, making: makeFeature, each: emit)
}

/// The document's features made by `make` (from the feature's JSON, its index and line) and handed to `emit`.
private func parseDocument<F>(_ cursor: inout JSONCursor, path: String, limits: GeoJSONLimits,
                              making make: (JSONValue, Int, Int) -> Result<F, FeatureError>,
                              each emit: (Result<F, FeatureError>) throws -> Void) throws -> String? {
    try cursor.skipPreamble()
    guard cursor.peek == UInt8(ascii: "{") else {
        let value = try cursor.parseValue(depth: 0)   // report invalid JSON first
        try cursor.expectEnd()
        throw GeoJSONError.notAFeatureCollection(path: path, found: value.kindDescription)
    }
    let topLine = cursor.line
    var members: [String: JSONValue] = [:]
    var featuresKind: String? = nil   // nil: no "features" member; "array" when streamed
    try cursor.forEachMember(depth: 1) { key, cursor in
        guard key == "features" else {
            // A lone Feature's geometry is one feature's.
            cursor.positions = 0
            cursor.positionLimit = min(limits.positionsPerFeature, limits.positionsPerFile)
            defer { cursor.positionLimit = .max }
            do { members[key] = try cursor.parseValue(depth: 1) } catch is PositionLimitReached {
                let inFile = limits.positionsPerFile < limits.positionsPerFeature
                throw GeoJSONError.tooManyPositions(path: path, featureLine: topLine, index: 0,
                                                    limit: inFile ? limits.positionsPerFile : limits.positionsPerFeature, inFile: inFile)
            }
            return
        }
        cursor.skipWhitespace()
        guard cursor.peek == UInt8(ascii: "[") else {
            featuresKind = try cursor.parseValue(depth: 1).kindDescription
            return
        }
        if featuresKind == "array" {
            throw GeoJSONError.notAFeatureCollection(path: path, found: "an object with two \"features\" members")
        }
        featuresKind = "array"
        var positionsInFile = 0
        try cursor.forEachElement(depth: 2) { index, cursor in
            cursor.skipWhitespace()
            let line = cursor.line
            let left = limits.positionsPerFile == .max ? .max : limits.positionsPerFile - positionsInFile
            cursor.positions = 0
            cursor.positionLimit = min(limits.positionsPerFeature, left)
            let value: JSONValue
            do { value = try cursor.parseValue(depth: 2) } catch is PositionLimitReached {
                let inFile = left < limits.positionsPerFeature
                throw GeoJSONError.tooManyPositions(path: path, featureLine: line, index: index,
                                                    limit: inFile ? limits.positionsPerFile : limits.positionsPerFeature, inFile: inFile)
            }
            positionsInFile += cursor.positions
            try emit(make(value, index, line))
        }
        cursor.positionLimit = .max
    }
    try cursor.expectEnd()

    let type = members["type"]
    let crsName = try acceptedCRSName(members["crs"], path: path)
    switch type {
    case .string("FeatureCollection"):
        guard let kind = featuresKind else {
            throw GeoJSONError.notAFeatureCollection(path: path, found: "a FeatureCollection without a \"features\" array")
        }
        guard kind == "array" else {
            throw GeoJSONError.notAFeatureCollection(path: path, found: "a FeatureCollection whose \"features\" is \(kind), not an array")
        }
        return crsName
    case .string("Feature"):
        try emit(make(.object(members), 0, topLine))
        return crsName
    case .string(let other):
        let article = geometryTypeNames.contains(other) ? "a \(other) geometry" : "an object with \"type\": \"\(other)\""
        throw GeoJSONError.notAFeatureCollection(path: path, found: article)
    case .some(let value):
        throw GeoJSONError.notAFeatureCollection(path: path, found: "an object whose \"type\" is \(value.kindDescription)")
    case .none:
        throw GeoJSONError.notAFeatureCollection(path: path, found: "an object without a \"type\" member")
    }
}

private let geometryTypeNames: Set<String> = [
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
]

/// The `crs` name when it is WGS-84, CGCS2000 or CRS84; nil when there is no `crs`.
private func acceptedCRSName(_ crs: JSONValue?, path: String) throws -> String? {
    guard let crs, crs != .null else { return nil }
    guard let name = crs["properties"]?["name"]?.stringValue else {
        let kind = crs["type"]?.stringValue.map { "a \"\($0)\" crs without properties.name" } ?? "a crs member without properties.name"
        throw GeoJSONError.unsupportedCRS(path: path, name: kind)
    }
    let tokens = name.uppercased().split { !($0.isLetter || $0.isNumber || $0 == ".") }.map(String.init)
    if tokens.last == "CRS84" { return name }
    if tokens.contains("EPSG"), let code = tokens.last, code == "4326" || code == "4490" { return name }
    throw GeoJSONError.unsupportedCRS(path: path, name: name)
}

// MARK: - Feature level

private struct FeatureProblem: Error {
    let phrase: Phrase
    init(_ key: String, _ arguments: Phrase.Argument...) { phrase = Phrase(key, arguments: arguments) }
}

private func makeFeature(_ value: JSONValue, index: Int, line: Int) -> Result<Feature, FeatureError> {
    makeFeature(value, index: index, line: line, geometry: makeGeometry).map {
        Feature(index: index, line: line, id: $0.id, properties: $0.properties, geometry: $0.geometry)
    }
}

/// A feature's id, properties and geometry (made by `makeGeometry`), or why it is not a feature.
private func makeFeature<G>(_ value: JSONValue, index: Int, line: Int, geometry makeGeometry: (JSONValue) throws -> G)
    -> Result<(id: JSONValue?, properties: [String: JSONValue], geometry: G), FeatureError> {
    typealias Made = Result<(id: JSONValue?, properties: [String: JSONValue], geometry: G), FeatureError>
    func failure(_ reason: Phrase) -> Made {
        .failure(FeatureError(index: index, line: line, reason: reason))
    }
    func failure(_ key: String, _ arguments: Phrase.Argument...) -> Made {
        failure(Phrase(key, arguments: arguments))
    }
    guard case .object(let object) = value else {
        return failure("feature.not-object", .phrase(value.kindPhrase))
    }
    switch object["type"] {
    case .string("Feature"): break
    case .string(let other):
        return failure("feature.other-type", .text(other))
    default:
        return failure("feature.no-type")
    }
    let properties: [String: JSONValue]
    switch object["properties"] {
    case nil, .null?: properties = [:]
    case .object(let p)?: properties = p
    case let other?: return failure("feature.properties-kind", .phrase(other.kindPhrase))
    }
    var id = object["id"]
    if id == .null { id = nil }
    guard let geometryValue = object["geometry"] else {
        return failure("feature.no-geometry")
    }
    guard geometryValue != .null else {
        return failure("feature.null-geometry")
    }
    let geometry: G
    do {
        geometry = try makeGeometry(geometryValue)
    } catch let problem as FeatureProblem {
        return failure(problem.phrase)
    } catch {
        return failure((error as? PhrasedError)?.phrase ?? .verbatim("\(error)"))
    }
    if let geometry = geometry as? Geometry {
        let problems = geometry.structuralProblems()
        if !problems.isEmpty {
            return failure(GeometryProblem.phrase(of: problems))
        }
    }
    return .success((id, properties, geometry))
}

private func makeGeometry(_ value: JSONValue) throws -> Geometry {
    guard case .object(let object) = value else {
        throw FeatureProblem("feature.geometry-kind", .phrase(value.kindPhrase))
    }
    guard case .string(let type)? = object["type"] else {
        throw FeatureProblem("feature.geometry-no-type")
    }
    switch type {
    case "Point", "MultiPoint", "Polygon", "MultiPolygon": break
    case "LineString", "MultiLineString", "GeometryCollection":
        throw FeatureProblem("feature.geometry-unsupported", .text(type))
    default:
        throw FeatureProblem("feature.geometry-unknown", .text(type))
    }
    guard let coordinates = object["coordinates"] else {
        throw FeatureProblem("feature.no-coordinates", .text(type))
    }
    switch type {
    case "Point":
        return .point(try position(coordinates, path: "point"))
    case "MultiPoint":
        let points = try array(coordinates, path: "MultiPoint coordinates")
        guard points.count == 1 else {
            throw FeatureProblem("feature.multipoint", .text(String(points.count)))
        }
        return .point(try position(points[0], path: "point"))
    case "Polygon":
        return .polygon(try polygon(coordinates, prefix: ""))
    default:
        let polygons = try array(coordinates, path: "MultiPolygon coordinates")
        return .multiPolygon(MultiPolygon(try polygons.enumerated().map { i, p in
            try polygon(p, prefix: "polygon \(i), ")
        }))
    }
}

private func array(_ value: JSONValue, path: String) throws -> [JSONValue] {
    guard case .array(let elements) = value else {
        throw FeatureProblem("feature.not-array", .phrase(GeometryProblem.pathPhrase(path)), .phrase(value.kindPhrase))
    }
    return elements
}

private func polygon(_ value: JSONValue, prefix: String) throws -> Polygon {
    let ringValues = try array(value, path: prefix.isEmpty ? "Polygon coordinates" : String(prefix.dropLast(2)))
    var rings: [[LonLat]] = []
    rings.reserveCapacity(ringValues.count)
    for (r, ringValue) in ringValues.enumerated() {
        let ringPath = "\(prefix)ring \(r)"
        let positions = try array(ringValue, path: ringPath)
        var ring: [LonLat] = []
        ring.reserveCapacity(positions.count)
        for (i, p) in positions.enumerated() {
            ring.append(try position(p, path: "\(ringPath), position \(i)"))
        }
        rings.append(ring)
    }
    guard let exterior = rings.first else { return Polygon(exterior: []) }
    return Polygon(exterior: exterior, holes: Array(rings.dropFirst()))
}

private func position(_ value: JSONValue, path: String) throws -> LonLat {
    guard case .array(let numbers) = value else {
        throw FeatureProblem("feature.position-kind", .phrase(GeometryProblem.pathPhrase(path)), .phrase(value.kindPhrase))
    }
    guard numbers.count >= 2 else {
        throw FeatureProblem("feature.position-short", .phrase(GeometryProblem.pathPhrase(path)), .text(String(numbers.count)))
    }
    var values: [Double] = []
    for (k, element) in numbers.enumerated() {
        guard case .number(let x) = element else {
            throw FeatureProblem("feature.position-element", .phrase(GeometryProblem.pathPhrase(path)), .text(String(k)), .phrase(element.kindPhrase))
        }
        if k < 2 { values.append(x) }
    }
    return LonLat(values[0], values[1])
}

// MARK: - Lines

/// One feature of a layer of lines (a roads file): a LineString, or each part of a MultiLineString, as positions.
public struct LineFeature: Sendable {
    /// 0-based position in the layer.
    public let index: Int
    /// 1-based line (or record number) where a person finds the feature.
    public let line: Int
    /// The feature's id (GeoJSON's `id` member), nil when absent or null.
    public let id: JSONValue?
    /// The properties (attributes); empty when absent or null.
    public let properties: [String: JSONValue]
    /// The lines, coordinates as in the file (altitude dropped): one for a LineString, one a part for a MultiLineString.
    public let parts: [[LonLat]]

    public init(index: Int, line: Int, id: JSONValue? = nil, properties: [String: JSONValue], parts: [[LonLat]]) {
        self.index = index
        self.line = line
        self.id = id
        self.properties = properties
        self.parts = parts
    }
}

extension GeoJSONDocument {
    /// Hands each LineString or MultiLineString feature of the GeoJSON file at `path` to `body` as it is read; a
    /// feature of another geometry, or with malformed positions, is a `.failure` saying so. Throws as
    /// `read(path:limits:each:)` does for the file as a whole.
    public static func readLines(path: String, limits: GeoJSONLimits = .unlimited,
                                 each body: (Result<LineFeature, FeatureError>) throws -> Void) throws {
        let bytes = try readFileBytes(path)
        do {
            try bytes.withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(buffer, maxDepth: 256)
                _ = try parseDocument(&cursor, path: path, limits: limits, making: { value, index, line in
                    makeFeature(value, index: index, line: line, geometry: makeLines).map {
                        LineFeature(index: index, line: line, id: $0.id, properties: $0.properties, parts: $0.geometry)
                    }
                }, each: body)
            }
        } catch let e as JSONParseError {
            throw GeoJSONError.invalidJSON(path: path, line: e.line, column: e.column, message: e.message)
        }
    }
}

/// A LineString's or MultiLineString's positions, a list a part.
private func makeLines(_ value: JSONValue) throws -> [[LonLat]] {
    guard case .object(let object) = value else {
        throw FeatureProblem("feature.geometry-kind", .phrase(value.kindPhrase))
    }
    guard case .string(let type)? = object["type"] else {
        throw FeatureProblem("feature.geometry-no-type")
    }
    guard type == "LineString" || type == "MultiLineString" else {
        throw FeatureProblem(geometryTypeNames.contains(type) ? "feature.geometry-not-line" : "feature.geometry-unknown", .text(type))
    }
    guard let coordinates = object["coordinates"] else {
        throw FeatureProblem("feature.no-coordinates", .text(type))
    }
    func line(_ value: JSONValue, path: String) throws -> [LonLat] {
        try array(value, path: path).enumerated().map { i, p in
            let point = try position(p, path: "\(path), position \(i)")
            guard point.isFinite, (-180...180).contains(point.lon), (-90...90).contains(point.lat) else {
                throw FeatureProblem("geometry.out-of-range", .phrase(GeometryProblem.pathPhrase("\(path), position \(i)")),
                                     .text(point.description))
            }
            return point
        }
    }
    if type == "LineString" { return [try line(coordinates, path: "LineString coordinates")] }
    return try array(coordinates, path: "MultiLineString coordinates").enumerated().map { k, part in
        try line(part, path: "line \(k)")
    }
}

// MARK: - File reading

private func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw GeoJSONError.unreadable(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    // Room for the whole file at once (appending would double the buffer and hold twice the file).
    if fseek(file, 0, SEEK_END) == 0 {
        let size = ftell(file)
        if size > 0 && size < 1 << 40 { bytes.reserveCapacity(size + 1) }  // a folder reports a nonsense size
        rewind(file)
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count {
            if ferror(file) != 0 {
                throw GeoJSONError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            break
        }
    }
    return bytes
}

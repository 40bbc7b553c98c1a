import FacilityGeometry
import FacilityText
import Foundation

/// Why a Shapefile cannot be read as a whole (a feature that cannot be read is a `FeatureError` instead).
public enum ShapefileError: PhrasedError, Equatable {
    /// A file of the set is missing or cannot be read.
    case unreadable(path: String, reason: Phrase)
    /// The bytes are not a Shapefile (or its `.dbf` not a dBase table).
    case malformed(path: String, message: Phrase)
    /// The coordinates are not longitude and latitude, and no `.prj` says what they are.
    case projected(path: String, name: Phrase)

    public var phrase: Phrase {
        switch self {
        case let .unreadable(path, reason): Phrase("error.shapefile.unreadable", arguments: [.text(path), .phrase(reason)])
        case let .malformed(path, message): Phrase("error.shapefile.malformed", arguments: [.text(path), .phrase(message)])
        case let .projected(path, name): Phrase("error.shapefile.projected", arguments: [.text(path), .phrase(name)])
        }
    }

    public var description: String { phrase.text(in: .en).singleLine }
}

/// The features of an ESRI Shapefile: the shapes of its `.shp` (points and polygons, with or without Z and M), the
/// attributes of its `.dbf` as properties, in record order. `line` is the record number.
///
/// Text in the `.dbf` is decoded as its `.cpg` says (UTF-8; GBK, GB2312, CP936, GB18030 as GB18030), else as UTF-8 when
/// every text is valid UTF-8, else as GB18030 — the encoding of China's GIS software when it writes no `.cpg`.
/// Coordinates: geographic ones (WGS-84, CGCS2000) as they are; projected ones (the `.prj`'s system: CGCS2000
/// Gauss–Krüger zones with or without the zone in the easting, Web Mercator, …) turned into WGS-84 by PROJ
/// (`ProjectedCoordinates`). A layer without a `.prj` is taken as geographic when its bounding box is within
/// longitude and latitude ranges, else refused. A polygon's rings are grouped as the format orders them:
/// clockwise rings are outer boundaries, each counter-clockwise ring a hole of the smallest outer ring holding it.
public final class ShapefileFeatureSource: FeatureSource {
    /// The file messages name: the `.shp`, or the `.zip` it came in.
    public let path: String
    /// The `.shp` read.
    let shpPath: String
    /// The `.dbf`'s encoding when told (`--encoding`): over the `.cpg` and the detection.
    public let encoding: EncodingChoice
    /// The folder a `.zip` was unpacked into, removed with the source.
    private let unpacked: String?
    /// The layer's projected system when told (`--crs EPSG:NNNN`): over the `.prj`, or where there is none.
    public var projection: ProjectedCoordinates?

    /// The names a `.dbf` may hold a field called `name` under: the name itself and, past the 10 bytes a dBase field
    /// name holds, its cut at 10 bytes as UTF-8 and as GBK (`parent_cod`, `常住人`, `常住人口数`), as GDAL and ArcGIS cut it.
    public static func fieldNames(for name: String) -> [String] {
        guard name.utf8.count > 10 else { return [name] }
        var utf8 = "", gbk = "", utf8Bytes = 0, gbkBytes = 0
        for character in name {
            let bytes = character.utf8.count
            if utf8Bytes + bytes <= 10 { utf8.append(character); utf8Bytes += bytes }
            let wide = character.isASCII ? 1 : 2
            if gbkBytes + wide <= 10 { gbk.append(character); gbkBytes += wide }
        }
        return [name, utf8] + (gbk == utf8 || gbk == name ? [] : [gbk])
    }

    /// The Shapefile whose `.shp` is at `path`; `encoding` other than `.auto` decides how its `.dbf` is read.
    public convenience init(path: String, encoding: EncodingChoice = .auto) {
        self.init(path: path, encoding: encoding, named: path, unpackedIn: nil)
    }

    init(path shp: String, encoding: EncodingChoice, named path: String, unpackedIn folder: String?) {
        self.path = path
        shpPath = shp
        self.encoding = encoding
        unpacked = folder
    }

    deinit {
        if let unpacked { try? FileManager.default.removeItem(atPath: unpacked) }
    }

    /// A file of the set beside the `.shp`: the same name with `ext`, in the case the directory has it.
    func sibling(_ ext: String) -> String? {
        let base = (shpPath as NSString).deletingPathExtension
        for candidate in [base + "." + ext, base + "." + ext.uppercased()] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// The `.shp`'s bytes (its header checked), its system (nil: longitude and latitude) and the `.dbf`.
    private func layer() throws -> (shp: [UInt8], projected: ProjectedCoordinates?, table: DBFTable) {
        let shp = try Self.read(shpPath)
        guard shp.count >= 100, Self.bigEndian(shp, 0) == 9994 else {
            throw ShapefileError.malformed(path: path, message: Phrase("shapefile.no-header"))
        }
        let projected = try coordinateSystem(box: (Self.double(shp, 36), Self.double(shp, 44), Self.double(shp, 52), Self.double(shp, 60)))
        guard let dbfPath = sibling("dbf") else {
            throw ShapefileError.unreadable(path: (shpPath as NSString).deletingPathExtension + ".dbf", reason: Phrase("reason.no-such-file"))
        }
        let declared: String? = switch encoding {
        case .auto: sibling("cpg").flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        case .utf8: "UTF-8"
        case .gb18030: "GB18030"
        }
        return (shp, projected, try DBFTable(path: dbfPath, encoding: declared))
    }

    public func forEachFeature(limits: GeoJSONLimits, _ body: (Result<Feature, FeatureError>) throws -> Void) throws {
        let (shp, projected, table) = try layer()
        func position(_ at: Int) -> LonLat {
            let x = Self.double(shp, at), y = Self.double(shp, at + 8)
            return projected?.toWGS84(x: x, y: y) ?? LonLat(x, y)
        }

        var positionsInFile = 0
        try forEachRecord(shp) { index, number, start, length in
            let properties = index < table.count ? table.record(index) : [:]
            func fail(_ key: String, _ arguments: String...) throws {
                try body(.failure(FeatureError(index: index, line: number, reason: Phrase(key, arguments: arguments.map(Phrase.Argument.text)))))
            }
            switch Self.littleEndian(shp, start) {
            case 0:
                try fail("shapefile.feature.null-shape")
            case 1, 11, 21:  // Point, PointZ, PointM: x, y first
                guard length >= 20 else { try fail("shapefile.feature.point-short"); return }
                positionsInFile += 1
                try body(.success(Feature(index: index, line: number, properties: properties, geometry: .point(position(start + 4)))))
            case 5, 15, 25:  // Polygon, PolygonZ, PolygonM: x, y of every point before any Z or M
                guard length >= 44 else { try fail("shapefile.feature.polygon-short"); return }
                let parts = Int(Self.littleEndian(shp, start + 36)), points = Int(Self.littleEndian(shp, start + 40))
                let first = start + 44 + 4 * parts
                guard parts > 0, points > 0, first + 16 * points <= start + length else {
                    try fail("shapefile.feature.polygon-overflow")
                    return
                }
                if points > limits.positionsPerFeature || positionsInFile + points > limits.positionsPerFile {
                    let inFile = positionsInFile + points > limits.positionsPerFile
                    throw GeoJSONError.tooManyPositions(path: path, featureLine: number, index: index,
                                                        limit: inFile ? limits.positionsPerFile : limits.positionsPerFeature, inFile: inFile)
                }
                positionsInFile += points
                var rings: [[LonLat]] = []
                for part in 0..<parts {
                    let from = Int(Self.littleEndian(shp, start + 44 + 4 * part))
                    let to = part + 1 < parts ? Int(Self.littleEndian(shp, start + 48 + 4 * part)) : points
                    guard from >= 0, from < to, to <= points else { continue }
                    rings.append((from..<to).map { position(first + 16 * $0) })
                }
                try body(.success(Feature(index: index, line: number, properties: properties, geometry: Self.polygons(rings))))
            case let type:
                try body(.failure(FeatureError(index: index, line: number,
                                               reason: Phrase("shapefile.feature.other-shape", arguments: [.phrase(Self.shapeName(type))]))))
            }
        }
    }

    /// Hands each record of a layer of lines (PolyLine, PolyLineZ, PolyLineM) to `body` in record order, its parts as
    /// lines (projected coordinates turned into WGS-84 as for `forEachFeature`); a record of another shape, or one
    /// whose parts do not fit in it, is a `.failure` saying so.
    public func forEachLineFeature(_ body: (Result<LineFeature, FeatureError>) throws -> Void) throws {
        let (shp, projected, table) = try layer()
        try forEachRecord(shp) { index, number, start, length in
            func fail(_ reason: Phrase) throws { try body(.failure(FeatureError(index: index, line: number, reason: reason))) }
            let type = Self.littleEndian(shp, start)
            guard type == 3 || type == 13 || type == 23 else {
                try fail(type == 0 ? Phrase("shapefile.feature.null-shape")
                         : Phrase("shapefile.feature.not-line", arguments: [.phrase(Self.shapeName(type))]))
                return
            }
            // Box (32 bytes), parts, points, the parts' first indexes, then x, y of every point before any Z or M.
            guard length >= 44 else { try fail(Phrase("shapefile.feature.line-overflow")); return }
            let parts = Int(Self.littleEndian(shp, start + 36)), points = Int(Self.littleEndian(shp, start + 40))
            let first = start + 44 + 4 * parts
            guard parts > 0, points > 0, parts <= points, first + 16 * points <= start + length else {
                try fail(Phrase("shapefile.feature.line-overflow"))
                return
            }
            var lines: [[LonLat]] = []
            for part in 0..<parts {
                let from = Int(Self.littleEndian(shp, start + 44 + 4 * part))
                let to = part + 1 < parts ? Int(Self.littleEndian(shp, start + 48 + 4 * part)) : points
                guard from >= 0, from < to, to <= points else { continue }
                lines.append((from..<to).map { k in
                    let x = Self.double(shp, first + 16 * k), y = Self.double(shp, first + 16 * k + 8)
                    return projected?.toWGS84(x: x, y: y) ?? LonLat(x, y)
                })
            }
            let properties = index < table.count ? table.record(index) : [:]
            try body(.success(LineFeature(index: index, line: number, properties: properties, parts: lines)))
        }
    }

    /// Calls `body(index, number, start, length)` for each record of the `.shp` bytes in order: its place (from 0), the
    /// number its header gives, where its content starts and how many bytes it has. A record running past the file's
    /// end throws.
    private func forEachRecord(_ shp: [UInt8], _ body: (Int, Int, Int, Int) throws -> Void) throws {
        var offset = 100, index = 0
        while offset + 8 <= shp.count {
            let number = Int(Self.bigEndian(shp, offset))
            let length = Int(Self.bigEndian(shp, offset + 4)) * 2
            let start = offset + 8
            guard length >= 4, start + length <= shp.count else {
                throw ShapefileError.malformed(path: path, message: Phrase("shapefile.record-past-end", String(number)))
            }
            offset = start + length
            try body(index, number, start, length)
            index += 1
        }
    }

    /// The layer's projected system, turned into WGS-84 by PROJ; nil for longitude and latitude. By the `.prj`, or
    /// without one by the bounding box.
    private func coordinateSystem(box: (minX: Double, minY: Double, maxX: Double, maxY: Double)) throws -> ProjectedCoordinates? {
        if let projection { return projection }
        if let prj = sibling("prj") {
            // A zipped layer's .prj is named as the .zip holds it, not by the folder it was unpacked into.
            let named = unpacked == nil ? prj : "\(path) (its .prj)"
            let wkt = (try? String(contentsOfFile: prj, encoding: .utf8)) ?? ""
            let head = wkt.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            if head.hasPrefix("PROJCS[") || head.hasPrefix("PROJCRS[") {
                guard let projected = ProjectedCoordinates(wkt: wkt) else {
                    throw ShapefileError.malformed(path: named, message: Phrase("shapefile.proj-cannot-place"))
                }
                return projected
            }
            guard head.hasPrefix("GEOGCS[") || head.hasPrefix("GEOGCRS[") || head.hasPrefix("GEODCRS[") else {
                throw ShapefileError.malformed(path: named, message: Phrase("shapefile.prj-unknown"))
            }
        } else if !(-180...180).contains(box.minX) || !(-180...180).contains(box.maxX)
                    || !(-90...90).contains(box.minY) || !(-90...90).contains(box.maxY) {
            throw ShapefileError.projected(path: path, name: Phrase("shapefile.beyond-degrees"))
        }
        return nil
    }

    /// Rings grouped into polygons: clockwise rings (negative signed area) are outer boundaries; each other ring is a
    /// hole of the smallest outer ring that holds its first point (an outer boundary itself when none does).
    static func polygons(_ rings: [[LonLat]]) -> Geometry {
        func signedArea(_ ring: [LonLat]) -> Double {
            var sum = 0.0
            for i in ring.indices {
                let a = ring[i], b = ring[(i + 1) % ring.count]
                sum += a.lon * b.lat - b.lon * a.lat
            }
            return sum / 2
        }
        var outer: [Polygon] = [], holes: [[LonLat]] = []
        for ring in rings {
            if signedArea(ring) < 0 { outer.append(Polygon(exterior: ring)) } else { holes.append(ring) }
        }
        for hole in holes {
            let owner = outer.indices.filter { outer[$0].contains(hole[0]) }
                .min { abs(signedArea(outer[$0].exterior)) < abs(signedArea(outer[$1].exterior)) }
            if let owner { outer[owner].holes.append(hole) } else { outer.append(Polygon(exterior: hole)) }
        }
        return outer.count == 1 ? .polygon(outer[0]) : .multiPolygon(MultiPolygon(outer))
    }

    private static func shapeName(_ type: UInt32) -> Phrase {
        switch type {
        case 1, 11, 21: .verbatim("Point")
        case 3, 13, 23: Phrase("shapefile.shape.line")
        case 5, 15, 25: .verbatim("Polygon")
        case 8, 18, 28: .verbatim("MultiPoint")
        case 31: .verbatim("MultiPatch")
        default: Phrase("shapefile.shape.other", String(type))
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShapefileError.unreadable(path: path, reason: Phrase(FileManager.default.fileExists(atPath: path) ? "reason.permission-denied" : "reason.no-such-file"))
        }
        return [UInt8](data)
    }

    static func bigEndian(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func littleEndian(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func double(_ b: [UInt8], _ at: Int) -> Double {
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(b[at + k]) << (8 * k) }
        return Double(bitPattern: bits)
    }
}

/// A dBase table (a Shapefile's `.dbf`): each record's fields as JSON values — text (`C`) as strings, numbers (`N`,
/// `F`) as numbers, logicals (`L`) as booleans, dates (`D`) as `YYYY-MM-DD`; blank fields absent.
struct DBFTable {
    struct Field {
        let name: String
        let type: UInt8
        let offset: Int
        let length: Int
    }

    let path: String
    let fields: [Field]
    let count: Int
    private let bytes: [UInt8]
    private let headerLength: Int
    private let recordLength: Int
    private let utf8: Bool
    private let decoder: GB18030Decoder?

    /// The table at `path`; `encoding` is what its `.cpg` says, if there is one.
    init(path: String, encoding: String?) throws {
        self.path = path
        bytes = try ShapefileFeatureSource.read(path)
        guard bytes.count >= 32 else { throw ShapefileError.malformed(path: path, message: Phrase("shapefile.dbf-short")) }
        let records = Int(ShapefileFeatureSource.littleEndian(bytes, 4))
        headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        recordLength = Int(bytes[10]) | Int(bytes[11]) << 8
        guard headerLength <= bytes.count, recordLength > 0 else {
            throw ShapefileError.malformed(path: path, message: Phrase("shapefile.dbf-lengths"))
        }
        count = min(records, (bytes.count - headerLength) / recordLength)
        var raw: [(name: [UInt8], type: UInt8, offset: Int, length: Int)] = []
        var at = 32, offset = 1
        while at + 32 <= headerLength && bytes[at] != 0x0D {
            let name = Array(bytes[at..<(at + 11)].prefix { $0 != 0 })
            let length = Int(bytes[at + 16])
            raw.append((name, bytes[at + 11], offset, length))
            offset += length
            at += 32
        }
        // The encoding: the .cpg's, else UTF-8 when every text (names included) is valid UTF-8, else GB18030.
        let declared = encoding?.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        var utf8: Bool
        if let declared, !declared.isEmpty {
            utf8 = declared.contains("UTF") && declared.contains("8")
        } else {
            utf8 = raw.allSatisfy { String(validatingUTF8: $0.name.map { CChar(bitPattern: $0) } + [0]) != nil }
            if utf8 {
                scan: for record in 0..<count {
                    for field in raw where field.type == UInt8(ascii: "C") {
                        let start = headerLength + record * recordLength + field.offset
                        let slice = Array(bytes[start..<min(start + field.length, bytes.count)])
                        if slice.contains(where: { $0 >= 0x80 }) && String(validatingUTF8: slice.map { CChar(bitPattern: $0) } + [0]) == nil {
                            utf8 = false
                            break scan
                        }
                    }
                }
            }
        }
        self.utf8 = utf8
        decoder = utf8 ? nil : GB18030Decoder()
        guard utf8 || decoder != nil else {
            throw ShapefileError.unreadable(path: path, reason: Phrase("reason.no-gb18030"))
        }
        let decodeName: ([UInt8]) -> String = { [decoder] name in
            guard !utf8, let decoder else { return String(decoding: name, as: UTF8.self) }
            return name.withUnsafeBufferPointer { decoder.decode($0.baseAddress!, $0.count, truncated: false).string }
        }
        fields = raw.map { Field(name: decodeName($0.name).trimmingCharacters(in: .whitespaces), type: $0.type, offset: $0.offset, length: $0.length) }
    }

    /// Record `index`'s fields (a deleted record's too: the `.shp` still has its shape).
    func record(_ index: Int) -> [String: JSONValue] {
        let base = headerLength + index * recordLength
        var values: [String: JSONValue] = [:]
        for field in fields where base + field.offset + field.length <= bytes.count {
            let cell = Array(bytes[(base + field.offset)..<(base + field.offset + field.length)])
            let text = decode(cell).trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            switch field.type {
            case UInt8(ascii: "N"), UInt8(ascii: "F"):
                if let number = Double(text), number.isFinite { values[field.name] = .number(number) } else { values[field.name] = .string(text) }
            case UInt8(ascii: "L"):
                switch text.uppercased() {
                case "T", "Y": values[field.name] = .bool(true)
                case "F", "N": values[field.name] = .bool(false)
                default: continue
                }
            case UInt8(ascii: "D") where text.count == 8 && text.allSatisfy(\.isNumber):
                let d = Array(text)
                values[field.name] = .string("\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))")
            default:
                values[field.name] = .string(text)
            }
        }
        return values
    }

    private func decode(_ cell: [UInt8]) -> String {
        guard !utf8, let decoder, cell.contains(where: { $0 >= 0x80 }) else { return String(decoding: cell, as: UTF8.self) }
        return cell.withUnsafeBufferPointer { decoder.decode($0.baseAddress!, $0.count, truncated: false).string }
    }
}

extension ShapefileFeatureSource {
    /// The Shapefile a `.zip` holds (as bureaus mail them: one `.shp` with its `.dbf`, `.prj`, `.cpg`, at any depth),
    /// unpacked into a folder of its own under `folder`; messages name the `.zip`. Throws when the archive holds no
    /// Shapefile or more than one.
    public convenience init(zip path: String, into folder: String, encoding: EncodingChoice = .auto) throws {
        let archive: ZipArchive
        do { archive = try ZipArchive(path: path) } catch let failure as ZipArchive.Failure {
            throw ShapefileError.malformed(path: path, message: .reason(failure.message))
        }
        let entries = archive.entries
        let sets = Dictionary(grouping: entries.filter { !$0.name.hasSuffix("/") && !$0.name.hasPrefix("__MACOSX/") }) {
            ($0.name as NSString).deletingPathExtension
        }.filter { _, files in files.contains { $0.name.lowercased().hasSuffix(".shp") } }
        guard sets.count == 1, let (_, files) = sets.first else {
            throw ShapefileError.malformed(path: path, message: sets.isEmpty ? Phrase("shapefile.zip-no-shp")
                : Phrase("shapefile.zip-many", arguments: [.text(String(sets.count)), .phrase(.list(sets.keys.sorted()))]))
        }
        let target = (folder as NSString).appendingPathComponent("shapefile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for file in files {
            let ext = (file.name as NSString).pathExtension.lowercased()
            guard ["shp", "shx", "dbf", "prj", "cpg"].contains(ext) else { continue }
            let bytes: [UInt8]
            do { bytes = try archive.contents(of: file) } catch let failure as ZipArchive.Failure {
                throw ShapefileError.malformed(path: path, message: .reason(failure.message))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: (target as NSString).appendingPathComponent("layer." + ext)))
        }
        self.init(path: (target as NSString).appendingPathComponent("layer.shp"), encoding: encoding, named: path, unpackedIn: target)
    }
}

import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import Foundation

/// Imports administrative units from GeoJSON (polygons or points) or CSV (points), upserting by `code`.
public struct UnitImporter {
    /// The level of units whose source gives none.
    public var level: UnitLevel?
    public var coordinateSystem: CoordinateSystem = .wgs84
    public var encoding: EncodingChoice = .auto
    public var strict = false
    public var rejectsPath: String?

    public init(level: UnitLevel? = nil, coordinateSystem: CoordinateSystem = .wgs84, encoding: EncodingChoice = .auto,
                strict: Bool = false, rejectsPath: String? = nil) {
        self.level = level
        self.coordinateSystem = coordinateSystem
        self.encoding = encoding
        self.strict = strict
        self.rejectsPath = rejectsPath
    }

    /// Whether `path` is read as GeoJSON (by its extension, else by its first non-blank byte).
    static func isGeoJSON(_ path: String) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".geojson") || lower.hasSuffix(".json") { return true }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { return false }
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 64) else { return false }
        try? handle.close()
        return head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "{")
    }

    public func run(path: String, into store: FacilityStore) throws -> ImportSummary {
        var summary = ImportSummary(file: path, sha256: try SHA256.hex(ofFileAt: path))
        summary.previousImport = try store.lastImport(sha256: summary.sha256, layer: "units")
        var candidates: [(line: Int, unit: AdministrativeUnit, fields: [String])] = []
        var header: [String] = []
        if UnitImporter.isGeoJSON(path) {
            if rejectsPath != nil { throw ImportError.rejectsNeedCSV(file: path) }
            try readGeoJSON(path: path, store: store, into: &candidates, summary: &summary)
        } else {
            header = try readCSV(path: path, into: &candidates, summary: &summary)
        }
        var firstLine: [String: Int] = [:]
        let existing = try store.unitCount()
        do {
            try store.write { writer in
                // Many rows: lift the per-row triggers and pack the R*Trees once at the end.
                let bulkLoad = candidates.count > 5_000 ? try writer.beginBulkLoad(of: .units) : nil
                for candidate in candidates {
                    if let first = firstLine[candidate.unit.code] {
                        summary.rejections.append(Rejection(
                            file: path, line: candidate.line, field: "code",
                            message: "\(candidate.unit.code) is also on line \(first), which is kept — give each unit its own code",
                            fields: candidate.fields))
                        continue
                    }
                    firstLine[candidate.unit.code] = candidate.line
                    if existing == 0 {
                        try writer.insert(candidate.unit)
                        summary.new += 1
                    } else {
                        summary.count(try writer.upsert(candidate.unit))
                    }
                }
                if strict && !summary.rejections.isEmpty { throw StrictRollback() }
                if let bulkLoad { try writer.finishBulkLoad(bulkLoad) }
                try writer.record(summary.record(layer: "units"))
            }
        } catch is StrictRollback {
            summary.committed = false
        }
        summary.rejections.sort { $0.line < $1.line }
        if let rejectsPath, !summary.rejections.isEmpty {
            try RejectsFile.write(summary.rejections, header: header, to: rejectsPath)
        }
        return summary
    }

    // MARK: GeoJSON

    private func readGeoJSON(path: String, store: FacilityStore,
                             into candidates: inout [(line: Int, unit: AdministrativeUnit, fields: [String])],
                             summary: inout ImportSummary) throws {
        let document = try GeoJSONDocument.read(path: path)
        for result in document.features {
            summary.rows += 1
            let feature: GeoJSONFeature
            switch result {
            case let .success(value): feature = value
            case let .failure(error):
                summary.rejections.append(Rejection(file: path, line: error.line, field: "geometry",
                                                    message: "feature \(error.index): \(error.message)", fields: []))
                continue
            }
            func property(_ names: String...) -> String? {
                for name in names {
                    if let value = feature.properties[name], let text = value.stringValue?
                        .trimmed, !text.isEmpty { return text }
                }
                return nil
            }
            func reject(_ field: String, _ message: String) {
                summary.rejections.append(Rejection(file: path, line: feature.line, field: field,
                                                    message: "feature \(feature.index): \(message)", fields: []))
            }
            guard let code = property("code", "adcode") else { reject("code", "missing — every unit needs a code (or adcode)"); continue }
            guard let name = property("name") else { reject("name", "missing — unit \(code) needs a name"); continue }
            var level = self.level
            if let text = property("level") {
                guard let parsed = UnitLevel(argument: text) else {
                    reject("level", "\(text) is not a level — use city, district (county), township, community or village")
                    continue
                }
                level = parsed
            }
            guard let level else { reject("level", "missing for \(code) — add a level property or pass --level"); continue }
            var population: Int?
            if let text = property("population") {
                do { population = try Cell.count(text) } catch let problem as CellProblem {
                    reject("population", problem.message)
                    continue
                }
            }
            var unit = AdministrativeUnit(code: code, name: name, level: level,
                                          parent: property("parent", "parent_code", "parent_adcode"),
                                          population: population)
            let known: Set<String> = ["code", "adcode", "name", "level", "parent", "parent_code", "parent_adcode", "population"]
            for (key, value) in feature.properties where !known.contains(key) {
                // Text, numbers and booleans are kept as text; arrays and objects are left out.
                if let text = value.stringValue ?? value.boolValue.map(String.init) { unit.attributes[key] = text }
            }
            switch converted(feature.geometry) {
            case let .point(point):
                unit.location = point
            case let geometry:
                guard var boundary = geometry.asMultiPolygon else { reject("geometry", "unsupported geometry"); continue }
                let validity = try store.validity(of: .multiPolygon(boundary))
                if !validity.isValid {
                    guard let repaired = try store.makeValid(.multiPolygon(boundary)) else {
                        reject("geometry", "\(validity.reason ?? "invalid polygon") and MakeValid leaves no area — fix the polygon in the source")
                        continue
                    }
                    summary.warnings.append("\(path):\(feature.line): geometry: feature \(feature.index) (\(code) \(name)): \(validity.reason ?? "invalid polygon") — repaired with MakeValid; check the result")
                    boundary = repaired
                }
                unit.boundary = boundary
                unit.location = boundary.representativePoint()
            }
            candidates.append((feature.line, unit, []))
        }
        if summary.rows == 0 { throw ImportError.noDataRows(file: path, line: 1) }
    }

    private func converted(_ geometry: Geometry) -> Geometry {
        guard coordinateSystem != .wgs84 && coordinateSystem != .cgcs2000 else { return geometry }
        let convert = { (p: LonLat) in coordinateSystem.toWGS84(p) }
        func polygon(_ p: FacilityGeometry.Polygon) -> FacilityGeometry.Polygon {
            FacilityGeometry.Polygon(exterior: p.exterior.map(convert), holes: p.holes.map { $0.map(convert) })
        }
        switch geometry {
        case let .point(p): return .point(convert(p))
        case let .polygon(p): return .polygon(polygon(p))
        case let .multiPolygon(m): return .multiPolygon(MultiPolygon(m.polygons.map(polygon)))
        }
    }

    // MARK: CSV

    private func readCSV(path: String, into candidates: inout [(line: Int, unit: AdministrativeUnit, fields: [String])],
                         summary: inout ImportSummary) throws -> [String] {
        let reader = try CSVReader(path: path, encoding: encoding)
        let columns = ColumnMap<UnitColumn>(header: reader.header, aliases: { $0.aliases })
        var required: [UnitColumn] = [.code, .name]
        if level == nil { required.append(.level) }
        let missing = columns.missing(required)
        guard missing.isEmpty else {
            throw ImportError.missingColumns(file: path, line: reader.headerLine,
                                             names: missing.map { "\($0.rawValue) (\($0.aliases[0]))" })
        }
        while let row = try reader.next() {
            summary.rows += 1
            func reject(_ field: String, _ message: String) {
                summary.rejections.append(Rejection(file: path, line: row.line, field: field, message: message, fields: row.fields))
            }
            if let problem = row.problems.first {
                reject(problem.column < reader.header.count ? reader.header[problem.column] : "column \(problem.column + 1)", problem.message)
                continue
            }
            guard let code = columns.value(.code, in: row.fields) else { reject(columns.name(.code), "missing — every unit needs a code"); continue }
            guard let name = columns.value(.name, in: row.fields) else { reject(columns.name(.name), "missing — unit \(code) needs a name"); continue }
            var level = self.level
            if let text = columns.value(.level, in: row.fields) {
                guard let parsed = UnitLevel(argument: text) else {
                    reject(columns.name(.level), "\(text) is not a level — use city, district (county), township, community or village")
                    continue
                }
                level = parsed
            }
            guard let level else { reject(columns.name(.level), "missing — add a level or pass --level"); continue }
            do {
                let population = try Cell.count(columns.value(.population, in: row.fields))
                var location: LonLat?
                let lonText = columns.value(.lon, in: row.fields), latText = columns.value(.lat, in: row.fields)
                if lonText != nil || latText != nil {
                    let lon = try Cell.coordinate(lonText, name: "longitude (经度)", range: -180...180)
                    let lat = try Cell.coordinate(latText, name: "latitude (纬度)", range: -90...90)
                    location = coordinateSystem.toWGS84(LonLat(lon, lat))
                }
                let unit = AdministrativeUnit(code: code, name: name, level: level, parent: columns.value(.parent, in: row.fields),
                                              population: population, location: location,
                                              attributes: columns.attributes(in: row.fields))
                candidates.append((row.line, unit, row.fields))
            } catch let problem as CellProblem {
                reject("population/lon/lat", problem.message)
            }
        }
        if summary.rows == 0 { throw ImportError.noDataRows(file: path, line: reader.headerLine) }
        return reader.header
    }
}

import FacilityFormats
import FacilityGEOS
import FacilityGeometry
import FacilityModel
import FacilityStore
import FacilityText
import Foundation

/// Imports administrative units from GeoJSON (polygons or points) or CSV (points), upserting by `code`.
public struct UnitImporter {
    /// The level of units whose source gives none.
    public var level: UnitLevel?
    public var coordinateSystem: CoordinateSystem = .wgs84
    public var encoding: EncodingChoice = .auto
    /// A workbook's sheet and header row (`--sheet`, `--header-row`).
    public var workbook = WorkbookOptions()
    /// A Shapefile's projected system when told (`--crs EPSG:NNNN`), over its `.prj`.
    public var projection: RecordSources.Projection?
    public var strict = false
    public var rejectsPath: String?
    /// The rejects file's encoding; nil: the input's own (GB18030 for a GB18030 file, else UTF-8 with a byte order mark).
    public var rejectsEncoding: CSVOutputEncoding?
    /// The language of the rejects file's reason column (the command line's; English by default, as the API's).
    public var language: Language = .en
    /// Who imports, for the import log (default: `local user NAME`).
    public var author: String = ImportSummary.localAuthor
    /// The file's name in the import log, when `path` is a copy (an upload).
    public var sourceName: String?
    /// What the file's polygons may hold and what their checks and repairs may spend.
    public var geometryLimits = GeometryLimits()
    /// Run inside the import's transaction just before it is recorded; what it throws rolls the import back.
    public var commitCheck: (@Sendable (any RegistryStore) throws -> Void)?

    public init(level: UnitLevel? = nil, coordinateSystem: CoordinateSystem = .wgs84, encoding: EncodingChoice = .auto,
                strict: Bool = false, rejectsPath: String? = nil) {
        self.level = level
        self.coordinateSystem = coordinateSystem
        self.encoding = encoding
        self.strict = strict
        self.rejectsPath = rejectsPath
    }

    /// A unit read from the file, with where its row is (to give its fields to a rejection; nil for a feature).
    typealias Candidate = (line: Int, unit: AdministrativeUnit, position: RowPlace?)

    /// Where a unit's row can be had again: a CSV record's position (read again), or a row's fields (kept).
    enum RowPlace {
        case record(CSVRecordPosition)
        case fields([String])
    }

    /// A file's features read, checked and repaired as units: the part of an import that needs no store and may take
    /// seconds (within `geometryLimits`), done before the store is written (a server does it off its write thread).
    public struct PreparedUnits: Sendable {
        let path: String
        fileprivate let units: CandidatePart
        fileprivate let summary: ImportSummary
    }

    /// Reads, checks and repairs the units of a file of features (GeoJSON, a Shapefile) for `run(path:into:prepared:)`;
    /// nil for a table (CSV, a workbook: read as it is stored).
    public func prepare(path: String) throws -> PreparedUnits? {
        guard let source = try RecordSources.featureSource(path, encoding: encoding, projection: projection) else { return nil }
        return try prepare(features: source)
    }

    /// Reads, checks and repairs the units of `source`'s features, for `run(source:into:prepared:)`.
    public func prepare(features source: any FeatureSource) throws -> PreparedUnits {
        let path = source.path
        if rejectsPath != nil { throw ImportError.rejectsNeedCSV(file: path) }
        var summary = ImportSummary(file: sourceName ?? path, sha256: "")
        var units = CandidatePart()
        FaultInjection.pause(at: .geometry)
        try readFeatures(source, into: &units, summary: &summary)
        return PreparedUnits(path: path, units: units, summary: summary)
    }

    /// Imports the units of the file at `path` (GeoJSON or CSV: `RecordSources.open`), or those `prepared` from it.
    public func run(path: String, into store: any RegistryStore, prepared: PreparedUnits? = nil) throws -> ImportSummary {
        if prepared != nil { return try run(source: .features(GeoJSONFeatureSource(path: path)), into: store, prepared: prepared) }
        return try run(source: RecordSources.open(path: path, encoding: encoding, workbook: workbook, projection: projection), into: store)
    }

    /// Imports the units `source` gives — a table's rows (each with a code, a name, a level and maybe a point) or
    /// features (polygons or points, with those properties) — into `store`, upserting by code in one transaction.
    /// `prepared`, when given, holds `source`'s features already read (`prepare(features:)`).
    public func run(source: ImportSource, into store: any RegistryStore, prepared: PreparedUnits? = nil) throws -> ImportSummary {
        Trace.mark("start")
        let path = source.path
        var summary = ImportSummary(file: sourceName ?? path, sha256: "")
        var candidates = Candidates()
        // Each part's units in code order, sorted by the thread that read them.
        var keyParts: [[CodeKey]]?
        var table: (reader: any RecordSource, columns: ColumnMap<UnitColumn>)?
        switch source {
        case let .features(features):
            let prepared = try prepared ?? prepare(features: features)
            candidates.parts[0] = prepared.units
            summary = prepared.summary
        case let .table(reader):
            table = (reader, try columns(of: reader))
            summary.warningPhrases += table!.columns.lookalikeWarnings
            summary.header = reader.header
        }
        Trace.mark("opened")
        if let table {
            if let csv = table.reader as? CSVReader {
                keyParts = try readCSV(path: path, csv: (csv, table.columns), into: &candidates, summary: &summary)
            } else {
                try readRows(table.reader, columns: table.columns, into: &candidates.parts[0], summary: &summary)
            }
        }
        Trace.mark("parsed")
        /// The fields of a candidate's row, for its rejection (none for a feature).
        func fields(_ candidate: Candidate) throws -> [String] {
            switch candidate.position {
            case let .record(position): return try (table!.reader as! any RawRecordSource).row(at: position).fields
            case let .fields(fields): return fields
            case nil: return []
            }
        }
        // Hashed while the rows are stored: started earlier, it would take a core from the parsing.
        let hashing = Background<String, any Error> { try SHA256.hex(ofFileAt: path) }
        // Stored in code order: SQLite then appends to the unique index of codes instead of inserting all over it
        // (650,000 units: 0.7 s instead of 1.6 s). A code repeated in the file is rejected here, naming the first.
        let order = UnitImporter.codeOrder(candidates, keys: keyParts ?? [UnitImporter.codeKeys(candidates.parts[0])])
        var unique: [Int] = []
        unique.reserveCapacity(order.count)
        for (position, repeated) in order {
            if repeated, let kept = unique.last {
                let candidate = candidates[position]
                let fields = try fields(candidate)
                summary.rejections.append(Rejection(
                    file: path, line: candidate.line, field: "code",
                    reason: Phrase("unit.duplicate", candidate.unit.code, String(candidates[kept].line)),
                    fields: fields, cell: table?.reader.cell(line: candidate.line, field: table!.columns.name(.code))))
            } else {
                unique.append(position)
            }
        }
        Trace.mark("sorted")
        // No unit may become its own ancestor: the file's parents are laid over the stored ones.
        let cyclic = try UnitImporter.unitsOnParentCycles(unique.map { candidates[$0].unit }, stored: store)
        if !cyclic.isEmpty {
            var kept: [Int] = []
            for (k, position) in unique.enumerated() {
                guard let chain = cyclic[k] else { kept.append(position); continue }
                let candidate = candidates[position]
                let fields = try fields(candidate)
                summary.rejections.append(Rejection(
                    file: path, line: candidate.line, field: "parent",
                    reason: Phrase("unit.cycle", candidate.unit.parent ?? "", candidate.unit.code, chain.joined(separator: " → ")),
                    fields: fields, cell: table?.reader.cell(line: candidate.line, field: table!.columns.name(.parent))))
            }
            unique = kept
        }
        do {
            // The engine chooses how to store them (`importUnits`); the import is recorded in the same transaction.
            try store.importUnits(candidates.units(at: unique)) { writer, outcomes in
                for outcome in outcomes { summary.count(outcome) }
                if strict && !summary.rejections.isEmpty { throw StrictRollback() }
                summary.sha256 = try hashing.value()
                summary.previousImport = try store.lastImport(sha256: summary.sha256, layer: "units")
                try commitCheck?(store)
                try writer.record(summary.record(layer: "units", author: author))
            }
        } catch is StrictRollback {
            summary.committed = false
        }
        if summary.sha256.isEmpty {
            summary.sha256 = try hashing.value()
            summary.previousImport = try store.lastImport(sha256: summary.sha256, layer: "units")
        }
        summary.rejections.sort { $0.line < $1.line }
        if let rejectsPath, !summary.rejections.isEmpty {
            try RejectsFile.write(summary.rejections, header: table?.reader.header ?? [], encoding: rejectsEncoding ?? table?.reader.rejectsEncoding ?? .utf8BOM, to: rejectsPath,
                                  language: language)
        }
        return summary
    }

    /// For the units of a file (by their position in `units`), the parent chain of those that would be their own
    /// ancestor once stored: the file's parents over the stored ones (a unit without a parent keeps its stored one).
    static func unitsOnParentCycles(_ units: [AdministrativeUnit], stored: any RegistryStore) throws -> [Int: [String]] {
        guard units.contains(where: { $0.parent != nil }) else { return [:] }
        var parent: [String: String] = [:]
        for link in try stored.unitLinks() { if let p = link.parent { parent[link.code] = p } }
        for unit in units { if let p = unit.parent { parent[unit.code] = p } }
        var cyclic: [Int: [String]] = [:]
        for (k, unit) in units.enumerated() where unit.parent != nil {
            // A sane tree is a handful of levels deep: 64 steps end any chain that is not a cycle through this unit.
            var chain = [unit.code], code = unit.parent
            while let c = code, chain.count <= 64 {
                chain.append(c)
                if c == unit.code { cyclic[k] = chain; break }
                code = parent[c]
            }
        }
        return cyclic
    }

    // MARK: GeoJSON

    /// The property names a feature's unit fields are read from, in order of preference: the column's English name,
    /// its aliases (`adcode`, `区划代码`, `parent_adcode`), and their cuts to a `.dbf`'s 10 bytes (`parent_adc`). The
    /// point is the location: `lon` and `lat` properties are attributes.
    static let featureNames: [UnitColumn: [String]] = Dictionary(uniqueKeysWithValues: UnitColumn.allCases
        .filter { $0 != .lon && $0 != .lat }
        .map { ($0, ColumnMap<UnitColumn>.names(of: $0, aliases: $0.aliases)) })
    static let featureKnownNames = Set(featureNames.values.joined())

    private func readFeatures(_ source: any FeatureSource, into candidates: inout CandidatePart, summary: inout ImportSummary) throws {
        let path = source.path
        let limits = geometryLimits
        let repair = PolygonRepair(budget: limits.budget)
        var partsInFile = 0
        // Each feature is made a unit as soon as it is read: the file's features are never all in memory at once.
        try source.forEachFeature(limits: GeoJSONLimits(positionsPerFeature: limits.verticesPerFeature,
                                                        positionsPerFile: limits.vertices)) { result in
            summary.rows += 1
            let feature: Feature
            switch result {
            case let .success(value): feature = value
            case let .failure(error):
                summary.rejections.append(Rejection(file: path, line: error.line, field: "geometry",
                                                    reason: Phrase("feature.numbered", arguments: [.text(String(error.index)), .phrase(error.reason)]),
                                                    fields: []))
                return
            }
            func property(_ column: UnitColumn) -> String? {
                for name in Self.featureNames[column] ?? [] {
                    if let value = feature.properties[name], let text = value.stringValue?
                        .trimmed, !text.isEmpty { return text }
                }
                return nil
            }
            func reject(_ field: String, _ reason: Phrase) {
                summary.rejections.append(Rejection(file: path, line: feature.line, field: field,
                                                    reason: Phrase("feature.numbered", arguments: [.text(String(feature.index)), .phrase(reason)]),
                                                    fields: []))
            }
            guard let code = property(.code) else { reject("code", Phrase("unit.missing.code.feature")); return }
            guard let name = property(.name) else { reject("name", Phrase("unit.missing.name", code)); return }
            var level = self.level
            if let text = property(.level) {
                guard let parsed = UnitLevel(argument: text) else {
                    reject("level", Phrase("unit.level.unknown", text))
                    return
                }
                level = parsed
            }
            guard let level else { reject("level", Phrase("unit.missing.level.feature", code)); return }
            var population: Int?
            if let text = property(.population) {
                do { population = try Cell.count(text) } catch let problem as CellProblem {
                    reject("population", problem.phrase)
                    return
                }
            }
            var unit = AdministrativeUnit(code: code, name: name, level: level,
                                          parent: property(.parent),
                                          population: population)
            for (key, value) in feature.properties where !Self.featureKnownNames.contains(key) {
                // Text, numbers and booleans are kept as text; arrays and objects are left out.
                if let text = value.stringValue ?? value.boolValue.map(String.init) { unit.attributes[key] = text }
            }
            let attributeBytes = ImportLimits.bytes(unit.attributes)
            if attributeBytes > ImportLimits.attributeBytes { reject("attributes", ImportLimits.attributesPhrase(attributeBytes)); return }
            switch converted(feature.geometry) {
            case let .point(point):
                unit.location = point
            case let geometry:
                guard var boundary = geometry.asMultiPolygon else { reject("geometry", Phrase("unit.geometry.unsupported")); return }
                // Exact repeats of a part add nothing but work (GEOS would dissolve them again and again).
                if boundary.polygons.count > 1 {
                    var seen = Set<FacilityGeometry.Polygon>()
                    let distinct = boundary.polygons.filter { seen.insert($0).inserted }
                    if distinct.count < boundary.polygons.count {
                        summary.warningPhrases.append(Phrase("warning.repeated-polygons", path, String(feature.line), String(feature.index), code, name,
                                                                      String(boundary.polygons.count - distinct.count), String(boundary.polygons.count)))
                        boundary = MultiPolygon(distinct)
                    }
                }
                if boundary.polygons.count > limits.partsPerFeature {
                    reject("geometry", Phrase("unit.geometry.too-many-parts", String(boundary.polygons.count), String(limits.partsPerFeature)))
                    return
                }
                partsInFile += boundary.polygons.count
                func refuse(_ what: Phrase, raise option: String) -> ImportError {
                    .geometryTooLarge(file: path, line: feature.line, feature: Phrase("unit.feature", String(feature.index), code, name),
                                      what: what, option: option)
                }
                if partsInFile > limits.parts {
                    throw refuse(Phrase("unit.geometry.too-many-parts-in-file", String(limits.parts)), raise: "--max-parts")
                }
                do {
                    let validity = try repair.validity(of: boundary)
                    if !validity.isValid {
                        guard let repaired = try repair.makeValid(boundary) else {
                            reject("geometry", Phrase("unit.geometry.no-area-left", arguments: [
                                .phrase(validity.reason.map(Phrase.geosReason) ?? Phrase("unit.geometry.invalid"))]))
                            return
                        }
                        summary.warningPhrases.append(Phrase("warning.repaired-polygon", arguments: [
                            .text(path), .text(String(feature.line)), .text(String(feature.index)), .text(code), .text(name),
                            .phrase(validity.reason.map(Phrase.geosReason) ?? Phrase("warning.invalid-polygon"))]))
                        boundary = repaired
                    }
                } catch let spent as GeometryBudgetExceeded {
                    throw refuse(spent.phrase, raise: spent.resource == .time ? "--geometry-seconds" : "--geometry-memory-mb")
                } catch let failure as PolygonRepairError {
                    reject("geometry", Phrase("unit.geometry.geos-failed", arguments: [.phrase(failure.phrase)]))
                    return
                }
                unit.boundary = boundary
                unit.location = boundary.representativePoint()
            }
            candidates.append((feature.line, unit, nil))
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

    /// Reads the units of a CSV into `candidates` (a file of 1 MB or more in two halves at once, the second on
    /// another thread) and returns each part's keys in code order.
    private func readCSV(path: String, csv: (reader: CSVReader, columns: ColumnMap<UnitColumn>),
                         into candidates: inout Candidates, summary: inout ImportSummary) throws -> [[CodeKey]] {
        // The two halves of the file at once, the second on another thread (its read is the value it returns).
        let worker = csv.reader.splitRemainder().map { reader in
            Background<SecondHalf, any Error> { [self] in
                var candidates = CandidatePart()
                candidates.reserveCapacity(reader.byteCount / 140)
                let read = try parseCSV(path: path, reader: reader, columns: csv.columns, appendingTo: &candidates)
                let keys = UnitImporter.codeKeys(candidates)
                Trace.mark("second half parsed")
                return SecondHalf(read: read, candidates: candidates, keys: keys)
            }
        }
        defer { _ = try? worker?.value() }
        // Room for about as many units as a file of 70-byte rows holds (untouched capacity costs nothing).
        candidates.parts[0].reserveCapacity(csv.reader.byteCount / 70)
        var parts = [try parseCSV(path: path, reader: csv.reader, columns: csv.columns, appendingTo: &candidates.parts[0])]
        var keys = [UnitImporter.codeKeys(candidates.parts[0])]
        Trace.mark("first half parsed")
        if let worker {
            if csv.reader.endedAtSplit {
                let other = try worker.value()
                candidates.parts.append(other.candidates)
                keys.append(other.keys)
                parts.append(other.read)
            } else {
                // A quoted line break fooled the split: the rest is read here, what the other read is dropped.
                _ = try? worker.value()
                csv.reader.readPastSplit()
                parts.append(try parseCSV(path: path, reader: csv.reader, columns: csv.columns,
                                          appendingTo: &candidates.parts[0]))
                keys[0] = UnitImporter.codeKeys(candidates.parts[0])
            }
        }
        summary.rows = parts.reduce(0) { $0 + $1.rows }
        summary.rejections += parts.flatMap(\.rejections)
        if summary.rows == 0 { throw ImportError.noDataRows(file: path, line: csv.reader.headerLine) }
        return keys
    }

    /// The columns of a table of units, or the error that names those missing.
    private func columns(of reader: any RecordSource) throws -> ColumnMap<UnitColumn> {
        let path = reader.path
        let columns = ColumnMap<UnitColumn>(header: reader.header, aliases: { $0.aliases })
        try columns.checkWidth(file: path, line: reader.headerLine)
        var required: [UnitColumn] = [.code, .name]
        if level == nil { required.append(.level) }
        let missing = columns.missing(required)
        guard missing.isEmpty else {
            throw ImportError.missingColumns(file: path, line: reader.headerLine,
                                             names: columns.missingNames(missing) { $0.aliases[0] })
        }
        return columns
    }

    /// A unit's place in code order (by UTF-8 bytes, as SQLite's BINARY collation orders): the code's first 16
    /// bytes as two big-endian integers, which order almost every pair (longer codes that tie compare in full),
    /// and the unit's position in its part of `Candidates`.
    struct CodeKey {
        var high: UInt64
        var low: UInt64
        var position: Int32
        var long: Bool
    }

    /// The keys of `part`'s units in code order, equal codes in file order.
    static func codeKeys(_ part: CandidatePart) -> [CodeKey] {
        var keys: [CodeKey] = []
        keys.reserveCapacity(part.count)
        part.units.withUnsafeBufferPointer { units in  // in place: iterating the array copies each unit
            for position in units.indices {
                var code = units[position].code
                // The first 16 bytes, zero-padded, as two big-endian words: they compare as the bytes do.
                var prefix: (UInt64, UInt64) = (0, 0)
                let long = code.withUTF8 { utf8 in
                    withUnsafeMutableBytes(of: &prefix) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8).prefix(16))) }
                    return utf8.count > 16
                }
                keys.append(CodeKey(high: UInt64(bigEndian: prefix.0), low: UInt64(bigEndian: prefix.1),
                                    position: Int32(position), long: long))
            }
        }
        keys.sort { a, b in
            let order = compare(a, in: part, b, in: part)
            return order != 0 ? order < 0 : a.position < b.position
        }
        return keys
    }

    /// -1, 0 or 1 as `a`'s code (a unit of `x`) comes before, equals or comes after `b`'s (a unit of `y`).
    private static func compare(_ a: CodeKey, in x: CandidatePart, _ b: CodeKey, in y: CandidatePart) -> Int {
        if a.high != b.high { return a.high < b.high ? -1 : 1 }
        if a.low != b.low { return a.low < b.low ? -1 : 1 }
        guard a.long || b.long else { return 0 }
        let p = x.units[Int(a.position)].code.utf8, q = y.units[Int(b.position)].code.utf8
        if p.elementsEqual(q) { return 0 }
        return p.lexicographicallyPrecedes(q) ? -1 : 1
    }

    /// The positions of `candidates` in code order, equal codes in file order, from each part's `codeKeys`, each
    /// with whether its code is the one before's.
    static func codeOrder(_ candidates: Candidates, keys: [[CodeKey]]) -> [(position: Int, repeated: Bool)] {
        let parts = candidates.parts
        precondition(keys.count == parts.count && keys.count <= 2, "one or two parts, each with its keys")
        let base = parts.count == 2 ? parts[0].count : 0
        var order: [(position: Int, repeated: Bool)] = []
        order.reserveCapacity(keys.reduce(0) { $0 + $1.count })
        var last: (key: CodeKey, part: Int)?
        func append(_ key: CodeKey, _ part: Int) {
            let repeated = last.map { compare($0.key, in: parts[$0.part], key, in: parts[part]) == 0 } ?? false
            order.append((part == 0 ? Int(key.position) : base + Int(key.position), repeated))
            last = (key, part)
        }
        // Two sorted runs merged; on equal codes the first part's unit (earlier in the file) goes first.
        let a = keys[0], b = keys.count == 2 ? keys[1] : []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if compare(a[i], in: parts[0], b[j], in: parts[1]) <= 0 {
                append(a[i], 0); i += 1
            } else {
                append(b[j], 1); j += 1
            }
        }
        while i < a.count { append(a[i], 0); i += 1 }
        while j < b.count { append(b[j], 1); j += 1 }
        return order
    }

    /// Units read by one thread, in file order, with their lines and where their records are (kept apart, so
    /// that the units can be inserted from here without copying).
    struct CandidatePart {
        var units: [AdministrativeUnit] = []
        var lines: [Int] = []
        var positions: [RowPlace?] = []

        var count: Int { units.count }

        mutating func append(_ candidate: Candidate) {
            units.append(candidate.unit)
            lines.append(candidate.line)
            positions.append(candidate.position)
        }

        mutating func reserveCapacity(_ capacity: Int) {
            units.reserveCapacity(capacity)
            lines.reserveCapacity(capacity)
            positions.reserveCapacity(capacity)
        }
    }

    /// Units read from the file, in file order, in one part per thread that read them.
    struct Candidates {
        var parts = [CandidatePart()]

        var count: Int { parts.reduce(0) { $0 + $1.count } }

        /// The units at `positions`, in that order, without copying them.
        func units(at positions: [Int]) -> OrderedUnits {
            OrderedUnits(parts[0].units, parts.count > 1 ? parts[1].units : [], order: positions)
        }

        subscript(position: Int) -> Candidate {
            var position = position
            for part in parts {
                if position < part.count { return (part.lines[position], part.units[position], part.positions[position]) }
                position -= part.count
            }
            preconditionFailure("position \(position) is past the last unit")
        }
    }

    /// What a read of CSV rows counted and rejected.
    private struct CSVRead {
        var rows = 0
        var rejections: [Rejection] = []
    }

    /// What the thread reading a file's second half gives back.
    private struct SecondHalf {
        let read: CSVRead
        let candidates: CandidatePart
        let keys: [CodeKey]
    }

    /// Reads every row `reader` gives, appending the units to `candidates`: plain rows from their bytes
    /// (`UnitFastPath`), the others as text. Returns the rows counted and rejected.
    private func parseCSV(path: String, reader: CSVReader, columns: ColumnMap<UnitColumn>,
                          appendingTo candidates: inout CandidatePart) throws -> CSVRead {
        var parsed = CSVRead()
        let fastPath = UnitFastPath(columns: columns, level: level, coordinateSystem: coordinateSystem)
        let record = CSVRawRecord()
        var rows = 0
        while try reader.nextRaw(into: record) {
            rows += 1
            if let unit = fastPath.unit(record) {
                candidates.append((record.line, unit, .record(record.position)))
                continue
            }
            let row = try reader.row(of: record)
            do {
                candidates.append((row.line, try unit(of: row, in: reader, columns: columns), .record(record.position)))
            } catch let rejected as RowRejected {
                parsed.rejections.append(rejected.rejection)
            }
        }
        parsed.rows = rows
        return parsed
    }

    /// Reads every row of a table that is not a CSV (its rows as text), appending the units to `candidates` with their
    /// fields (a rejection of a repeated code gives them).
    private func readRows(_ reader: any RecordSource, columns: ColumnMap<UnitColumn>,
                          into candidates: inout CandidatePart, summary: inout ImportSummary) throws {
        while let row = try reader.next() {
            summary.rows += 1
            do {
                candidates.append((row.line, try unit(of: row, in: reader, columns: columns), .fields(row.fields)))
            } catch let rejected as RowRejected {
                summary.rejections.append(rejected.rejection)
            }
        }
        if summary.rows == 0 { throw ImportError.noDataRows(file: reader.path, line: reader.headerLine) }
    }

    /// A row's rejection, thrown by `unit(of:in:columns:)`.
    private struct RowRejected: Error {
        let rejection: Rejection
    }

    /// The unit of a table's row read as text; throws its rejection (`RowRejected`), naming every bad field.
    private func unit(of row: CSVRow, in reader: any RecordSource, columns: ColumnMap<UnitColumn>) throws -> AdministrativeUnit {
        let header = reader.header
        func rejection(_ field: String, _ reason: Phrase) -> RowRejected {
            RowRejected(rejection: Rejection(file: reader.path, line: row.line, field: field, reason: reason, fields: row.fields,
                                             cell: reader.cell(line: row.line, field: field)))
        }
        if let problem = row.problems.first {
            throw rejection(problem.column < header.count ? header[problem.column] : "column \(problem.column + 1)", problem.reason)
        }
        // Every field is read, and every bad one reported in one rejection.
        var problems: [(field: String, reason: Phrase)] = []
        func cell<T>(_ field: UnitColumn, _ parse: (String?) throws -> T?) -> T? {
            do { return try parse(columns.value(field, in: row.fields)) }
            catch let problem as CellProblem { problems.append((columns.name(field), problem.phrase)); return nil }
            catch { problems.append((columns.name(field), .verbatim("\(error)"))); return nil }
        }
        let code = columns.value(.code, in: row.fields)
        if code == nil { problems.append((columns.name(.code), Phrase("unit.missing.code"))) }
        let name = columns.value(.name, in: row.fields)
        if name == nil { problems.append((columns.name(.name), Phrase("unit.missing.name", code ?? ""))) }
        var level = self.level
        if let text = columns.value(.level, in: row.fields) {
            level = UnitLevel(argument: text)
            if level == nil {
                problems.append((columns.name(.level), Phrase("unit.level.unknown", text)))
            }
        } else if level == nil {
            problems.append((columns.name(.level), Phrase("unit.missing.level")))
        }
        let population = cell(.population, Cell.count)
        var location: LonLat?
        let lonText = columns.value(.lon, in: row.fields), latText = columns.value(.lat, in: row.fields)
        if lonText != nil || latText != nil {
            let lon = cell(.lon) { try Cell.coordinate($0, name: "longitude", range: -180...180) }
            let lat = cell(.lat) { try Cell.coordinate($0, name: "latitude", range: -90...90) }
            if let lon, let lat { location = coordinateSystem.toWGS84(LonLat(lon, lat)) }
        }
        let attributes = columns.attributes(in: row.fields)
        let size = ImportLimits.bytes(attributes)
        if size > ImportLimits.attributeBytes { problems.append(("attributes", ImportLimits.attributesPhrase(size))) }
        if let first = problems.first {
            throw rejection(first.field, problems.count == 1 ? first.reason
                : .sequence([first.reason] + problems.dropFirst().map { Phrase.labelled($0.field, $0.reason) }))
        }
        return AdministrativeUnit(code: code!, name: name!, level: level!, parent: columns.value(.parent, in: row.fields),
                                  population: population, location: location, attributes: attributes)
    }
}

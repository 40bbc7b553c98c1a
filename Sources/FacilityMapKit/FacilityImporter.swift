import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import Foundation

/// Imports a facilities CSV into a store: validates each row, upserts the good ones by `id`, in one transaction.
public struct FacilityImporter {
    public var coordinateSystem: CoordinateSystem = .wgs84
    public var encoding: EncodingChoice = .auto
    /// Reject the whole file (write nothing) when any row is bad.
    public var strict = false
    /// Where to write rejected rows, with a `reason` column.
    public var rejectsPath: String?
    /// The rejects file's encoding; nil: the input's own (GB18030 for a GB18030 file, else UTF-8 with a byte order mark).
    public var rejectsEncoding: CSVOutputEncoding?
    public var progress: ImportProgress?
    /// Who imports, for the import log and the facilities' history (default: `local user NAME`).
    public var author: String = ImportSummary.localAuthor
    /// The file's name in messages and the import log, when `path` is a copy (an upload).
    public var sourceName: String?
    /// When set, every row must lie within it, or the whole file is refused (`ImportError.outsideScope`).
    public var scope: WriteScope?
    /// Run inside the import's transaction just before it is recorded; what it throws rolls the import back (the
    /// server checks there that the uploading token still exists).
    public var commitCheck: (@Sendable (any RegistryStore) throws -> Void)?

    public init(coordinateSystem: CoordinateSystem = .wgs84, encoding: EncodingChoice = .auto, strict: Bool = false,
                rejectsPath: String? = nil, progress: ImportProgress? = nil) {
        self.coordinateSystem = coordinateSystem
        self.encoding = encoding
        self.strict = strict
        self.rejectsPath = rejectsPath
        self.progress = progress
    }

    /// Imports `path` into `store`. Throws when the file is refused as a whole; otherwise the summary says
    /// what was taken and what was rejected.
    public func run(path: String, into store: any RegistryStore) throws -> ImportSummary {
        try run(source: RecordSources.table(path: path, encoding: encoding), into: store)
    }

    /// Imports the rows of `reader` (any format: `RecordSource`) into `store`. A source that also gives raw records
    /// (CSV) takes the byte path into an empty SQLite store; every other row goes the text path.
    public func run(source reader: any RecordSource, into store: any RegistryStore) throws -> ImportSummary {
        let path = reader.path
        let columns = ColumnMap<FacilityColumn>(header: reader.header, aliases: { $0.aliases })
        try columns.checkWidth(file: path, line: reader.headerLine)
        let missing = columns.missing(FacilityColumn.required)
        guard missing.isEmpty else {
            throw ImportError.missingColumns(file: path, line: reader.headerLine,
                                             names: columns.missingNames(missing) { $0.aliases[0] })
        }
        // The file's SHA-256 (for the import log) is computed on the other core meanwhile.
        let hashing = Background<String, any Error> { try SHA256.hex(ofFileAt: path) }
        var summary = ImportSummary(file: sourceName ?? path, sha256: "")
        summary.header = reader.header
        summary.warnings += columns.lookalikeWarnings
        Trace.mark("import: header read")
        let areas = try AreaIndex(store: store, levels: [.city, .district])
        Trace.mark("import: areas read")
        var unknownUnits = 0
        // A small file (under 2 MB, some 20,000 rows) does not read every unit code: a few rows into a store of
        // millions take as long as the rows.
        let large = reader.byteCount >= 2_000_000
        let knownUnits = try KnownUnitCodes(store: store, readAll: large)
        Trace.mark("import: unit codes read")

        /// Refuses a file without rows, and rolls a strict import with rejected rows back.
        func refuseIfNeeded() throws {
            if summary.rows == 0 { throw ImportError.noDataRows(file: path, line: reader.headerLine) }
            if strict && !summary.rejections.isEmpty { throw StrictRollback() }
        }
        /// The end of the transaction: the import recorded in the log.
        func finish(_ writer: any RegistryWriter) throws {
            summary.sha256 = try hashing.value()
            summary.previousImport = try store.lastImport(sha256: summary.sha256, layer: "facilities")
            try commitCheck?(store)
            summary.number = try writer.record(summary.record(layer: "facilities", author: author))
        }
        do {
            if let sqlite = store as? SQLiteStore {
                let holdsFacilities = try sqlite.holdsFacilities()
                // Into a store that holds facilities every import is a bulk load through upserts: SpatiaLite's per-row
                // triggers (a geometry check and a timestamp update each) lifted, the new points given to the R*Tree at
                // the end (rebuilt when they are many). Into an empty store, a large file is one through the inserter.
                let bulk = holdsFacilities || reader.byteCount / 100 > 20_000
                try sqlite.write { writer in
                    let bulkLoad = bulk ? try writer.beginBulkLoad() : nil
                    var inserter: FacilityInserter?
                    if !holdsFacilities && scope == nil, let raw = reader as? any RawRecordSource {
                        inserter = try writer.facilityInserter(for: bulkLoad)
                        try insertAll(reader: raw, columns: columns, areas: areas, knownUnits: knownUnits.allCodes(),
                                      inserter: inserter!, summary: &summary, unknownUnits: &unknownUnits)
                        if summary.new > 0 { try writer.recordCreations(fromPK: 1) }
                    } else {
                        try upsertAll(reader: reader, columns: columns, areas: areas, knownUnits: knownUnits,
                                      store: store, writer: writer, summary: &summary, unknownUnits: &unknownUnits)
                    }
                    try refuseIfNeeded()
                    if let bulkLoad { try writer.finishBulkLoad(bulkLoad, inserter: inserter) }
                    try finish(writer)
                }
            } else {
                // Other engines take the rows in batches (PostGIS: each batch one COPY).
                try store.update { writer in
                    try upsertAll(reader: reader, columns: columns, areas: areas, knownUnits: knownUnits,
                                  store: store, writer: writer, summary: &summary, unknownUnits: &unknownUnits)
                    try refuseIfNeeded()
                    try finish(writer)
                }
            }
        } catch is StrictRollback {
            summary.committed = false
        }
        if summary.sha256.isEmpty {
            summary.sha256 = try hashing.value()
            summary.previousImport = try store.lastImport(sha256: summary.sha256, layer: "facilities")
        }
        progress?(summary.rows, reader.byteCount, reader.byteCount)
        if unknownUnits > 0 {
            summary.warnings.append("\(counted(unknownUnits, "row")) \(unknownUnits == 1 ? "names" : "name") a unit (\(columns.name(.unit))) that is not in the store — import the units, or check the codes")
        }
        if let rejectsPath, !summary.rejections.isEmpty {
            try RejectsFile.write(summary.rejections, header: reader.header, encoding: rejectsEncoding ?? reader.rejectsEncoding, to: rejectsPath)
        }
        return summary
    }

    /// Imports into a store that holds no facilities. One thread reads and parses (plain rows take the byte
    /// path, `FacilityFastPath`; the others are parsed as text) while this one stores; a repeated id is
    /// caught by the store's unique index.
    private func insertAll(reader: any RawRecordSource, columns: ColumnMap<FacilityColumn>, areas: AreaIndex, knownUnits: CodeTable,
                           inserter: FacilityInserter, summary: inout ImportSummary, unknownUnits: inout Int) throws {
        let parsing = ParsingState()
        let batches = Producer<FacilityBatch> { [self] push in
            try parseAll(reader: reader, columns: columns, areas: areas, knownUnits: knownUnits, push: push, state: parsing)
        }
        defer { batches.stop() }

        // The line of each stored row, by pk (rows are stored with consecutive pks from `firstPK`).
        var lines: [Int32] = []
        var firstPK: Int64 = -1
        var otherLines: [Int64: Int] = [:]
        var duplicates: [(position: CSVRecordPosition, first: Int)] = []
        var nextProgress = 50_000
        while let batch = try batches.next() {
            summary.rejections += batch.rejections
            try batch.withRows { count, row in
                try inserter.insert(count: count, row: row) { index, outcome in
                    let entry = batch.entries[index]
                    switch outcome {
                    case let .inserted(pk):
                        if entry.unknownUnit { unknownUnits += 1 }
                        if firstPK < 0 { firstPK = pk }
                        if pk == firstPK + Int64(lines.count) {
                            lines.append(Int32(clamping: entry.position.line))
                        } else {
                            otherLines[pk] = entry.position.line
                        }
                        summary.new += 1
                    case let .duplicate(pk):
                        let offset = Int(pk - firstPK)
                        let first = otherLines[pk] ?? (offset >= 0 && offset < lines.count ? Int(lines[offset]) : 0)
                        duplicates.append((entry.position, first))
                    }
                }
            }
            if batch.rowsRead >= nextProgress {
                progress?(batch.rowsRead, batch.bytesRead, reader.byteCount)
                nextProgress = batch.rowsRead + 50_000
            }
        }
        batches.stop()
        summary.rows = parsing.rows
        for (position, first) in duplicates {
            let row = try reader.row(at: position)
            summary.rejections.append(repeatedID(columns.value(.id, in: row.fields) ?? "", in: row, firstLine: first,
                                                 file: reader.path, columns: columns))
        }
        summary.rejections.sort { $0.line < $1.line }
    }

    /// What the parsing thread counted, read after it has finished.
    private final class ParsingState: @unchecked Sendable {
        var rows = 0
    }

    /// The parsing thread: reads every record of `reader`, parses it, and hands the results over in batches.
    private func parseAll(reader: any RawRecordSource, columns: ColumnMap<FacilityColumn>, areas: AreaIndex, knownUnits: CodeTable,
                          push: (FacilityBatch) -> Bool, state: ParsingState) throws {
        let fastPath = FacilityFastPath(columns: columns, coordinateSystem: coordinateSystem, areas: areas)
        let record = CSVRawRecord()
        let batchSize = 2048
        var batch = FacilityBatch(capacity: batchSize)
        var rows = 0
        let checkUnits = knownUnits.count > 0
        while try reader.nextRaw(into: record) {
            rows += 1
            let taken = fastPath.withRow(record) { row -> Bool in
                let unknownUnit = checkUnits && row.unit.map { !knownUnits.contains($0) } == true
                batch.append(row, position: record.position, unknownUnit: unknownUnit)
                return true
            }
            if taken == nil {
                let row = try reader.row(of: record)
                do {
                    let facility = try parse(row, columns: columns, areas: areas)
                    let unknownUnit = checkUnits && facility.unit.map { !knownUnits.contains($0) } == true
                    batch.append(facility, position: record.position, unknownUnit: unknownUnit)
                } catch let problem as RowProblem {
                    batch.rejections.append(Rejection(file: reader.path, line: row.line, field: problem.field,
                                                      message: problem.message, fields: row.fields))
                }
            }
            if batch.count + batch.rejections.count >= batchSize {
                batch.rowsRead = rows
                batch.bytesRead = reader.bytesRead
                guard push(batch) else { return }
                batch = FacilityBatch(capacity: batchSize)
            }
        }
        batch.rowsRead = rows
        batch.bytesRead = reader.bytesRead
        _ = push(batch)
        state.rows = rows
    }

    /// Rows parsed as text, for the upsert path: the facilities with their lines, and the rows rejected.
    struct ParsedBatch {
        var facilities: [Facility] = []
        var lines: [Int] = []
        var rejections: [Rejection] = []
        var unknownUnits = 0
        var rowsRead = 0
        var bytesRead = 0
    }

    /// Imports into a store that holds facilities (or any store not SQLite): one thread parses each row as text
    /// while this one upserts them by id, 10,000 at a time (on PostGIS, the database works meanwhile too).
    private func upsertAll(reader: any RecordSource, columns: ColumnMap<FacilityColumn>, areas: AreaIndex, knownUnits: KnownUnitCodes,
                           store: any RegistryStore, writer: any RegistryWriter, summary: inout ImportSummary,
                           unknownUnits: inout Int) throws {
        // Every code at hand: looked up by the parsing thread; else here, one store read per distinct code.
        let table = knownUnits.table
        let batches = Producer<ParsedBatch>(capacity: 2) { [self] push in
            // The ids seen so far, by their bytes (as the store's unique index tells them apart), with their lines.
            var seen = CodeTable(minimumCapacity: min(reader.byteCount / 80, 10_000_000), ordered: true)
            var firstLine: [Int] = []
            var batch = ParsedBatch()
            var rows = 0
            /// Takes a parsed facility of line `line` (`row` gives its text row, for a rejection), or rejects its repeated id.
            func take(_ facility: Facility, line: Int, row: () throws -> CSVRow) throws {
                var id = facility.id
                let number = id.withUTF8 { seen.insert($0) }
                if number < firstLine.count {
                    batch.rejections.append(repeatedID(facility.id, in: try row(), firstLine: firstLine[number], file: reader.path, columns: columns))
                } else {
                    firstLine.append(line)
                    if let unit = facility.unit, let table, table.count > 0, !table.contains(unit) { batch.unknownUnits += 1 }
                    batch.facilities.append(facility)
                    batch.lines.append(line)
                }
            }
            /// Parses a row as text (every form, every rejection worded).
            func parseText(_ row: CSVRow) throws {
                do {
                    try take(try parse(row, columns: columns, areas: areas), line: row.line, row: { row })
                } catch let problem as RowProblem {
                    batch.rejections.append(Rejection(file: reader.path, line: row.line, field: problem.field,
                                                      message: problem.message, fields: row.fields))
                }
            }
            /// Hands the batch over when full; false when the consumer stopped.
            func handOver() -> Bool {
                guard batch.facilities.count == 10_000 else { return true }
                batch.rowsRead = rows
                batch.bytesRead = reader.bytesRead
                guard push(batch) else { return false }
                batch = ParsedBatch()
                return true
            }
            if let raw = reader as? any RawRecordSource {
                // Plain rows from their bytes (`FacilityFastPath`, as the bulk path reads them), the others as text.
                let fastPath = FacilityFastPath(columns: columns, coordinateSystem: coordinateSystem, areas: areas)
                let record = CSVRawRecord()
                while try raw.nextRaw(into: record) {
                    rows += 1
                    if let facility = fastPath.withRow(record, { Facility($0) }) {
                        try take(facility, line: record.line, row: { try raw.row(of: record) })
                    } else {
                        try parseText(try raw.row(of: record))
                    }
                    guard handOver() else { return }
                }
            } else {
                while let row = try reader.next() {
                    rows += 1
                    try parseText(row)
                    guard handOver() else { return }
                }
            }
            batch.rowsRead = rows
            batch.bytesRead = reader.bytesRead
            _ = push(batch)
        }
        defer { batches.stop() }
        var nextProgress = 50_000
        while let batch = try batches.next() {
            summary.rows = batch.rowsRead
            summary.rejections += batch.rejections
            unknownUnits += batch.unknownUnits
            if table == nil {
                for facility in batch.facilities { if let unit = facility.unit, try knownUnits.isUnknown(unit) { unknownUnits += 1 } }
            }
            if let scope {
                // The batch's stored facilities in one call (an engine may answer it in one query).
                let storedByID = try store.facilities(ids: batch.facilities.map(\.id))
                for (facility, line) in zip(batch.facilities, batch.lines) {
                    let stored = storedByID[facility.id]
                    if let refusal = scope.refusal(of: facility) ?? stored.flatMap(scope.refusal(of:)).map({ "the stored facility: \($0)" }) {
                        throw ImportError.outsideScope(file: sourceName ?? reader.path, line: line, id: facility.id,
                                                       token: scope.token.name, reason: refusal)
                    }
                }
            }
            for outcome in try writer.upsert(batch.facilities) { summary.count(outcome) }
            if batch.rowsRead >= nextProgress {
                progress?(batch.rowsRead, batch.bytesRead, reader.byteCount)
                nextProgress = batch.rowsRead + 50_000
            }
        }
        summary.rejections.sort { $0.line < $1.line }
    }

    /// The rejection of a row whose id an earlier row (kept) has.
    private func repeatedID(_ id: String, in row: CSVRow, firstLine: Int, file: String,
                            columns: ColumnMap<FacilityColumn>) -> Rejection {
        Rejection(file: file, line: row.line, field: columns.name(.id),
                  message: "\(id) is also on line \(firstLine), which is kept — give each facility its own id",
                  fields: row.fields)
    }

    /// What is wrong with a row: every bad field, the first named as `field`, the others after the first message
    /// (`床位数: many is not a whole number …; 开办日期: 2020-13 is not a date …`).
    struct RowProblem: Error {
        let field: String
        let message: String

        init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        init?(_ problems: [(field: String, message: String)]) {
            guard let first = problems.first else { return nil }
            field = first.field
            message = ([first.message] + problems.dropFirst().map { "\($0.field): \($0.message)" }).joined(separator: "; ")
        }
    }

    func parse(_ row: CSVRow, columns: ColumnMap<FacilityColumn>, areas: AreaIndex) throws -> Facility {
        if let problem = row.problems.first {
            let field = problem.column < columns.header.count ? columns.header[problem.column] : "column \(problem.column + 1)"
            throw RowProblem(field: field, message: problem.message)
        }
        if row.fields.count > columns.header.count {
            throw RowProblem(field: "row", message: "has \(row.fields.count) fields but the header has \(columns.header.count) — check the quoting and commas")
        }
        // Every field is read, and every bad one reported.
        var problems: [(field: String, message: String)] = []
        func cell<T>(_ field: FacilityColumn, _ parse: (String?) throws -> T?) -> T? {
            do { return try parse(columns.value(field, in: row.fields)) }
            catch let problem as CellProblem { problems.append((columns.name(field), problem.message)); return nil }
            catch { problems.append((columns.name(field), "\(error)")); return nil }
        }
        func required(_ field: FacilityColumn, what: String) -> String? {
            guard let value = columns.value(field, in: row.fields) else {
                problems.append((columns.name(field), "missing — every row needs \(what)"))
                return nil
            }
            return value
        }
        let id = required(.id, what: "an id (编号)")
        let name = required(.name, what: "a name (名称)")
        var kind: FacilityKind?
        if let kindText = required(.kind, what: "a kind (类型)") {
            kind = FacilityKind(argument: kindText)
            if kind == nil { problems.append((columns.name(.kind), FacilityKind.unknownMessage(kindText))) }
        }
        var location: LonLat?
        let lon = cell(.lon) { try Cell.coordinate($0, name: "longitude (经度)", range: -180...180) }
        do {
            let lat = try Cell.coordinate(columns.value(.lat, in: row.fields), name: "latitude (纬度)", range: -90...90)
            if let lon {
                let source = LonLat(lon, lat)
                let wgs84 = coordinateSystem.toWGS84(source)
                if !areas.isEmpty && !areas.covers(wgs84) {
                    problems.append(("\(columns.name(.lon))/\(columns.name(.lat))", areas.outsideMessage(source: source, given: coordinateSystem)))
                } else {
                    location = wgs84
                }
            }
        } catch let problem as CellProblem {
            // A latitude above 90 with a longitude that would be a latitude: the columns are swapped.
            if let lon, let text = columns.value(.lat, in: row.fields), let value = Double(Cell.plainNumber(text)), value.isFinite,
               value.magnitude <= 180, lon.magnitude <= 90 {
                var message = problem.message + " — lon and lat look swapped"
                if let area = areas.containing(coordinateSystem.toWGS84(LonLat(value, lon))) {
                    message += "; swapping lon and lat would place it in \(area.name) (\(area.code))"
                }
                problems.append(("\(columns.name(.lon))/\(columns.name(.lat))", message))
            } else {
                problems.append((columns.name(.lat), problem.message))
            }
        }
        let opened = cell(.opened) { try Cell.day($0, bareYearMeansEnd: false) }
        let closed = cell(.closed) { try Cell.day($0, bareYearMeansEnd: true) }
        if let opened, let closed, closed < opened {
            problems.append((columns.name(.closed), "\(closed) is before the opening date \(opened)"))
        }
        let beds = cell(.beds, Cell.count), doctors = cell(.doctors, Cell.count), gps = cell(.gps, Cell.count)
        let places = cell(.places, Cell.count), inclusive = cell(.inclusive, Cell.boolean)
        let attributes = columns.attributes(in: row.fields)
        let size = ImportLimits.bytes(attributes)
        if size > ImportLimits.attributeBytes { problems.append(("attributes", ImportLimits.attributesMessage(size))) }
        if let problem = RowProblem(problems) { throw problem }
        return Facility(
            id: id!, name: name!, kind: kind!, location: location!, unit: columns.value(.unit, in: row.fields),
            beds: beds, doctors: doctors, gps: gps, places: places, inclusive: inclusive,
            level: columns.value(.level, in: row.fields), opened: opened, closed: closed,
            attributes: attributes)
    }
}

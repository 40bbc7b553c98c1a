import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityRegistry
import FacilityText
import Foundation

/// Imports a facilities CSV into a store: validates each row, upserts the good ones by `id`, in one transaction.
public struct FacilityImporter {
    public var coordinateSystem: CoordinateSystem = .wgs84
    public var encoding: EncodingChoice = .auto
    /// A workbook's sheet and header row (`--sheet`, `--header-row`).
    public var workbook = WorkbookOptions()
    /// A Shapefile's projected system when told (`--crs EPSG:NNNN`), over its `.prj`.
    public var projection: RecordSources.Projection?
    /// Reject the whole file (write nothing) when any row is bad.
    public var strict = false
    /// Where to write rejected rows, with a `reason` column.
    public var rejectsPath: String?
    /// The rejects file's encoding; nil: the input's own (GB18030 for a GB18030 file, else UTF-8 with a byte order mark).
    public var rejectsEncoding: CSVOutputEncoding?
    /// The language of the rejects file's reason column (the command line's; English by default, as the API's).
    public var language: Language = .en
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
        try run(source: RecordSources.table(path: path, encoding: encoding, leaving: GeoJSONExport.derivedProperties,
                                            workbook: workbook, projection: projection), into: store)
    }

    /// Imports the rows of `reader` (any format: `RecordSource`) into `store`. A source that also gives raw records
    /// (CSV) takes the byte path into an empty SQLite store; every other row goes the text path.
    public func run(source reader: any RecordSource, into store: any RegistryStore) throws -> ImportSummary {
        let path = reader.path
        let columns = ColumnMap<FacilityField>(header: reader.header, aliases: { $0.aliases })
        try columns.checkWidth(file: path, line: reader.headerLine)
        let missing = columns.missing(FacilityField.required)
        guard missing.isEmpty else {
            throw ImportError.missingColumns(file: path, line: reader.headerLine,
                                             names: columns.missingNames(missing) { $0.aliases[0] })
        }
        // The file's SHA-256 (for the import log) is computed on the other core meanwhile.
        let hashing = Background<String, any Error> { try SHA256.hex(ofFileAt: path) }
        var summary = ImportSummary(file: sourceName ?? path, sha256: "")
        summary.header = reader.header
        summary.warningPhrases += columns.lookalikeWarnings
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
            // The engine chooses how to store the rows (`importFacilities`): they come a batch at a time.
            try store.importFacilities(expectedRows: reader.byteCount / 100) { writer in
                try storeAll(reader: reader, columns: columns, areas: areas, knownUnits: knownUnits, store: store,
                             writer: writer, summary: &summary, unknownUnits: &unknownUnits)
                try refuseIfNeeded()
                try finish(writer)
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
            summary.warningPhrases.append(Phrase(unknownUnits == 1 ? "warning.unknown-unit.one" : "warning.unknown-unit.other",
                                                 String(unknownUnits), columns.name(.unit)))
        }
        if let rejectsPath, !summary.rejections.isEmpty {
            try RejectsFile.write(summary.rejections, header: reader.header, encoding: rejectsEncoding ?? reader.rejectsEncoding, to: rejectsPath,
                                  language: language)
        }
        return summary
    }

    /// Reads, parses and stores every row of `reader`. One thread reads and parses — plain rows of a CSV from their
    /// bytes (`FacilityFastPath`), the others as text — while this one hands the rows to `writer` a batch at a time;
    /// the store tells a row whose id an earlier row has (`.repeated`), which is then rejected naming that row's line.
    private func storeAll(reader: any RecordSource, columns: ColumnMap<FacilityField>, areas: AreaIndex,
                          knownUnits: KnownUnitCodes, store: any RegistryStore, writer: any RegistryWriter,
                          summary: inout ImportSummary, unknownUnits: inout Int) throws {
        // Every code at hand: looked up by the parsing thread; else here, one store read per distinct code.
        let table = knownUnits.table
        let checkUnits = table.map { $0.count > 0 } ?? false
        let batchSize = 2048
        let raw = reader as? any RawRecordSource
        let batches = Producer<FacilityBatch> { [self] push in
            var batch = FacilityBatch(capacity: batchSize)
            var rows = 0
            /// How far the reading thread of a text source has read (the source itself is that thread's meanwhile).
            var aheadBytes = 0
            /// Parses a row as text (every form, every rejection worded) and takes it.
            func parseText(_ row: CSVRow, at place: FacilityBatch.RowPlace) throws {
                do {
                    let facility = try parse(row, columns: columns, areas: areas)
                    batch.rows.append(facility)
                    batch.lines.append(Int32(clamping: row.line))
                    batch.places.append(place)
                    batch.unknownUnit.append(checkUnits && facility.unit.map { !table!.contains($0) } == true)
                } catch let problem as RowProblem {
                    batch.rejections.append(Rejection(file: reader.path, line: row.line, field: problem.field,
                                                      reason: problem.reason, fields: row.fields,
                                                      cell: reader.cell(line: row.line, field: problem.field)))
                }
            }
            /// Hands the batch over when full; false when the consumer stopped.
            func handOver() -> Bool {
                guard batch.rows.count + batch.rejections.count >= batchSize else { return true }
                batch.rowsRead = rows
                batch.bytesRead = raw == nil ? aheadBytes : reader.bytesRead
                guard push(batch) else { return false }
                batch = FacilityBatch(capacity: batchSize)
                return true
            }
            if let raw {
                let fastPath = FacilityFastPath(columns: columns, coordinateSystem: coordinateSystem, areas: areas)
                let record = CSVRawRecord()
                while try raw.nextRaw(into: record) {
                    rows += 1
                    let taken: Void? = fastPath.withRow(record) { row in
                        batch.rows.append(row)
                        batch.lines.append(Int32(clamping: record.line))
                        batch.places.append(.record(record.position))
                        batch.unknownUnit.append(checkUnits && row.unit.map { !table!.contains($0) } == true)
                    }
                    if taken == nil { try parseText(try raw.row(of: record), at: .record(record.position)) }
                    guard handOver() else { return }
                }
            } else {
                // Rows read as text (a workbook's, a GeoJSON's points) are read on a thread of their own, a thousand
                // at a time, while this one parses them: reading a workbook's XML costs as much as the parsing.
                let ahead = Producer<(rows: [CSVRow], bytesRead: Int)>(capacity: 4) { push in
                    var chunk: [CSVRow] = []
                    chunk.reserveCapacity(1024)
                    while let row = try reader.next() {
                        chunk.append(row)
                        guard chunk.count == 1024 else { continue }
                        guard push((chunk, reader.bytesRead)) else { return }
                        chunk.removeAll(keepingCapacity: true)
                    }
                    if !chunk.isEmpty { _ = push((chunk, reader.bytesRead)) }
                }
                defer { ahead.stop() }
                while let chunk = try ahead.next() {
                    aheadBytes = chunk.bytesRead
                    for row in chunk.rows {
                        rows += 1
                        try parseText(row, at: .fields(row.fields))
                        guard handOver() else { return }
                    }
                }
                ahead.stop()
            }
            batch.rowsRead = rows
            batch.bytesRead = reader.bytesRead
            _ = push(batch)
        }
        defer { batches.stop() }
        // The line of each row handed to the store, by its place among them (what `.repeated` names).
        var lines: [Int32] = []
        var repeated: [(place: FacilityBatch.RowPlace, line: Int, id: String, firstLine: Int)] = []
        var nextProgress = 50_000
        while let batch = try batches.next() {
            summary.rows = batch.rowsRead
            summary.rejections += batch.rejections
            if let scope {
                // The batch's stored facilities in one call (an engine may answer it in one query).
                let facilities = batch.rows.facilities()
                let storedByID = try store.facilities(ids: facilities.map(\.id))
                for (facility, line) in zip(facilities, batch.lines) {
                    let stored = storedByID[facility.id]
                    if let refusal = scope.refusal(of: facility) ?? stored.flatMap(scope.refusal(of:)).map({ "the stored facility: \($0)" }) {
                        throw ImportError.outsideScope(file: sourceName ?? reader.path, line: Int(line), id: facility.id,
                                                       token: scope.token.name, reason: refusal)
                    }
                }
            }
            lines += batch.lines
            let outcomes = try writer.store(batch.rows)
            try batch.rows.withRows { _, row in
                for (index, outcome) in outcomes.enumerated() {
                    switch outcome {
                    case .inserted: summary.new += 1
                    case .updated: summary.updated += 1
                    case .unchanged: summary.unchanged += 1
                    case let .repeated(of: kept):
                        repeated.append((batch.places[index], Int(batch.lines[index]), String(decoding: row(index).id, as: UTF8.self),
                                         Int(lines[kept])))
                        continue
                    }
                    if batch.unknownUnit[index] {
                        unknownUnits += 1
                    } else if table == nil, let unit = row(index).unit,
                              try knownUnits.isUnknown(String(decoding: unit, as: UTF8.self)) {
                        unknownUnits += 1
                    }
                }
            }
            if batch.rowsRead >= nextProgress {
                progress?(batch.rowsRead, batch.bytesRead, reader.byteCount)
                nextProgress = batch.rowsRead + 50_000
            }
        }
        batches.stop()
        // Rows read again once the parsing thread has stopped reading.
        for (place, line, id, firstLine) in repeated {
            let fields: [String]
            switch place {
            case let .record(position): fields = try raw!.row(at: position).fields
            case let .fields(kept): fields = kept
            }
            summary.rejections.append(Rejection(
                file: reader.path, line: line, field: columns.name(.id),
                message: "\(id) is also on line \(firstLine), which is kept — give each facility its own id", fields: fields,
                cell: reader.cell(line: line, field: columns.name(.id))))
        }
        summary.rejections.sort { $0.line < $1.line }
    }

    /// What is wrong with a row: every bad field, the first named as `field`, the others after the first message
    /// (`床位数: many is not a whole number …; 开办日期: 2020-13 is not a date …`), to be said in any language.
    struct RowProblem: Error {
        let field: String
        let reason: Phrase

        var message: String { reason.text(in: .en) }

        init(field: String, reason: Phrase) {
            self.field = field
            self.reason = reason
        }

        init(field: String, message: String) {
            self.init(field: field, reason: .verbatim(message))
        }

        init?(_ problems: [(field: String, reason: Phrase)]) {
            guard let first = problems.first else { return nil }
            field = first.field
            reason = problems.count == 1 ? first.reason
                : .sequence([first.reason] + problems.dropFirst().map { Phrase.labelled($0.field, $0.reason) })
        }
    }

    /// `text` is no kind: the nearest one's names, else every kind's.
    static func unknownKind(_ text: String) -> Phrase {
        if let (name, kind) = FacilityKind.nearest(to: text) {
            return Phrase("row.kind.near", text, name, name == kind.rawValue ? kind.chineseNames[0] : kind.rawValue)
        }
        return Phrase("row.kind.unknown", arguments: [.text(text), .phrase(.list(FacilityKind.namedKinds))])
    }

    func parse(_ row: CSVRow, columns: ColumnMap<FacilityField>, areas: AreaIndex) throws -> Facility {
        if let problem = row.problems.first {
            let field = problem.column < columns.header.count ? columns.header[problem.column] : "column \(problem.column + 1)"
            throw RowProblem(field: field, reason: problem.reason)
        }
        if row.fields.count > columns.header.count {
            throw RowProblem(field: "row", reason: Phrase("row.width", String(row.fields.count), String(columns.header.count)))
        }
        // Every field is read, and every bad one reported.
        var problems: [(field: String, reason: Phrase)] = []
        func cell<T>(_ field: FacilityField, _ parse: (String?) throws -> T?) -> T? {
            do { return try parse(columns.value(field, in: row.fields)) }
            catch let problem as CellProblem { problems.append((columns.name(field), problem.phrase)); return nil }
            catch { problems.append((columns.name(field), .verbatim("\(error)"))); return nil }
        }
        func required(_ field: FacilityField) -> String? {
            guard let value = columns.value(field, in: row.fields) else {
                problems.append((columns.name(field), Phrase("row.missing.\(field.rawValue)")))
                return nil
            }
            return value
        }
        let id = required(.id)
        let name = required(.name)
        var kind: FacilityKind?
        if let kindText = required(.kind) {
            kind = FacilityKind(argument: kindText)
            if kind == nil { problems.append((columns.name(.kind), Self.unknownKind(kindText))) }
        }
        var location: LonLat?
        let lon = cell(.lon) { try Cell.coordinate($0, name: "longitude", range: -180...180) }
        do {
            let lat = try Cell.coordinate(columns.value(.lat, in: row.fields), name: "latitude", range: -90...90)
            if let lon {
                let source = LonLat(lon, lat)
                let wgs84 = coordinateSystem.toWGS84(source)
                if !areas.isEmpty && !areas.covers(wgs84) {
                    problems.append(("\(columns.name(.lon))/\(columns.name(.lat))", areas.outside(source: source, given: coordinateSystem)))
                } else {
                    location = wgs84
                }
            }
        } catch let problem as CellProblem {
            // A latitude above 90 with a longitude that would be a latitude: the columns are swapped.
            if let lon, let text = columns.value(.lat, in: row.fields), let value = Double(Cell.plainNumber(text)), value.isFinite,
               value.magnitude <= 180, lon.magnitude <= 90 {
                let reason: Phrase
                if let area = areas.containing(coordinateSystem.toWGS84(LonLat(value, lon))) {
                    reason = Phrase("row.swapped.area", arguments: [.phrase(problem.phrase), .text(area.name), .text(area.code)])
                } else {
                    reason = Phrase("row.swapped", arguments: [.phrase(problem.phrase)])
                }
                problems.append(("\(columns.name(.lon))/\(columns.name(.lat))", reason))
            } else {
                problems.append((columns.name(.lat), problem.phrase))
            }
        }
        let opened = cell(.opened) { try Cell.day($0, bareYearMeansEnd: false) }
        let closed = cell(.closed) { try Cell.day($0, bareYearMeansEnd: true) }
        if let opened, let closed, closed < opened {
            problems.append((columns.name(.closed), Phrase("row.closed-before-opened", closed.description, opened.description)))
        }
        var counts = FacilityCounts()
        for count in FacilityCount.allCases { counts[count] = cell(.count(count), Cell.count) }
        let inclusive = cell(.inclusive, Cell.boolean)
        let attributes = columns.attributes(in: row.fields)
        let size = ImportLimits.bytes(attributes)
        if size > ImportLimits.attributeBytes { problems.append(("attributes", ImportLimits.attributesPhrase(size))) }
        if let problem = RowProblem(problems) { throw problem }
        return Facility(
            id: id!, name: name!, kind: kind!, location: location!, unit: columns.value(.unit, in: row.fields),
            counts: counts, inclusive: inclusive,
            level: columns.value(.level, in: row.fields), opened: opened, closed: closed,
            attributes: attributes)
    }
}

import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityQuality
import FacilityStore
import FacilityText
import Foundation

/// How `check` writes its findings.
public enum CheckFormat: String, CaseIterable, Sendable {
    case table, csv, json
}

/// `facilitymap check`: the store's units and facilities through `QualityCheck`, and its findings as text.
public enum RegistryCheck {
    /// The findings of `check` over everything in `store`.
    public static func run(store: any RegistryStore, check: QualityCheck = QualityCheck()) throws -> [Finding] {
        Trace.mark("check: reading")
        let (units, records, imports) = try store.read {
            let units = try store.units()
            Trace.mark("check: units read")
            let (records, imports) = try store.facilityRecords(unitCodes: units.map(\.code))
            return (units, records, imports)
        }
        Trace.mark("check: facilities read")
        let findings = check.run(units: units, facilities: records, imports: imports)
        Trace.mark("check: \(findings.count) findings")
        return findings
    }

    /// The findings about what import `number` changed (`changed` facilities, created or updated: the import's
    /// `new + updated`): each changed facility's own findings, its likely duplicates among every stored facility, and
    /// the GCJ-02 shift of the import's changed rows as one group (under the import's file). Units are not checked
    /// again: the import did not change them. Up to `neighbourhoodLimit` changed facilities are read with the
    /// facilities in a box around each (the time follows the import, not the registry); more, with the whole registry
    /// once. Either way the same findings.
    public static func run(store: any RegistryStore, afterImport number: Int, changed: Int,
                           check: QualityCheck = QualityCheck(), neighbourhoodLimit: Int = 20_000) throws -> [Finding] {
        guard changed > 0 else { return [] }
        return try store.read {
            let imports = try store.importLog().reduce(into: [Int: String]()) { files, record in
                if let n = record.number { files[n] = record.file }
            }
            // Counting 3,000,000 rows takes a fifth of a second: only worth it when the import changed many.
            let everything = try changed > neighbourhoodLimit && changed >= store.facilityCount()
            let ids = everything ? [] : try store.facilityIDs(changedByImport: number)
            Trace.mark("check: \(ids.count) changed ids read")
            guard everything || !ids.isEmpty else { return [] }
            if everything || ids.count > neighbourhoodLimit {
                let units = try store.units()
                var (records, _) = try store.facilityRecords(unitCodes: units.map(\.code))
                let changedIDs = Set(ids)
                var flags = [Bool](repeating: everything, count: records.count)
                for i in 0..<records.count where everything || changedIDs.contains(records.id[i]) {
                    flags[i] = true
                    records.source[i] = Int32(number)
                }
                Trace.mark("check: \(records.count) facilities read, \(everything ? records.count : ids.count) changed")
                return check.run(units: units, facilities: records, imports: imports, changed: flags)
            }
            let (units, records, flags) = try neighbourhoods(of: ids, in: store, number: number, metres: check.duplicateMetres)
            Trace.mark("check: \(ids.count) changed facilities and \(records.count - ids.count) neighbours read")
            return check.run(units: units, facilities: records, imports: imports, changed: flags)
        }
    }

    /// The facilities `ids` and every stored facility within `metres` of one (in id order, flagged: changed or not),
    /// and the units they are registered to with the city and district units (whose names `duplicate` strips).
    static func neighbourhoods(of ids: [String], in store: any RegistryStore, number: Int,
                               metres: Double) throws -> (units: [AdministrativeUnit], records: FacilityRecords, changed: [Bool]) {
        let own = try store.facilities(ids: ids)
        var members = own
        // A box a little larger than the distance: the rule measures the exact distance.
        let dLat = metres * 1.5 / 111_195.0
        for facility in own.values {
            let p = facility.location
            guard p.lon.isFinite, p.lat.isFinite else { continue }
            let dLon = dLat / max(cos(p.lat * .pi / 180), 0.01)
            try store.forEachFacility(in: BoundingBox(minLon: p.lon - dLon, minLat: p.lat - dLat, maxLon: p.lon + dLon, maxLat: p.lat + dLat)) {
                if members[$0.id] == nil { members[$0.id] = $0 }
            }
        }
        Trace.mark("check: neighbours read")
        var units = try store.units(level: .city) + store.units(level: .district)
        Trace.mark("check: cities and districts read")
        // Each unit's position, by the code's bytes (as the store matches codes): a code's number is its unit's index.
        var position = CodeTable()
        for unit in units { position.insert(unit.code) }
        var asked = CodeTable()
        for code in members.values.compactMap(\.unit).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        where position.number(of: code) == nil && asked.number(of: code) == nil {
            asked.insert(code)
            if let unit = try store.unit(code: code) {
                position.insert(code)
                units.append(unit)
            }
        }
        var records = FacilityRecords()
        var flags: [Bool] = []
        records.reserveCapacity(members.count)
        for facility in members.values.sorted(by: { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }) {
            let isChanged = own[facility.id] != nil
            let unit: Int32 = facility.unit.map { position.number(of: $0).map(Int32.init) ?? -2 } ?? -1
            records.append(facility, unit: unit, source: isChanged ? Int32(number) : -1)
            flags.append(isChanged)
        }
        return (units, records, flags)
    }

    /// The findings at level error about the import of `file` as a whole (`gcj02-offset`).
    public static func errors(in findings: [Finding], attributedTo file: String) -> [Finding] {
        findings.filter { $0.severity == .error && $0.subject == .source && $0.id == file }
    }

    /// One line for the end of an import: how many findings of each severity and rule, or that there are none; of
    /// what the import changed (`run(store:afterImport:changed:)`) or of the whole registry.
    public static func summary(_ findings: [Finding], ofImport: Bool = false, in language: Language = .en) -> String {
        let head = Message(ofImport ? "check.head.import" : "check.head").text(in: language)
        return findings.isEmpty ? Message("check.none").text(head, in: language)
            : Message("check.some").text(head, counts(findings, in: language), in: language)
    }

    /// `2 errors, 5 warnings (duplicate 3, …)`; the rules by their names (identifiers, in every language).
    public static func counts(_ findings: [Finding], in language: Language = .en) -> String {
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        var counts: [QualityRule: Int] = [:]
        for f in findings { counts[f.rule, default: 0] += 1 }
        let rules = QualityRule.allCases.compactMap { rule in counts[rule].map { "\(rule.rawValue) \($0)" } }
            .joined(separator: language == .zh ? "，" : ", ")
        return Message("check.counts").text(Message(errors == 1 ? "check.errors.one" : "check.errors.other").text(String(errors), in: language),
                                            Message(warnings == 1 ? "check.warnings.one" : "check.warnings.other").text(String(warnings), in: language),
                                            rules, in: language)
    }

    /// Writes the findings to `output` as a table, CSV (one finding per record) or JSON.
    public static func write(_ findings: [Finding], as format: CheckFormat, csvEncoding: CSVOutputEncoding = .utf8BOM,
                             to output: FileHandle, language: Language = .en) throws {
        switch format {
        case .table:
            guard !findings.isEmpty else { try output.write(contentsOf: Data((Message("check.no-findings").text(in: language) + "\n").utf8)); return }
            let table = TextTable.render(header: Message.headings(["severity", "rule", "id", "name", "what-is-wrong", "what-to-do"], in: language),
                                         rows: findings.map { [Message("severity.\($0.severity.rawValue)").text(in: language), $0.rule.rawValue,
                                                               $0.id, $0.name, $0.problemPhrase.text(in: language), $0.actionPhrase.text(in: language)] })
            try output.write(contentsOf: Data((table + counts(findings, in: language) + "\n").utf8))
        case .csv:
            let writer = CSVWriter(fileHandle: output, encoding: csvEncoding)
            try writer.write(["severity", "rule", "subject", "id", "name", "problem", "action", "other"])
            for f in findings {
                try writer.write([f.severity.rawValue, f.rule.rawValue, f.subject.rawValue, f.id, f.name, f.problem, f.action, f.other ?? ""])
            }
            try writer.close()
        case .json:
            let items = findings.map { f in
                JSONText.object([
                    ("severity", JSONText.string(f.severity.rawValue)), ("rule", JSONText.string(f.rule.rawValue)),
                    ("subject", JSONText.string(f.subject.rawValue)), ("id", JSONText.string(f.id)), ("name", JSONText.string(f.name)),
                    ("problem", JSONText.string(f.problem)), ("action", JSONText.string(f.action)), ("other", JSONText.value(f.other)),
                ])
            }
            let errors = findings.filter { $0.severity == .error }.count
            try output.write(contentsOf: Data(("{\"errors\": \(errors), \"warnings\": \(findings.count - errors), \"findings\": [\n"
                + items.joined(separator: ",\n") + "]}\n").utf8))
        }
    }
}

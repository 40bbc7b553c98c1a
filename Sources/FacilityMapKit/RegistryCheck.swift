import FacilityFormats
import FacilityModel
import FacilityQuality
import FacilityStore
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

    /// The findings at level error about the import of `file` as a whole (`gcj02-offset`).
    public static func errors(in findings: [Finding], attributedTo file: String) -> [Finding] {
        findings.filter { $0.severity == .error && $0.subject == .source && $0.id == file }
    }

    /// One line for the end of an import: how many findings of each severity and rule, or that there are none.
    public static func summary(_ findings: [Finding]) -> String {
        findings.isEmpty ? "check: no findings" : "check: \(counts(findings)) — `facilitymap check` lists them"
    }

    /// `2 errors, 5 warnings (duplicate 3, …)`.
    public static func counts(_ findings: [Finding]) -> String {
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.count - errors
        var counts: [QualityRule: Int] = [:]
        for f in findings { counts[f.rule, default: 0] += 1 }
        let rules = QualityRule.allCases.compactMap { rule in counts[rule].map { "\(rule.rawValue) \($0)" } }.joined(separator: ", ")
        return "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") (\(rules))"
    }

    /// Writes the findings to `output` as a table, CSV (one finding per record) or JSON.
    public static func write(_ findings: [Finding], as format: CheckFormat, csvEncoding: CSVOutputEncoding = .utf8BOM,
                             to output: FileHandle) throws {
        switch format {
        case .table:
            guard !findings.isEmpty else { try output.write(contentsOf: Data("no findings\n".utf8)); return }
            let table = TextTable.render(header: ["severity", "rule", "id", "name", "what is wrong", "what to do"],
                                         rows: findings.map { [$0.severity.rawValue, $0.rule.rawValue, $0.id, $0.name, $0.problem, $0.action] })
            try output.write(contentsOf: Data((table + counts(findings) + "\n").utf8))
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

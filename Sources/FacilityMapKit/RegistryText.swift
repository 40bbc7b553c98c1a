import FacilityModel
import FacilityStore
import FacilityText
import Foundation

/// The registry's records as text: JSON for the API and `--format json`, tables for the command line.
public enum RegistryText {
    /// `kinds hospital, village_clinic in 410303 and below` (or `every kind, everywhere`).
    public static func scope(of token: WriteToken, in language: Language = .en) -> String {
        let kinds = token.kinds.isEmpty ? Message("token.scope.every-kind").text(in: language)
            : Message("token.scope.kinds").text(token.kinds.map(\.rawValue).joined(separator: Phrase.listSeparator(in: language)), in: language)
        return token.unit.map { Message("token.scope.in").text(kinds, $0, in: language) } ?? Message("token.scope.everywhere").text(kinds, in: language)
    }

    public static func json(_ token: WriteToken) -> String {
        JSONText.object([("name", JSONText.string(token.name)),
                         ("kinds", "[" + token.kinds.map { JSONText.string($0.rawValue) }.joined(separator: ",") + "]"),
                         ("in", JSONText.value(token.unit)), ("created_at", JSONText.string(token.createdAt))])
    }

    public static func json(_ record: ImportRecord) -> String {
        JSONText.object([
            ("number", JSONText.value(record.number)), ("file", JSONText.string(record.file)),
            ("sha256", JSONText.string(record.sha256)), ("imported_at", JSONText.string(record.importedAt)),
            ("author", JSONText.value(record.author)), ("layer", JSONText.string(record.layer)),
            ("rows", JSONText.value(record.rows)), ("new", JSONText.value(record.new)),
            ("updated", JSONText.value(record.updated)), ("unchanged", JSONText.value(record.unchanged)),
            ("rejected", JSONText.value(record.rejected)),
        ])
    }

    public static func importLogJSON(_ records: [ImportRecord]) -> String {
        "{\"imports\": [" + records.map(json).joined(separator: ",\n") + "]}\n"
    }

    /// `{"id": …, "changes": [{"action", "import": {…}, "old", "new"}, …]}`.
    public static func historyJSON(id: String, _ changes: [FacilityChange]) -> String {
        let items = changes.map { change in
            JSONText.object([("action", JSONText.string(change.action.rawValue)), ("import", json(change.importRecord)),
                             ("old", change.old ?? "null"), ("new", change.new ?? "null")])
        }
        return "{\"id\": \(JSONText.string(id)), \"changes\": [" + items.joined(separator: ",\n") + "]}"
    }

    /// One line per change: when, who, action, file and the fields that changed (`beds: 100 → 120`).
    public static func historyTable(_ changes: [FacilityChange], in language: Language = .en) -> String {
        let rows = changes.map { change -> [String] in
            let r = change.importRecord
            return [r.importedAt, r.author ?? "", Message("action.\(change.action.rawValue)").text(in: language),
                    "\(r.file) (\(r.sha256.prefix(12))…)", describe(old: change.old, new: change.new)]
        }
        return TextTable.render(header: Message.headings(["when", "who", "action", "file", "changes"], in: language), rows: rows)
            + Message("history.changes").text(String(changes.count), in: language) + "\n"
    }

    /// `beds: 100 → 120; closed: null → 2024-06-30`, or every field of a creation.
    static func describe(old: String?, new: String?) -> String {
        func object(_ text: String?) -> [String: JSONValue] {
            guard let text, case let .object(members)? = try? JSONValue.parse(Array(text.utf8)) else { return [:] }
            return members
        }
        func text(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case let .bool(b): b ? "true" : "false"
            case let .object(members): members.isEmpty ? "{}" : members.keys.sorted().map { "\($0)=\(members[$0]?.stringValue ?? "")" }.joined(separator: ",")
            default: value.stringValue ?? ""
            }
        }
        let before = object(old), after = object(new)
        let order = FacilityField.allCases.map(\.rawValue) + ["attributes"]
        return order.compactMap { key in
            guard let value = after[key] else { return nil }
            if let was = before[key] { return "\(key): \(text(was)) → \(text(value))" }
            return "\(key): \(text(value))"
        }.joined(separator: "; ")
    }

    /// The summary of an import as the API returns it: the log line's counts, rejections as `FILE:LINE: field:
    /// what is wrong`, warnings, whether it was committed.
    public static func json(_ summary: ImportSummary, layer: String) -> String {
        let csv = summary.header != nil
        let rejections = summary.rejections.map { r in
            var members = [("line", JSONText.value(r.line)), ("field", JSONText.string(r.field)),
                           ("message", JSONText.string(r.message)), ("text", JSONText.string(r.description))]
            if let cell = r.cell { members.append(("cell", JSONText.string(cell))) }
            members.append(("reason", phrase(r.reason)))
            if csv { members.append(("fields", "[" + r.fields.map(JSONText.string).joined(separator: ",") + "]")) }
            return JSONText.object(members)
        }
        var header: [(String, String)] = []
        if let columns = summary.header { header = [("header", "[" + columns.map(JSONText.string).joined(separator: ",") + "]")] }
        return JSONText.object(header + [
            ("layer", JSONText.string(layer)), ("file", JSONText.string(summary.file)),
            ("sha256", JSONText.string(summary.sha256)), ("committed", JSONText.value(summary.committed)),
            ("rows", JSONText.value(summary.rows)), ("new", JSONText.value(summary.new)),
            ("updated", JSONText.value(summary.updated)), ("unchanged", JSONText.value(summary.unchanged)),
            ("rejected", JSONText.value(summary.rejected)), ("line", JSONText.string(summary.line)),
            ("rejections", "[" + rejections.joined(separator: ",\n") + "]"),
            ("warnings", "[" + summary.warnings.map(JSONText.string).joined(separator: ",") + "]"),
        ]) + "\n"
    }

    /// A phrase as the API gives it, for a client to say in its reader's language with the catalogues' keys:
    /// `{"key": "cell.not-whole", "arguments": ["很多"]}`; an argument may be a phrase; key "" is text as it is,
    /// ";" its arguments one after another, ":" a label and its phrase.
    static func phrase(_ phrase: Phrase) -> String {
        let arguments = phrase.arguments.map { argument -> String in
            switch argument {
            case let .text(text): JSONText.string(text)
            case let .phrase(inner): self.phrase(inner)
            }
        }
        return JSONText.object([("key", JSONText.string(phrase.key)), ("arguments", "[" + arguments.joined(separator: ",") + "]")])
    }

    /// A facility as `list facilities --format json` writes it.
    public static func json(_ facility: Facility) -> String { Listing.json(facility) }

    /// A unit as `list units --format json` writes it.
    public static func json(_ unit: AdministrativeUnit) -> String { Listing.json(unit) }
}

extension ImportRecord {
    /// The record as anyone may read it: the file by its name without the folders it was read from, and an
    /// author of the command line as `local user` without the account's name (tokens' names are kept).
    public var withoutHostDetails: ImportRecord {
        var record = self
        record.file = file.split(separator: "/").last.map(String.init) ?? file
        if let author, author.hasPrefix("local user") { record.author = "local user" }
        return record
    }
}

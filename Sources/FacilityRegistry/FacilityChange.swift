import FacilityFormats
import FacilityGeometry
import FacilityModel
import Foundation

/// One change to a facility: created, updated or closed by an import.
public struct FacilityChange: Equatable, Sendable {
    public enum Action: String, Sendable {
        case created, updated, closed
    }

    public var action: Action
    /// The import that made it (its number, file, SHA-256, time and author).
    public var importRecord: ImportRecord
    /// The changed fields' values before, as a JSON object (nil for `created`).
    public var old: String?
    /// The changed fields' values after, as a JSON object (every field for `created`).
    public var new: String?

    public init(action: Action, importRecord: ImportRecord, old: String?, new: String?) {
        self.action = action
        self.importRecord = importRecord
        self.old = old
        self.new = new
    }
}

extension FacilityChange {
    /// The history row of an update from `old` to `new`: the fields that changed, old and new, as JSON objects;
    /// `closed` when a closing day was set, else `updated`.
    public static func between(_ old: Facility, _ new: Facility) -> (action: Action, old: String, new: String) {
        let before = old.fields, after = new.fields
        var oldMembers: [(String, FieldValue)] = [], newMembers: [(String, FieldValue)] = []
        for (index, field) in before.enumerated() where field.value != after[index].value {
            oldMembers.append(field)
            newMembers.append(after[index])
        }
        let action: Action = old.closed == nil && new.closed != nil ? .closed : .updated
        return (action, FieldValue.object(oldMembers), FieldValue.object(newMembers))
    }

    /// `changes` (a facility's updates, oldest first) with its creation by `importRecord` put first: every field
    /// as first stored — the old value of the first update that changed it, else today's.
    public static func withCreation(of facility: Facility, importRecord: ImportRecord,
                                    changes: [FacilityChange]) -> [FacilityChange] {
        var first: [String: String] = [:]
        for change in changes {
            guard let old = change.old, let object = try? JSONSerialization.jsonObject(with: Data(old.utf8)) as? [String: Any]
            else { continue }
            for (key, value) in object where first[key] == nil {
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) {
                    first[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        let fields = [("id", FieldValue.text(facility.id).json)] + facility.fields.map { ($0.name, first[$0.name] ?? $0.value.json) }
        let created = "{" + fields.map { FieldValue.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        return [FacilityChange(action: .created, importRecord: importRecord, old: nil, new: created)] + changes
    }
}

/// A facility field's value in the history's JSON.
public enum FieldValue: Equatable, Sendable {
    case null, text(String), int(Int), double(Double), bool(Bool), object([String: String])

    public var json: String {
        switch self {
        case .null: "null"
        case let .text(v): Self.quoted(v)
        case let .int(v): String(v)
        case let .double(v): v.isFinite ? "\(v)" : "null"
        case let .bool(v): v ? "true" : "false"
        case let .object(v): "{" + v.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + Self.quoted($0.value) }
            .joined(separator: ",") + "}"
        }
    }

    /// The value as a CSV cell holds it: empty for `.null`, numbers as Swift writes them, `true`/`false`.
    public var plainText: String {
        switch self {
        case .null: ""
        case let .text(v): v
        case let .int(v): String(v)
        case let .double(v): String(v)
        case let .bool(v): v ? "true" : "false"
        case .object: json
        }
    }

    public static func object(_ members: [(String, FieldValue)]) -> String {
        "{" + members.map { quoted($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
    }

    public static func quoted(_ text: String) -> String { JSONText.string(text) }
}

extension Facility {
    /// Every field but the id, in the history's order and JSON form.
    public var fields: [(name: String, value: FieldValue)] {
        FacilityField.allCases.dropFirst().map { ($0.rawValue, value(of: $0)) } + [("attributes", .object(attributes))]
    }

    /// The value of `field`: a kind by its English name, days as `YYYY-MM-DD`, `.null` where none is stated. What
    /// history, listings, exports and `suggest` write, each in its own syntax.
    @inlinable
    public func value(of field: FacilityField) -> FieldValue {
        func v(_ x: String?) -> FieldValue { x.map { .text($0) } ?? .null }
        return switch field {
        case .id: .text(id)
        case .name: .text(name)
        case .kind: .text(kind.rawValue)
        case .lon: .double(location.lon)
        case .lat: .double(location.lat)
        case .unit: v(unit)
        case let .count(count): counts[count].map { .int($0) } ?? .null
        case .inclusive: inclusive.map { .bool($0) } ?? .null
        case .level: v(level)
        case .opened: v(opened?.description)
        case .closed: v(closed?.description)
        }
    }
}

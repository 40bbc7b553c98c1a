import FacilityFormats
import FacilityModel
import FacilityStore
import FacilityText
import Foundation

/// How `list` writes rows.
public enum ListFormat: String, CaseIterable, Sendable {
    case table, csv, json
}

/// `facilitymap list facilities|units`: rows from the store in table, CSV or JSON form.
public struct Listing {
    public let store: any RegistryStore
    /// The language of the tables' headings and counts (CSV and JSON are the same in every language).
    public let language: Language
    public init(store: any RegistryStore, language: Language = .en) {
        self.store = store
        self.language = language
    }

    /// The known fields of `list facilities --format csv`, the import's own column names; each extra attribute
    /// follows as a column of its own, so the file opens in Excel as a table and imports again as it is.
    static let facilityHeader = FacilityField.allCases.map(\.rawValue)

    static func cells(_ f: Facility, attributes: [String] = []) -> [String] {
        FacilityField.allCases.map { f.value(of: $0).plainText } + attributes.map { f.attributes[$0] ?? "" }
    }

    static func attributesJSON(_ attributes: [String: String]) -> String {
        attributes.isEmpty ? "" : JSONText.object(attributes.sorted { $0.key < $1.key }.map { ($0.key, JSONText.string($0.value)) })
    }

    /// Writes the facilities to `output`; returns how many.
    @discardableResult
    public func facilities(kind: FacilityKind?, within code: String?, format: ListFormat,
                           csvEncoding: CSVOutputEncoding = .utf8BOM, to output: FileHandle) throws -> Int {
        var count = 0
        switch format {
        case .csv:
            // The attributes' names first (a column each, in name order), then the rows.
            var names = Set<String>()
            try store.forEachFacility(kind: kind, within: code) { f in
                for name in f.attributes.keys { names.insert(name) }
            }
            let attributes = names.subtracting(Listing.facilityHeader).sorted()
            let writer = CSVWriter(fileHandle: output, encoding: csvEncoding)
            try writer.write(Listing.facilityHeader + attributes)
            try store.forEachFacility(kind: kind, within: code) { f in
                try writer.write(Listing.cells(f, attributes: attributes))
                count += 1
            }
            try writer.close()
        case .json:
            var buffer = "["
            try store.forEachFacility(kind: kind, within: code) { f in
                buffer += (count == 0 ? "\n" : ",\n") + Listing.json(f)
                count += 1
                if buffer.utf8.count > 1 << 16 { try output.write(contentsOf: Data(buffer.utf8)); buffer = "" }
            }
            buffer += count == 0 ? "]\n" : "\n]\n"
            try output.write(contentsOf: Data(buffer.utf8))
        case .table:
            var rows: [[String]] = []
            try store.forEachFacility(kind: kind, within: code) { f in
                rows.append([f.id, f.name, f.kind.rawValue, String(format: "%.6f", f.location.lon),
                             String(format: "%.6f", f.location.lat), f.unit ?? ""])
                count += 1
            }
            try output.write(contentsOf: Data(TextTable.render(header: Message.headings(["id", "name", "kind", "lon", "lat", "unit"], in: language), rows: rows).utf8))
            try output.write(contentsOf: Data((Message("list.facilities").text(String(count), in: language) + "\n").utf8))
        }
        return count
    }

    static func json(_ f: Facility) -> String {
        func json(_ value: FieldValue) -> String {
            if case let .double(v) = value { return JSONText.value(v) }  // 112 for 112.0, as the rest of the listing
            return value.json
        }
        return JSONText.object(FacilityField.allCases.map { ($0.rawValue, json(f.value(of: $0))) } + [
            ("attributes", JSONText.object(f.attributes.sorted { $0.key < $1.key }.map { ($0.key, JSONText.string($0.value)) })),
        ])
    }

    static func json(_ u: AdministrativeUnit) -> String { json(u, used: nil, listing: false) }

    /// A unit as JSON; `list units` adds the population coverage uses (`population_used`, `population_summed`).
    static func json(_ u: AdministrativeUnit, used: (people: Int, summed: Bool)?, listing: Bool = true) -> String {
        var members: [(String, String)] = [
            ("code", JSONText.string(u.code)), ("name", JSONText.string(u.name)), ("level", JSONText.string(u.level.rawValue)),
            ("parent", JSONText.value(u.parent)), ("population", JSONText.value(u.population)),
        ]
        if listing {
            members += [("population_used", JSONText.value(used?.people)), ("population_summed", JSONText.value(used?.summed ?? false))]
        }
        members += [
            ("lon", JSONText.value(u.location?.lon)), ("lat", JSONText.value(u.location?.lat)),
            ("boundary", JSONText.value(u.boundary != nil)),
        ]
        return JSONText.object(members)
    }

    /// Writes the units to `output`; returns how many.
    @discardableResult
    public func units(level: UnitLevel?, within code: String?, format: ListFormat, csvEncoding: CSVOutputEncoding = .utf8BOM,
                      to output: FileHandle) throws -> Int {
        let units = try store.units(level: level, within: code)
        // The population coverage uses: a unit without its own counts the sum of the units below it.
        let used = units.contains { $0.population == nil } ? CoverageEngine(units: try store.units(), facilities: []).populationsUsed : [:]
        func people(_ u: AdministrativeUnit) -> (people: Int, summed: Bool)? { u.population.map { ($0, false) } ?? used[u.code] }
        func cells(_ u: AdministrativeUnit) -> [String] {
            [u.code, u.name, u.level.rawValue, u.parent ?? "", u.population.map(String.init) ?? "",
             people(u).map { String($0.people) } ?? "", people(u)?.summed == true ? "true" : "",
             u.location.map { String($0.lon) } ?? "", u.location.map { String($0.lat) } ?? "", u.boundary == nil ? "no" : "yes"]
        }
        let header = ["code", "name", "level", "parent", "population", "population_used", "population_summed", "lon", "lat", "boundary"]
        switch format {
        case .csv:
            let writer = CSVWriter(fileHandle: output, encoding: csvEncoding)
            try writer.write(header)
            for unit in units { try writer.write(cells(unit)) }
            try writer.close()
        case .json:
            let objects = units.map { Listing.json($0, used: people($0)) }
            try output.write(contentsOf: Data(("[" + (objects.isEmpty ? "" : "\n" + objects.joined(separator: ",\n") + "\n") + "]\n").utf8))
        case .table:
            let rows = units.map { u in
                [u.code, u.name, language == .en ? u.level.rawValue : Message("level.\(u.level.rawValue)").text(in: language), u.parent ?? "",
                 people(u).map { "\($0.people)\($0.summed ? " Σ" : "  ")" } ?? "",
                 Message(u.boundary == nil ? (u.location == nil ? "geometry.none" : "geometry.point") : "geometry.polygon").text(in: language)]
            }
            try output.write(contentsOf: Data(TextTable.render(header: Message.headings(["code", "name", "level", "parent", "population", "geometry"], in: language),
                                               rows: rows, rightAligned: [4]).utf8))
            let summed = units.contains { people($0)?.summed == true }
            try output.write(contentsOf: Data((Message("list.units").text(String(units.count), in: language)
                + (summed ? Message("list.units.summed").text(in: language) : "") + "\n").utf8))
        }
        return units.count
    }
}

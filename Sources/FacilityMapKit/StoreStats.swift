import FacilityGeometry
import FacilityModel
import FacilityStore

/// `facilitymap stats`: what the store holds, by kind and by district, and its import log.
public struct StoreStats {
    public var facilitiesByKind: [(kind: FacilityKind, count: Int)]
    /// Facilities per district (registered unit's district, else the district polygon holding the point);
    /// `nil` code for facilities in no loaded district.
    public var facilitiesByDistrict: [(code: String?, name: String, count: Int)]
    public var unitsByLevel: [(level: UnitLevel, count: Int)]
    public var importLog: [ImportRecord]

    public init(store: any RegistryStore) throws {
        self = try store.read { try StoreStats(snapshotOf: store) }
    }

    private init(snapshotOf store: any RegistryStore) throws {
        facilitiesByKind = try store.facilityCountsByKind()
        Trace.mark("stats: facilities counted by kind")
        let levels = try store.unitCountsByLevel()
        Trace.mark("stats: units counted by level")
        unitsByLevel = UnitLevel.allCases.compactMap { level in levels[level].map { (level, $0) } }
        let districts = try store.units(level: .district)
        let tree = try Self.tree(of: store, districts: districts)
        Trace.mark("stats: unit tree")
        let areas = AreaIndex(areas: districts.filter { $0.boundary != nil })
        var counts: [String: Int] = [:]
        var inArea = [Int](repeating: 0, count: areas.areas.count)
        var unplaced = 0
        // Counted in SQL per registered unit; only facilities whose unit leads to no district are placed by their point.
        for (unit, count) in try store.facilityCountsByUnit() {
            if let u = unit.flatMap({ tree.index[$0] }), case let d = tree.ancestor(of: u, at: .district), d >= 0 {
                counts[tree.units[d].code, default: 0] += count
                continue
            }
            try store.forEachFacilityLocation(registeredTo: unit) { location in
                if let k = areas.position(containing: location) { inArea[k] += 1 } else { unplaced += 1 }
            }
        }
        Trace.mark("stats: facilities counted by district")
        for (k, area) in areas.areas.enumerated() where inArea[k] > 0 { counts[area.code, default: 0] += inArea[k] }
        facilitiesByDistrict = districts.sorted { $0.code < $1.code }.map { ($0.code, $0.name, counts[$0.code] ?? 0) }
        if unplaced > 0 { facilitiesByDistrict.append((nil, "(in no loaded district)", unplaced)) }
        importLog = try store.importLog()
    }

    /// The units' tree as coverage reads it (`UnitTree`), from their links, the districts' polygons and the points of
    /// the units below a district that name no stored parent (placed by the district polygon holding them): the whole
    /// geometry is not read — unless such units are many (a file of villages whose townships are not loaded): then
    /// every unit at once, not one read each.
    static func tree(of store: any RegistryStore, districts: [AdministrativeUnit]) throws -> UnitTree {
        let links = try store.unitLinks()
        var known = Set<String>()
        known.reserveCapacity(links.count)
        for link in links { known.insert(link.code) }
        let orphans = links.indices.filter { i in
            links[i].level.rank > UnitLevel.district.rank && links[i].parent.map { !known.contains($0) || $0 == links[i].code } ?? true
        }
        if orphans.count > 1_000 { return UnitTree(try store.units()) }
        let district = Dictionary(districts.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        var units = links.map { link -> AdministrativeUnit in
            if link.level == .district, let full = district[link.code] { return full }
            return AdministrativeUnit(code: link.code, name: "", level: link.level, parent: link.parent)
        }
        for i in orphans {
            guard let full = try store.unit(code: links[i].code) else { continue }
            units[i].location = full.location ?? full.boundary?.representativePoint()
        }
        return UnitTree(units)
    }

    public var text: String { text(in: .en) }

    /// The counts as tables, headed in `language` (kinds and districts by their names; the log as recorded).
    public func text(in language: Language) -> String {
        func say(_ key: String, _ values: String...) -> String { Message(key).text(values, in: language) }
        var out = say("stats.by-kind") + "\n"
        out += TextTable.render(header: Message.headings(["kind", "kind-name", "facilities"], in: language),
                                rows: facilitiesByKind.map { [$0.kind.rawValue, $0.kind.chineseNames[0], String($0.count)] },
                                rightAligned: [2])
        out += say("stats.total", String(facilitiesByKind.reduce(0) { $0 + $1.count })) + "\n\n" + say("stats.by-district") + "\n"
        out += TextTable.render(header: Message.headings(["code", "district", "facilities"], in: language),
                                rows: facilitiesByDistrict.map { [$0.code ?? "-", $0.name, String($0.count)] }, rightAligned: [2])
        out += "\n" + say("stats.by-level") + "\n"
        out += TextTable.render(header: Message.headings(["level", "units"], in: language),
                                rows: unitsByLevel.map { [language == .en ? $0.level.rawValue : say("level.\($0.level.rawValue)"), String($0.count)] },
                                rightAligned: [1])
        out += "\n" + say("stats.import-log") + "\n"
        out += TextTable.render(
            header: Message.headings(["imported-at", "who", "layer", "file"], in: language) + ["sha256"]
                + Message.headings(["rows", "new", "updated", "unchanged", "rejected"], in: language),
            rows: importLog.map { [$0.importedAt, $0.author ?? "", $0.layer, $0.file, String($0.sha256.prefix(12)), String($0.rows),
                                   String($0.new), String($0.updated), String($0.unchanged), String($0.rejected)] },
            rightAligned: [5, 6, 7, 8, 9])
        return out
    }

    /// The same as JSON: `facilities_by_kind`, `facilities_by_district`, `units_by_level`, `imports`.
    public var json: String {
        let kinds = facilitiesByKind.map {
            JSONText.object([("kind", JSONText.string($0.kind.rawValue)), ("zh", JSONText.string($0.kind.chineseNames[0])),
                             ("count", JSONText.value($0.count))])
        }
        let districts = facilitiesByDistrict.map {
            JSONText.object([("code", JSONText.value($0.code)), ("name", JSONText.string($0.name)), ("count", JSONText.value($0.count))])
        }
        let levels = unitsByLevel.map { JSONText.object([("level", JSONText.string($0.level.rawValue)), ("count", JSONText.value($0.count))]) }
        return JSONText.object([
            ("facilities", JSONText.value(facilitiesByKind.reduce(0) { $0 + $1.count })),
            ("facilities_by_kind", "[" + kinds.joined(separator: ",") + "]"),
            ("facilities_by_district", "[" + districts.joined(separator: ",") + "]"),
            ("units_by_level", "[" + levels.joined(separator: ",") + "]"),
            ("imports", "[" + importLog.map(RegistryText.json).joined(separator: ",\n") + "]"),
        ]) + "\n"
    }
}

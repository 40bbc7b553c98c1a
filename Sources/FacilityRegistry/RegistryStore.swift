import FacilityGeometry
import FacilityModel
import Foundation

/// A registry's storage, whatever the engine: what every command reads, and the writes an import, a token or an
/// upload makes. Two implementations, each in a module of its own that depends on this one: `SQLiteStore` (one
/// SpatiaLite file) and `PostGISStore` (PostgreSQL with PostGIS); `RegistryLocation` (FacilityMapKit) picks one by
/// the address. Both give the same values for the same rows — text keys in byte order, points as stored — so coverage,
/// checks and exports, pure Swift over these values, answer the same on either.
public protocol RegistryStore: AnyObject {
    /// Where the registry is, for messages: the file's path, or the postgresql:// address without its password.
    var location: String { get }
    /// Ends the connection; the store cannot be used afterwards.
    func close()
    /// Whether the connection can be used again (a pool keeps only such): false once a database server has ended it.
    var isUsable: Bool { get }

    /// Runs `body` on one snapshot: reads inside it agree with each other while others write. Re-entrant.
    func read<T>(_ body: () throws -> T) throws -> T
    /// Runs `body` in one transaction: committed when it returns, nothing written when it throws.
    func update<T>(_ body: (any RegistryWriter) throws -> T) throws -> T
    /// Runs an import of facilities in one transaction, as `update` does: `body` hands the rows over a batch at a time
    /// (`RegistryWriter.store(_:)`), and the engine chooses how to store them from what it holds and from
    /// `expectedRows`, about how many come (SQLite: into an empty store through its bulk inserter; a large file, or
    /// any into a store that holds facilities, as a bulk load with its triggers lifted). Given as `update` for an
    /// engine with one way.
    func importFacilities<T>(expectedRows: Int, _ body: (any RegistryWriter) throws -> T) throws -> T
    /// Runs an import of units in one transaction: stores `units` (in code order, their codes distinct) as the engine
    /// chooses (SQLite: through an inserter that appends to the index of codes, as a bulk load when they are many
    /// against those stored), a code stored already updated; then runs `body` with the writer and what became of each
    /// unit, in order (to record the import, or to throw and write nothing). Given as `update` with `upsert`.
    func importUnits<T>(_ units: OrderedUnits, _ body: (any RegistryWriter, [UpsertOutcome]) throws -> T) throws -> T

    // MARK: Units

    /// Units in code order (bytes), optionally of one level and only those at or below the unit `code`.
    func units(level: UnitLevel?, within code: String?) throws -> [AdministrativeUnit]
    /// Up to `limit` units in code order after the code `after` (paging), filtered as `units(level:within:)`.
    func units(level: UnitLevel?, within code: String?, after: String?, limit: Int) throws -> [AdministrativeUnit]
    /// The unit with `code`, if stored.
    func unit(code: String) throws -> AdministrativeUnit?
    /// Whether a unit with `code` is stored.
    func containsUnit(code: String) throws -> Bool
    /// The codes of every stored unit, for lookups by bytes.
    func unitCodeTable() throws -> CodeTable
    /// Every unit's code, level and parent: the tree without names or geometry.
    func unitLinks() throws -> [(code: String, level: UnitLevel, parent: String?)]
    /// Unit counts per level; levels with none left out.
    func unitCountsByLevel() throws -> [UnitLevel: Int]

    // MARK: Facilities

    /// How many facilities are stored, optionally of one kind.
    func facilityCount(kind: FacilityKind?) throws -> Int
    /// Facility counts per kind, in the order of `FacilityKind.allCases`, kinds with none left out.
    func facilityCountsByKind() throws -> [(kind: FacilityKind, count: Int)]
    /// Facility counts per registered unit code (nil: none); facilities of an unknown kind left out.
    func facilityCountsByUnit() throws -> [(unit: String?, count: Int)]
    /// Each facility `selection` takes, in id order (bytes); unknown kinds left out. The box is answered through the
    /// engine's spatial index, a page by its keyset. Memory does not grow with the store.
    func forEachFacility(_ selection: FacilitySelection, _ body: (Facility) throws -> Void) throws
    /// How many facilities `selection`'s filters take (its page ignored).
    func facilityCount(_ selection: FacilitySelection) throws -> Int
    /// The facility with `id`, if stored.
    func facility(id: String) throws -> Facility?
    /// The stored facilities among `ids`, by id. Given (one read per id) for every engine; an engine may answer it in
    /// one query (PostGIS does: one round trip for a batch).
    func facilities(ids: [String]) throws -> [String: Facility]
    /// Each facility whose point lies in `box` (edges included), in id order (bytes); unknown kinds left out. Answered
    /// through the engine's spatial index: the time follows what is in the box, not the store.
    func forEachFacility(in box: BoundingBox, _ body: (Facility) throws -> Void) throws
    /// The ids of the facilities import `number` created or updated (closings included), in id order (bytes): what an
    /// import changed, from the facilities' creations and history.
    func facilityIDs(changedByImport number: Int) throws -> [String]
    /// Each facility in storage order (the order of `unitsAndFacilityColumns`' columns) with its row number and the
    /// import that created it (nil when none is recorded); unknown kinds left out. Memory does not grow with the store.
    /// The reads below that serve one command each are written over it (`streamedUnitsAndFacilityColumns`,
    /// `streamedFacilities(atColumnPositions:)`, `streamedFacilityRecords`) for an engine that gives no faster way.
    func forEachStoredFacility(_ body: (_ rowNumber: Int64, _ createdBy: Int?, _ facility: Facility) throws -> Void) throws
    /// The position of each facility registered to the unit `code` (nil: to none); unknown kinds left out.
    func forEachFacilityLocation(registeredTo code: String?, _ body: (LonLat) throws -> Void) throws
    /// Units (as `units(level: nil, within: nil)`) and every facility as columns against them (with row numbers), on
    /// one snapshot, in storage order; attributes read only when `attributes`. Unknown kinds left out. For coverage;
    /// given over `forEachStoredFacility`.
    func unitsAndFacilityColumns(attributes: Bool) throws -> (units: [AdministrativeUnit], facilities: FacilityColumns)
    /// The facilities that imports after number `importNumber` created or updated, as columns (with row numbers) in
    /// storage order, units as positions in `unitCodes`: what `unitsAndFacilityColumns` would give differently now. For
    /// the server's refresh after an upload; given over `forEachStoredFacility` and `facilityIDs(changedByImport:)`.
    func facilityColumns(changedByImportsAfter importNumber: Int, unitCodes: [String], attributes: Bool) throws -> FacilityColumns
    /// The facilities at `positions` of the columns `unitsAndFacilityColumns` gives, by position. For `suggest`; given
    /// over `forEachStoredFacility`.
    func facilities(atColumnPositions positions: Set<Int>) throws -> [Int: Facility]
    /// Every facility as `FacilityRecords` (storage order, unknown kinds left out), units as positions in
    /// `unitCodes`, each with the import that created it; and the imports' files by number. For `check`; given over
    /// `forEachStoredFacility`.
    func facilityRecords(unitCodes: [String]) throws -> (records: FacilityRecords, imports: [Int: String])

    // MARK: Roads

    /// Each stored road, in id order (then storage order). Memory does not grow with the store.
    func forEachRoad(_ body: (Road) throws -> Void) throws
    /// How many roads are stored.
    func roadCount() throws -> Int

    // MARK: Import log, history, tokens

    /// The import log, oldest first.
    func importLog() throws -> [ImportRecord]
    /// The number of the last import recorded (0 when none).
    func lastImportNumber() throws -> Int
    /// The changes to the facility `id`, oldest first (its creation first when recorded); nil when not stored.
    func history(facilityID id: String) throws -> [FacilityChange]?
    /// Every write token, by name.
    func tokens() throws -> [WriteToken]
    /// The token whose secret has this SHA-256, if any.
    func token(sha256: String) throws -> WriteToken?
}

/// The writes of one transaction opened by `RegistryStore.update`.
public protocol RegistryWriter {
    /// Inserts each facility, or updates the stored one with its id (recording the change in its history); says
    /// which for each, in order, or that nothing changed. Ids must be distinct within one call.
    func upsert(_ facilities: [Facility]) throws -> [UpsertOutcome]
    /// Stores a batch of an import's facility rows: inserts each new id, updates the stored facility with its id
    /// (recording the change in its history) or leaves it as it is, and stores no row whose id an earlier row of the
    /// same transaction has (in this batch or an earlier one: `.repeated`, naming the kept row by its place among the
    /// rows handed over, as the unique index tells ids apart — by their bytes); says which for each, in order. Each
    /// engine stores the rows its own way (SQLite binds their bytes; PostGIS copies them).
    func store(_ rows: FacilityRows) throws -> [RowOutcome]
    /// Inserts each unit, or updates the stored one with its code; says which for each, in order.
    func upsert(_ units: [AdministrativeUnit]) throws -> [UpsertOutcome]
    /// Removes every stored road.
    func deleteRoads() throws
    /// Stores a batch of roads.
    func store(roads: [Road]) throws
    /// Records the import in the log, under the number its history rows name; gives that number.
    @discardableResult func record(_ record: ImportRecord) throws -> Int
    /// Adds a write token; its secret is kept only as `sha256`.
    func addToken(_ token: WriteToken, sha256: String) throws
    /// Removes the token named `name`; false when there is none.
    func removeToken(named name: String) throws -> Bool
    /// Records that the token named `name` was used at `time` (ISO 8601).
    func markTokenUsed(named name: String, at time: String) throws
}

extension RegistryStore {
    public func importFacilities<T>(expectedRows: Int, _ body: (any RegistryWriter) throws -> T) throws -> T {
        try update(body)
    }

    public func importUnits<T>(_ units: OrderedUnits, _ body: (any RegistryWriter, [UpsertOutcome]) throws -> T) throws -> T {
        try update { writer in try body(writer, try writer.upsert(units.all)) }
    }

    public func unitsAndFacilityColumns(attributes: Bool) throws -> (units: [AdministrativeUnit], facilities: FacilityColumns) {
        try streamedUnitsAndFacilityColumns(attributes: attributes)
    }

    public func facilities(atColumnPositions positions: Set<Int>) throws -> [Int: Facility] {
        try streamedFacilities(atColumnPositions: positions)
    }

    public func facilityColumns(changedByImportsAfter importNumber: Int, unitCodes: [String], attributes: Bool) throws -> FacilityColumns {
        try streamedFacilityColumns(changedByImportsAfter: importNumber, unitCodes: unitCodes, attributes: attributes)
    }

    public func facilityRecords(unitCodes: [String]) throws -> (records: FacilityRecords, imports: [Int: String]) {
        try streamedFacilityRecords(unitCodes: unitCodes)
    }

    /// `unitsAndFacilityColumns` over `forEachStoredFacility`.
    public func streamedUnitsAndFacilityColumns(attributes: Bool) throws -> (units: [AdministrativeUnit], facilities: FacilityColumns) {
        try read {
            let units = try self.units()
            let positions = CodePositions(units.map(\.code))
            var columns = FacilityColumns()
            try forEachStoredFacility { rowNumber, _, f in
                columns.append(f, unit: f.unit.map { positions.position(of: $0) } ?? -1, attributes: attributes, rowNumber: rowNumber)
            }
            return (units, columns)
        }
    }

    /// `facilityColumns(changedByImportsAfter:unitCodes:attributes:)` over `forEachStoredFacility`: the rows whose ids
    /// `facilityIDs(changedByImport:)` names for each later import, in storage order.
    public func streamedFacilityColumns(changedByImportsAfter importNumber: Int, unitCodes: [String],
                                        attributes: Bool) throws -> FacilityColumns {
        try read {
            var changed = CodeTable()
            let last = try lastImportNumber()
            if last > importNumber {
                for number in (importNumber + 1)...last {
                    for id in try facilityIDs(changedByImport: number) { changed.insert(id) }
                }
            }
            var columns = FacilityColumns()
            guard changed.count > 0 else { return columns }
            let positions = CodePositions(unitCodes)
            try forEachStoredFacility { rowNumber, _, f in
                guard changed.contains(f.id) else { return }
                columns.append(f, unit: f.unit.map { positions.position(of: $0) } ?? -1, attributes: attributes, rowNumber: rowNumber)
            }
            return columns
        }
    }

    /// `facilities(atColumnPositions:)` over `forEachStoredFacility`.
    public func streamedFacilities(atColumnPositions positions: Set<Int>) throws -> [Int: Facility] {
        guard !positions.isEmpty else { return [:] }
        var found: [Int: Facility] = [:]
        var position = 0
        try forEachStoredFacility { _, _, facility in
            if positions.contains(position) { found[position] = facility }
            position += 1
        }
        return found
    }

    /// `facilityRecords(unitCodes:)` over `forEachStoredFacility`; the imports' numbers are their places in the log
    /// (from 1: rows of the log are never deleted).
    public func streamedFacilityRecords(unitCodes: [String]) throws -> (records: FacilityRecords, imports: [Int: String]) {
        try read {
            var imports: [Int: String] = [:]
            for (i, record) in try importLog().enumerated() { imports[i + 1] = record.file }
            let positions = CodePositions(unitCodes)
            var records = FacilityRecords()
            try forEachStoredFacility { _, createdBy, f in
                var unit: Int32 = -1
                if let code = f.unit { let found = positions.position(of: code); unit = found >= 0 ? found : -2 }
                records.append(f, unit: unit, source: createdBy.map(Int32.init) ?? -1)
            }
            return (records, imports)
        }
    }

    /// Every unit in code order.
    public func units() throws -> [AdministrativeUnit] { try units(level: nil, within: nil) }
    public func units(level: UnitLevel) throws -> [AdministrativeUnit] { try units(level: level, within: nil) }
    public func units(within code: String) throws -> [AdministrativeUnit] { try units(level: nil, within: code) }
    /// How many facilities are stored.
    public func facilityCount() throws -> Int { try facilityCount(kind: nil) }

    /// Each facility in id order (bytes), optionally of one kind and only those that belong to the unit `within`:
    /// registered to it or a unit below it, or registered to no stored unit and inside its boundary. With `after`
    /// and `limit`, only up to `limit` whose id comes after `after`.
    public func forEachFacility(kind: FacilityKind?, within code: String?, after: String?, limit: Int?,
                                _ body: (Facility) throws -> Void) throws {
        try forEachFacility(FacilitySelection(kind: kind, within: code, after: after, limit: limit), body)
    }

    /// Each facility in id order, optionally of one kind and within a unit.
    public func forEachFacility(kind: FacilityKind? = nil, within code: String? = nil,
                                _ body: (Facility) throws -> Void) throws {
        try forEachFacility(kind: kind, within: code, after: nil, limit: nil, body)
    }

    /// Up to `limit` facilities in id order after the id `after`, filtered as `forEachFacility`.
    public func facilities(kind: FacilityKind? = nil, within code: String? = nil, after: String? = nil,
                           limit: Int) throws -> [Facility] {
        var page: [Facility] = []
        try forEachFacility(kind: kind, within: code, after: after, limit: limit) { page.append($0) }
        return page
    }

    /// The stored facilities among `ids`, by id (a scoped upload checks a batch's stored rows at once): one read per
    /// id, for an engine that gives no faster way.
    public func facilities(ids: [String]) throws -> [String: Facility] {
        var found: [String: Facility] = [:]
        for id in ids where found[id] == nil {
            if let facility = try facility(id: id) { found[id] = facility }
        }
        return found
    }

    /// The number of the last import of the `roads` layer (0 when none): the state of the roads a network is built for.
    public func roadsImportNumber() throws -> Int {
        try importLog().last { $0.layer == "roads" }?.number ?? 0
    }

    /// The last time a file with this SHA-256 was imported into `layer`, if ever.
    public func lastImport(sha256: String, layer: String) throws -> ImportRecord? {
        try importLog().last { $0.sha256 == sha256 && $0.layer == layer }
    }
}

/// A registry's tables row by row, as `facilitymap migrate` copies them between engines: plain columns as text, geometry
/// columns as upper-case hex WKB (`RegistryTable`).
public protocol RegistryTableRows: AnyObject {
    /// Calls `body` with every row of `table` in the order of its first column. One snapshot.
    func forEachRow(of table: RegistryTable, _ body: ([String?]) throws -> Void) throws
    /// Inserts rows into empty tables, in one transaction: `body` calls `insert` with each row.
    func insertRows(_ body: (_ insert: (RegistryTable, [String?]) throws -> Void) throws -> Void) throws
}

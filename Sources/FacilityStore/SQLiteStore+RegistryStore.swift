import FacilityGeometry
import FacilityModel
import FacilityRegistry
import Foundation

extension SQLiteStore: RegistryStore, RegistryTableRows {
    public var location: String { path }
    public var isUsable: Bool { true }

    public func update<T>(_ body: (any RegistryWriter) throws -> T) throws -> T {
        try write { try body($0) }
    }

    /// Into a store that holds no facilities, the rows go through the bulk inserter (`FacilityInserter`: many rows a
    /// statement, bound from their bytes); into one that holds some, each is upserted (`StoreWriter.upsert(_:)` of a
    /// row). A large import (over 20,000 rows expected), and every one into a store holding facilities, is a bulk load:
    /// SpatiaLite's per-row triggers (a geometry check and a timestamp update each) lifted, and at the end the R*Tree
    /// packed from the inserter's entries, or given the few new points of the upserts (`finishBulkLoad`).
    /// The units are inserted in code order (`UnitInserter`: SQLite then appends to the unique index of codes instead of
    /// inserting all over it), a code stored already upserted. Many units against those stored (over 1,000, and over a
    /// quarter of them) are a bulk load: the per-row triggers lifted, the location R*Tree packed on another thread
    /// meanwhile (`planUnitLocationIndex`, used when no stored unit was updated) and the boundaries' at the end.
    public func importUnits<T>(_ units: OrderedUnits, _ body: (any RegistryWriter, [UpsertOutcome]) throws -> T) throws -> T {
        try write { writer in
            let lastStored = try lastUnitPK()
            let many = units.count > 1_000 && Int64(units.count) * 4 > lastStored
            let bulkLoad = many ? try writer.beginBulkLoad(of: .units) : nil
            let inserter = try writer.unitInserter(for: bulkLoad)
            let planned = bulkLoad == nil ? nil : try writer.planUnitLocationIndex(units, for: inserter)
            Trace.mark("units ordered, index planned")
            var outcomes: [UpsertOutcome] = []
            outcomes.reserveCapacity(units.count)
            try inserter.insert(units) { index, outcome in
                switch outcome {
                case .inserted: outcomes.append(.inserted)
                case .duplicate: outcomes.append(try writer.upsert(units[index]))  // stored before: updated
                }
            }
            Trace.mark("stored rows")
            let result = try body(writer, outcomes)
            if let bulkLoad { try writer.finishBulkLoad(bulkLoad, unitInserter: inserter, planned: planned) }
            return result
        }
    }

    public func importFacilities<T>(expectedRows: Int, _ body: (any RegistryWriter) throws -> T) throws -> T {
        try write { writer in
            let holdsFacilities = try holdsFacilities()
            let bulkLoad = holdsFacilities || expectedRows > 20_000 ? try writer.beginBulkLoad() : nil
            let inserter = holdsFacilities ? nil : try writer.facilityInserter(for: bulkLoad)
            facilityImport = FacilityImport(inserter: inserter)
            let result = try body(writer)
            // Every row is this import's: its creations are one run from the first.
            if inserter != nil { try writer.recordCreations(fromPK: 1) }
            if let bulkLoad { try writer.finishBulkLoad(bulkLoad, inserter: inserter) }
            return result
        }
    }
}

extension StoreWriter: RegistryWriter {
    public func upsert(_ facilities: [Facility]) throws -> [UpsertOutcome] {
        try facilities.map { try upsert($0) }
    }

    public func store(_ rows: FacilityRows) throws -> [RowOutcome] {
        let state = store.facilityImport ?? FacilityImport(inserter: nil)
        store.facilityImport = state
        var outcomes: [RowOutcome] = []
        outcomes.reserveCapacity(rows.count)
        let first = state.handed
        state.handed += rows.count
        try rows.withRows { count, row in
            guard let inserter = state.inserter else {
                for index in 0..<count { outcomes.append(try store(row(index), place: first + index, state: state)) }
                return
            }
            try inserter.insert(count: count, row: row) { index, outcome in
                switch outcome {
                case let .inserted(pk):
                    state.mark(pk, place: first + index)
                    outcomes.append(.inserted)
                case let .duplicate(pk):
                    // The unique index refused it: a row of this import has the id (the store held none before).
                    if let kept = state.place(ofPK: pk) { outcomes.append(.repeated(of: kept)) }
                    else { outcomes.append(try store(row(index), place: first + index, state: state)) }
                }
            }
        }
        return outcomes
    }

    public func upsert(_ units: [AdministrativeUnit]) throws -> [UpsertOutcome] {
        try units.map { try upsert($0) }
    }
}

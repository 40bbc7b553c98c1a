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
}

extension StoreWriter: RegistryWriter {
    public func upsert(_ facilities: [Facility]) throws -> [UpsertOutcome] {
        try facilities.map { try upsert($0) }
    }

    public func upsert(_ units: [AdministrativeUnit]) throws -> [UpsertOutcome] {
        try units.map { try upsert($0) }
    }
}

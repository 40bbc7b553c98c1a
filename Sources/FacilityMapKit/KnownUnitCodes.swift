import FacilityModel
import FacilityRegistry

/// Whether a unit code is stored, for the warning about rows that name a unit not in the store: a large file reads
/// every stored code at once (`table`, looked up by bytes on the parsing thread), a small one asks the store once per
/// distinct code (ten rows need not read 650,000 codes). No code is unknown while the store holds no units.
final class KnownUnitCodes {
    /// Every stored code, when read at once.
    let table: CodeTable?
    let storeHasUnits: Bool
    private let store: any RegistryStore
    private var answers: [String: Bool] = [:]

    /// `readAll`: read every code now (a large file); else look codes up as they come.
    init(store: any RegistryStore, readAll: Bool) throws {
        self.store = store
        if readAll {
            let table = try store.unitCodeTable()
            self.table = table
            storeHasUnits = table.count > 0
        } else {
            table = nil
            storeHasUnits = !(try store.units(level: nil, within: nil, after: nil, limit: 1)).isEmpty
        }
    }

    /// Whether `code` names no stored unit (never while the store holds none).
    func isUnknown(_ code: String) throws -> Bool {
        guard storeHasUnits else { return false }
        if let table { return !table.contains(code) }
        if let known = answers[code] { return !known }
        let known = try store.containsUnit(code: code)
        answers[code] = known
        return !known
    }
}

import FacilityGeometry
import FacilityModel
import Foundation
import FacilityRegistry

extension SQLiteStore {
    /// Every facility as `FacilityRecords`, in storage order (rows of an unknown kind left out), registered units as
    /// positions in `unitCodes`, each with the import that created it; and the imports' files by number.
    public func forEachStoredFacility(_ body: (_ rowNumber: Int64, _ createdBy: Int?, _ facility: Facility) throws -> Void) throws {
        try read {
            var runs = try creationRuns()
            let statement = try Statement(database: db, sql: "SELECT \(Self.facilityColumns), pk FROM facilities ORDER BY pk")
            defer { statement.finalize() }
            let known = Set(FacilityKind.allCases.map(\.rawValue))
            while try statement.step() {
                guard let kind = statement.text(2), known.contains(kind) else { continue }
                let pk = statement.int(FacilityTable.pk) ?? 0
                try body(Int64(pk), runs.creator(of: pk), try readFacility(statement))
            }
        }
    }

    public func facilityRecords(unitCodes: [String]) throws -> (records: FacilityRecords, imports: [Int: String]) {
        // Inside a caller's read (units and facilities on one snapshot) or a read of its own.
        try read {
            var imports: [Int: String] = [:]
            let log = try Statement(database: db, sql: "SELECT pk, file FROM import_log")
            defer { log.finalize() }
            while try log.step() { imports[log.int(0) ?? 0] = log.text(1) ?? "" }
            // Runs of created row numbers per import, in row order: rows come in pk order, so one pass walks both.
            var runs = try creationRuns()

            let statement = try Statement(database: db, sql: """
                SELECT pk, id, name, kind, unit, beds, places, opened, closed, location FROM facilities ORDER BY pk
                """)
            defer { statement.finalize() }
            var records = FacilityRecords()
            if let first = try db.scalar("SELECT min(pk) FROM facilities")?.int, let last = try db.scalar("SELECT max(pk) FROM facilities")?.int {
                records.reserveCapacity(last - first + 1)
            }
            let kinds = CodePositions(FacilityKind.allCases.map(\.rawValue))
            let units = CodePositions(unitCodes)
            var days = DayReader()
            while try statement.step() {
                guard let kindText = statement.textBytes(3) else { continue }
                let kind = kinds.position(of: kindText)
                guard kind >= 0 else { continue }
                let pk = statement.int(0) ?? 0
                let source = Int32(runs.creator(of: pk) ?? -1)
                var unit: Int32 = -1
                var unknown: String?
                if let code = statement.textBytes(4) {
                    unit = units.position(of: code)
                    if unit < 0 { unit = -2; unknown = statement.text(4) }
                }
                records.append(id: statement.text(1) ?? "", name: statement.textBytes(2), kind: FacilityKind(ordinal: UInt8(kind)),
                               location: try point(statement, column: 9), unit: unit, unknownUnit: unknown, beds: statement.int(5),
                               places: statement.int(6), opened: days.ordinal(statement.textBytes(7)) ?? 0,
                               closed: days.ordinal(statement.textBytes(8)) ?? 0, source: source)
            }
            return (records, imports)
        }
    }

    /// Which import created each facility row (`facility_creations`), for a read in row-number order.
    private func creationRuns() throws -> CreationRuns {
        var runs = CreationRuns()
        let creations = try Statement(database: db, sql: "SELECT first_pk, last_pk, import FROM facility_creations ORDER BY first_pk")
        defer { creations.finalize() }
        while try creations.step() {
            runs.append(first: creations.int(0) ?? 0, last: creations.int(1) ?? 0, import: creations.int(2) ?? -1)
        }
        return runs
    }
}

import FacilityRegistry

/// What one transaction's `StoreWriter.store(_:)` calls have stored: the inserter they use (into a store that held no
/// facilities) and, by row number, which of the rows handed over each stored row is — so that a row whose id an
/// earlier one has is told as a repeat, whether the unique index refused it (the inserter) or the upsert found it.
final class FacilityImport {
    /// Into a store that held no facilities when the import began (`importFacilities`): the inserter that stores the rows.
    let inserter: FacilityInserter?
    /// How many rows were handed over so far.
    var handed = 0
    /// The place among the rows handed over of the row stored (inserted, updated or found unchanged) as each row
    /// number; -1 for none. Row numbers are dense (SQLite's rowids), so an array indexed by them costs no hashing.
    private var placeByPK: [Int32] = []
    /// Row numbers too large for the array (a store whose rowids were set by hand).
    private var placeOfLargePK: [Int64: Int] = [:]
    private static let arrayLimit: Int64 = 1 << 27

    init(inserter: FacilityInserter?) {
        self.inserter = inserter
    }

    /// The place of the row this transaction stored as row `pk`, if it stored one there.
    func place(ofPK pk: Int64) -> Int? {
        guard pk >= 0 else { return nil }
        guard pk < Self.arrayLimit else { return placeOfLargePK[pk] }
        let index = Int(pk)
        guard index < placeByPK.count, placeByPK[index] >= 0 else { return nil }
        return Int(placeByPK[index])
    }

    /// Notes that row `pk` is the row at `place` among those handed over.
    func mark(_ pk: Int64, place: Int) {
        guard pk >= 0 && pk < Self.arrayLimit else { placeOfLargePK[pk] = place; return }
        let index = Int(pk)
        if index >= placeByPK.count {
            placeByPK.append(contentsOf: repeatElement(-1, count: index - placeByPK.count))
            placeByPK.append(Int32(place))
        } else {
            placeByPK[index] = Int32(place)
        }
    }
}

import FacilityFormats
import FacilityModel

/// What the import's parsing thread hands to the storing thread: the rows it took (as bytes, `FacilityRows`), each
/// with its line and where to read it again, and the rows it rejected.
struct FacilityBatch {
    /// Where a row can be had again, for its rejection: a CSV record's position (read again), or its fields (kept).
    enum RowPlace {
        case record(CSVRecordPosition)
        case fields([String])
    }

    var rows: FacilityRows
    /// The line of each row of `rows`.
    var lines: [Int32] = []
    /// Where each row of `rows` is.
    var places: [RowPlace] = []
    /// Whether each row of `rows` names a unit the store does not hold (when the parser had every code at hand).
    var unknownUnit: [Bool] = []
    /// Rows the parser rejected.
    var rejections: [Rejection] = []
    /// Data rows read so far, and bytes: for the progress display.
    var rowsRead = 0
    var bytesRead = 0

    init(capacity: Int) {
        rows = FacilityRows(capacity: capacity)
        lines.reserveCapacity(capacity)
        places.reserveCapacity(capacity)
        unknownUnit.reserveCapacity(capacity)
    }
}

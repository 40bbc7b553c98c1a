import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore

/// Facilities parsed by the import's parsing thread, their texts copied into one byte buffer: what it hands to
/// the storing thread, making no `String` per field.
struct FacilityBatch {
    /// A text's place in `text`; `count` -1 for none.
    struct TextRange {
        var start: Int32
        var count: Int32
        static let none = TextRange(start: 0, count: -1)
    }

    struct Entry {
        var id: TextRange
        var name: TextRange
        var unit: TextRange
        var level: TextRange
        var kind: FacilityKind
        var location: LonLat
        var beds: Int?
        var doctors: Int?
        var gps: Int?
        var places: Int?
        var inclusive: Bool?
        var opened: Day?
        var closed: Day?
        var attributes: [String: String]
        /// Where the row is in the file (to read it again for a rejection).
        var position: CSVRecordPosition
        /// Registered to a unit code the store does not hold (counted only if the row is stored).
        var unknownUnit: Bool
    }

    private(set) var text: [UInt8] = []
    private(set) var entries: [Entry] = []
    /// Rows the parser rejected.
    var rejections: [Rejection] = []
    /// Data rows read so far, and bytes: for the progress display.
    var rowsRead = 0
    var bytesRead = 0

    init(capacity: Int) {
        entries.reserveCapacity(capacity)
        text.reserveCapacity(capacity * 64)
    }

    var count: Int { entries.count }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>?) -> TextRange {
        guard let bytes else { return .none }
        let range = TextRange(start: Int32(text.count), count: Int32(bytes.count))
        text.append(contentsOf: bytes)
        return range
    }

    mutating func append(_ row: FacilityRow, position: CSVRecordPosition, unknownUnit: Bool) {
        entries.append(Entry(
            id: add(row.id), name: add(row.name), unit: add(row.unit), level: add(row.level), kind: row.kind,
            location: row.location, beds: row.beds, doctors: row.doctors, gps: row.gps, places: row.places,
            inclusive: row.inclusive, opened: row.opened, closed: row.closed, attributes: row.attributes,
            position: position, unknownUnit: unknownUnit))
    }

    mutating func append(_ facility: Facility, position: CSVRecordPosition, unknownUnit: Bool) {
        var id = facility.id, name = facility.name
        var unit = facility.unit, level = facility.level
        func range(_ text: inout String?) -> TextRange {
            guard text != nil else { return .none }
            return text!.withUTF8 { add($0) }
        }
        entries.append(Entry(
            id: id.withUTF8 { add($0) }, name: name.withUTF8 { add($0) }, unit: range(&unit), level: range(&level),
            kind: facility.kind, location: facility.location, beds: facility.beds, doctors: facility.doctors,
            gps: facility.gps, places: facility.places, inclusive: facility.inclusive, opened: facility.opened,
            closed: facility.closed, attributes: facility.attributes, position: position, unknownUnit: unknownUnit))
    }

    /// Calls `body` with the number of facilities and a function giving each as a `FacilityRow` (valid during the call).
    func withRows<R>(_ body: (Int, (Int) -> FacilityRow) throws -> R) rethrows -> R {
        try text.withUnsafeBufferPointer { text in
            func bytes(_ range: TextRange) -> UnsafeBufferPointer<UInt8>? {
                guard range.count >= 0 else { return nil }
                return UnsafeBufferPointer(rebasing: text[Int(range.start)..<Int(range.start + range.count)])
            }
            return try body(entries.count) { index in
                let entry = entries[index]
                return FacilityRow(
                    id: bytes(entry.id)!, name: bytes(entry.name)!, kind: entry.kind, location: entry.location,
                    unit: bytes(entry.unit), beds: entry.beds, doctors: entry.doctors, gps: entry.gps,
                    places: entry.places, inclusive: entry.inclusive, level: bytes(entry.level), opened: entry.opened,
                    closed: entry.closed, attributes: entry.attributes)
            }
        }
    }
}

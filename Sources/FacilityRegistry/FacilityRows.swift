import FacilityGeometry
import FacilityModel

/// A validated facility as UTF-8 bytes and numbers: what the bulk import binds straight from the bytes of a
/// CSV record, making no `String` or `Facility` per row. The buffers need only live until `insert` returns.
public struct FacilityRow {
    public var id: UnsafeBufferPointer<UInt8>
    public var name: UnsafeBufferPointer<UInt8>
    public var kind: FacilityKind
    /// WGS-84 position.
    public var location: LonLat
    public var unit: UnsafeBufferPointer<UInt8>?
    public var counts: FacilityCounts
    public var inclusive: Bool?
    public var level: UnsafeBufferPointer<UInt8>?
    public var opened: Day?
    public var closed: Day?
    /// Extra columns, as `Facility.attributes`.
    public var attributes: [String: String]

    public init(id: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>, kind: FacilityKind, location: LonLat,
                unit: UnsafeBufferPointer<UInt8>? = nil, counts: FacilityCounts = FacilityCounts(), inclusive: Bool? = nil, level: UnsafeBufferPointer<UInt8>? = nil,
                opened: Day? = nil, closed: Day? = nil, attributes: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.location = location
        self.unit = unit
        self.counts = counts
        self.inclusive = inclusive
        self.level = level
        self.opened = opened
        self.closed = closed
        self.attributes = attributes
    }
}

extension Facility {
    /// The facility a `FacilityRow` describes (its texts copied out of the row's bytes).
    public init(_ row: FacilityRow) {
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        self.init(id: text(row.id), name: text(row.name), kind: row.kind, location: row.location,
                  unit: row.unit.map(text), counts: row.counts,
                  inclusive: row.inclusive, level: row.level.map(text), opened: row.opened, closed: row.closed,
                  attributes: row.attributes)
    }
}


/// Facility rows of one import held as bytes: their texts in one buffer, their numbers beside. What an importer hands
/// the store a batch at a time (`RegistryWriter.store(_:)`), making no `String` per field; an engine binds the bytes
/// (SQLite) or makes `Facility` values of them (`facilities()`).
public struct FacilityRows {
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
        var counts: FacilityCounts
        var inclusive: Bool?
        var opened: Day?
        var closed: Day?
        var attributes: [String: String]
    }

    private var text: [UInt8] = []
    private var entries: [Entry] = []

    public init(capacity: Int = 0) {
        entries.reserveCapacity(capacity)
        text.reserveCapacity(capacity * 64)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>?) -> TextRange {
        guard let bytes else { return .none }
        let range = TextRange(start: Int32(text.count), count: Int32(bytes.count))
        text.append(contentsOf: bytes)
        return range
    }

    /// Adds `row`, its texts copied.
    public mutating func append(_ row: FacilityRow) {
        entries.append(Entry(
            id: add(row.id), name: add(row.name), unit: add(row.unit), level: add(row.level), kind: row.kind,
            location: row.location, counts: row.counts,
            inclusive: row.inclusive, opened: row.opened, closed: row.closed, attributes: row.attributes))
    }

    /// Adds `facility`.
    public mutating func append(_ facility: Facility) {
        var id = facility.id, name = facility.name
        var unit = facility.unit, level = facility.level
        func range(_ text: inout String?) -> TextRange {
            guard text != nil else { return .none }
            return text!.withUTF8 { add($0) }
        }
        entries.append(Entry(
            id: id.withUTF8 { add($0) }, name: name.withUTF8 { add($0) }, unit: range(&unit), level: range(&level),
            kind: facility.kind, location: facility.location, counts: facility.counts, inclusive: facility.inclusive, opened: facility.opened,
            closed: facility.closed, attributes: facility.attributes))
    }

    /// Calls `body` with the number of rows and a function giving each as a `FacilityRow` (valid during the call).
    public func withRows<R>(_ body: (Int, (Int) -> FacilityRow) throws -> R) rethrows -> R {
        try text.withUnsafeBufferPointer { text in
            func bytes(_ range: TextRange) -> UnsafeBufferPointer<UInt8>? {
                guard range.count >= 0 else { return nil }
                return UnsafeBufferPointer(rebasing: text[Int(range.start)..<Int(range.start + range.count)])
            }
            return try body(entries.count) { index in
                let entry = entries[index]
                return FacilityRow(
                    id: bytes(entry.id)!, name: bytes(entry.name)!, kind: entry.kind, location: entry.location,
                    unit: bytes(entry.unit), counts: entry.counts, inclusive: entry.inclusive, level: bytes(entry.level), opened: entry.opened,
                    closed: entry.closed, attributes: entry.attributes)
            }
        }
    }

    /// Every row as a `Facility`, in order.
    public func facilities() -> [Facility] {
        withRows { count, row in (0..<count).map { Facility(row($0)) } }
    }
}

import FacilityGeometry

/// Facilities as parallel columns of what measures read (no ids, names, grades), for millions of facilities
/// without a `Facility` value and its strings each. Row `i` of every column is the same facility.
public struct FacilityColumns: Equatable, Sendable {
    /// Each facility's kind, as its position in `FacilityKind.allCases`.
    public var kind: [UInt8] = []
    public var location: [LonLat] = []
    /// The registered unit, as its position in the unit list the columns were built against; -1 when the
    /// facility names no unit or one not in that list.
    public var unit: [Int32] = []
    /// One column per `FacilityCount`, by its ordinal (see `column(_:)`): 0 where the facility states none.
    public var counts: [[Int]] = FacilityCount.allCases.map { _ in [] }
    /// Whether the facility is inclusive (普惠); false when stated false or not stated.
    public var inclusive: [Bool] = []
    /// `Day.ordinal` of the first day of service; `Int32.min` when unknown.
    public var opened: [Int32] = []
    /// `Day.ordinal` of the closing day; `Int32.max` when open.
    public var closed: [Int32] = []
    /// Extra attributes, one dictionary per facility when they were read, else empty.
    public var attributes: [[String: String]] = []
    /// Each facility's row number in the store, ascending (storage order), when read from a store; empty for
    /// columns made from values. What lets a changed row be found again (`replacing(with:)`).
    public var rowNumber: [Int64] = []

    public init() {}

    /// The columns of `facilities`, their units resolved by `unitIndex` (a position, or nil when not in the list).
    public init(_ facilities: [Facility], unitIndex: (String) -> Int?) {
        reserveCapacity(facilities.count, attributes: true)
        for f in facilities {
            append(f, unit: f.unit.flatMap(unitIndex).map(Int32.init) ?? -1, attributes: true)
        }
    }

    public var count: Int { kind.count }

    /// Reserves room for `count` facilities (and their attributes when `attributes`).
    public mutating func reserveCapacity(_ count: Int, attributes: Bool) {
        kind.reserveCapacity(count)
        location.reserveCapacity(count)
        unit.reserveCapacity(count)
        for k in counts.indices { counts[k].reserveCapacity(count) }
        inclusive.reserveCapacity(count)
        opened.reserveCapacity(count)
        closed.reserveCapacity(count)
        rowNumber.reserveCapacity(count)
        if attributes { self.attributes.reserveCapacity(count) }
    }

    /// Adds `facility`, registered to the unit at position `unit` (-1: none, or not in the list), with its attributes
    /// when `attributes` (kept only when every facility so far had its attributes added) and its row number if read
    /// from a store.
    public mutating func append(_ facility: Facility, unit: Int32, attributes: Bool, rowNumber: Int64? = nil) {
        append(kindOrdinal: facility.kind.ordinal, location: facility.location, unit: unit, counts: facility.counts,
               inclusive: facility.inclusive == true, opened: facility.opened?.ordinal ?? Int32.min,
               closed: facility.closed?.ordinal ?? Int32.max, attributes: attributes ? facility.attributes : nil,
               rowNumber: rowNumber)
    }

    /// Adds one facility from already encoded values (see the columns); a count not stated is added as 0.
    public mutating func append(kindOrdinal: UInt8, location: LonLat, unit: Int32, counts: FacilityCounts, inclusive: Bool, opened: Int32, closed: Int32, attributes: [String: String]? = nil,
                                rowNumber: Int64? = nil) {
        if let attributes, self.attributes.count == kind.count { self.attributes.append(attributes) }
        if let rowNumber, self.rowNumber.count == kind.count { self.rowNumber.append(rowNumber) }
        kind.append(kindOrdinal)
        self.location.append(location)
        self.unit.append(unit)
        for count in FacilityCount.allCases { self.counts[count.ordinal].append(counts.orZero(count)) }
        self.inclusive.append(inclusive)
        self.opened.append(opened)
        self.closed.append(closed)
    }

    /// Appends the facilities of `other` after these.
    public mutating func append(contentsOf other: FacilityColumns) {
        if attributes.count == kind.count && other.attributes.count == other.kind.count { attributes += other.attributes }
        if rowNumber.count == kind.count && other.rowNumber.count == other.kind.count { rowNumber += other.rowNumber }
        kind += other.kind
        location += other.location
        unit += other.unit
        for k in counts.indices { counts[k] += other.counts[k] }
        inclusive += other.inclusive
        opened += other.opened
        closed += other.closed
    }

    /// These columns with the rows of `changed` (read from the same store, with row numbers, in storage order) in
    /// place of the rows with their numbers, and those after the last row appended; with the position each of
    /// `changed`'s rows took. Nil when either has no row numbers, or attributes only one of them, or a changed row
    /// would fall between stored ones (a store's new rows take numbers after every stored one).
    public func replacing(with changed: FacilityColumns) -> (columns: FacilityColumns, positions: [Int])? {
        guard rowNumber.count == count, changed.rowNumber.count == changed.count,
              (attributes.count == count) == (changed.attributes.count == changed.count) || changed.count == 0 else { return nil }
        var columns = self
        var positions: [Int] = []
        positions.reserveCapacity(changed.count)
        for i in 0..<changed.count {
            let number = changed.rowNumber[i]
            var lo = 0, hi = columns.rowNumber.count
            while lo < hi { let mid = (lo + hi) / 2; if columns.rowNumber[mid] < number { lo = mid + 1 } else { hi = mid } }
            if lo < columns.rowNumber.count && columns.rowNumber[lo] == number {
                columns.kind[lo] = changed.kind[i]; columns.location[lo] = changed.location[i]; columns.unit[lo] = changed.unit[i]
                for k in columns.counts.indices { columns.counts[k][lo] = changed.counts[k][i] }
                columns.inclusive[lo] = changed.inclusive[i]
                columns.opened[lo] = changed.opened[i]; columns.closed[lo] = changed.closed[i]
                if columns.attributes.count == columns.count { columns.attributes[lo] = changed.attributes[i] }
                positions.append(lo)
            } else if lo == columns.rowNumber.count {
                positions.append(columns.count)
                columns.append(kindOrdinal: changed.kind[i], location: changed.location[i], unit: changed.unit[i],
                               counts: changed.counts(of: i),
                               inclusive: changed.inclusive[i], opened: changed.opened[i], closed: changed.closed[i],
                               attributes: changed.attributes.count == changed.count ? changed.attributes[i] : nil, rowNumber: number)
            } else {
                return nil
            }
        }
        return (columns, positions)
    }

    /// The column of `count`: each facility's value, 0 where it states none.
    public func column(_ count: FacilityCount) -> [Int] { counts[count.ordinal] }

    /// Facility `i`'s counts (0 read back as stated: the columns keep no difference).
    public func counts(of i: Int) -> FacilityCounts {
        var result = FacilityCounts()
        for count in FacilityCount.allCases { result[count] = counts[count.ordinal][i] }
        return result
    }

    /// Whether facility `i` counts on the day with ordinal `day` (as `Facility.isOpen(on:)`).
    @inline(__always)
    public func isOpen(_ i: Int, on day: Int32) -> Bool {
        opened[i] <= day && closed[i] > day
    }

    /// The extra attributes of facility `i`, empty when they were not read.
    public func attributes(of i: Int) -> [String: String] {
        i < attributes.count ? attributes[i] : [:]
    }
}

extension FacilityKind {
    /// The kind's position in `allCases`.
    public var ordinal: UInt8 { Self.ordinals[self]! }

    private static let ordinals: [FacilityKind: UInt8] =
        Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, UInt8($0)) })

    /// The kind at `ordinal` in `allCases`.
    public init(ordinal: UInt8) { self = Self.allCases[Int(ordinal)] }
}

extension Day {
    /// `YYYYMMDD` as a number: ordinals compare as the days do.
    public var ordinal: Int32 { Int32(year * 10_000 + month * 100 + day) }

    /// The day of an `ordinal` (nil for one that names no day, such as the columns' "unknown" and "open").
    public init?(ordinal: Int32) {
        guard ordinal > 0 else { return nil }
        self.init(year: Int(ordinal / 10_000), month: Int(ordinal / 100 % 100), day: Int(ordinal % 100))
    }
}

import Foundation
import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore

/// The fast path of the facilities import: reads a clean CSV record's bytes straight into a `FacilityRow`,
/// making no `String` per field.
///
/// It takes only rows whose every cell is in its plainest form (`112.45`, `2021-03-01`, `120`, `true`) and
/// valid; for any other row it returns nil and the importer parses the row as text (`FacilityImporter.parse`),
/// which accepts the other forms and words every rejection. So both paths store the same values.
struct FacilityFastPath {
    private let column: [Int]
    private let headerCount: Int
    private let extras: [(name: String, index: Int)]
    private let coordinateSystem: CoordinateSystem
    private let areas: AreaIndex
    /// Every name `FacilityKind(argument:)` takes as it is (`village_clinic`, `village-clinic`, `村卫生室`).
    private let kinds: CodeTable
    private let kindByNumber: [FacilityKind]
    private let yes: CodeTable
    private let no: CodeTable

    init(columns: ColumnMap<FacilityField>, coordinateSystem: CoordinateSystem, areas: AreaIndex) {
        column = FacilityField.allCases.map { columns.index[$0] ?? -1 }
        headerCount = columns.header.count
        extras = columns.extras
        self.coordinateSystem = coordinateSystem
        self.areas = areas
        var kinds = CodeTable()
        var kindByNumber: [FacilityKind] = []
        for kind in FacilityKind.allCases {
            for name in [kind.rawValue, kind.rawValue.replacingOccurrences(of: "_", with: "-")] + kind.chineseNames
            where FacilityKind(argument: name) == kind && kinds.number(of: name) == nil {
                kinds.insert(name)
                kindByNumber.append(kind)
            }
        }
        self.kinds = kinds
        self.kindByNumber = kindByNumber
        var yes = CodeTable(), no = CodeTable()
        for text in YesNo.yes { yes.insert(text) }
        for text in YesNo.no { no.insert(text) }
        self.yes = yes
        self.no = no
    }

    /// Calls `body` with the row `record` holds and returns its result; nil (without calling it) when the row
    /// needs the text path.
    func withRow<R>(_ record: CSVRawRecord, _ body: (FacilityRow) throws -> R) rethrows -> R? {
        guard record.isClean, record.count <= headerCount else { return nil }
        let fields = record.fields
        // The trimmed cell of a field; `.absent` for a missing or empty one, nil when trimming needs the text path.
        func cell(_ field: FacilityField) -> Cell? {
            let index = column[field.ordinal]
            guard index >= 0, index < fields.count else { return .absent }
            guard let bytes = Self.trimmed(fields.field(index)) else { return nil }
            return bytes.isEmpty ? .absent : .bytes(bytes)
        }
        guard case let .bytes(id)? = cell(.id), case let .bytes(name)? = cell(.name),
              case let .bytes(kindText)? = cell(.kind),
              let kind = kinds.number(of: kindText).map({ kindByNumber[$0] }),
              case let .bytes(lonText)? = cell(.lon), let lon = Self.decimal(lonText), (-180...180).contains(lon),
              case let .bytes(latText)? = cell(.lat), let lat = Self.decimal(latText), (-90...90).contains(lat)
        else { return nil }
        let location = coordinateSystem.toWGS84(LonLat(lon, lat))
        if !areas.isEmpty && !areas.covers(location) { return nil }

        var counts = FacilityCounts()
        for field in FacilityCount.allCases {
            guard let value = count(cell(.count(field))) else { return nil }
            counts[field] = value.value
        }
        guard let unit = cell(.unit), let level = cell(.level), let inclusive = boolean(cell(.inclusive)),
              let opened = day(cell(.opened), bareYearMeansEnd: false),
              let closed = day(cell(.closed), bareYearMeansEnd: true)
        else { return nil }
        if let o = opened.value, let c = closed.value, c < o { return nil }

        var attributes: [String: String] = [:]
        var attributeBytes = 0
        for (name, index) in extras where index < fields.count {
            let bytes = fields.field(index)
            attributeBytes += bytes.count
            if !bytes.isEmpty { attributes[name] = String(decoding: bytes, as: UTF8.self) }
        }
        if attributeBytes > ImportLimits.attributeBytes / 2 { return nil }  // the text path words the limit
        return try body(FacilityRow(
            id: id, name: name, kind: kind, location: location, unit: unit.value, counts: counts, inclusive: inclusive.value,
            level: level.value, opened: opened.value, closed: closed.value, attributes: attributes))
    }

    enum Cell {
        case absent
        case bytes(UnsafeBufferPointer<UInt8>)

        var value: UnsafeBufferPointer<UInt8>? {
            if case let .bytes(bytes) = self { return bytes }
            return nil
        }
    }

    /// A parsed optional cell: `.init(value: nil)` for an absent one. (A wrapper, so that nil can mean "text path".)
    struct Parsed<T> {
        let value: T?
    }

    /// Digits only (at most 15): what `Int` reads the same way; otherwise nil.
    private func count(_ cell: Cell?) -> Parsed<Int>? {
        guard let cell else { return nil }
        guard case let .bytes(bytes) = cell else { return Parsed(value: nil) }
        guard bytes.count <= 15 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return Parsed(value: value)
    }

    private func boolean(_ cell: Cell?) -> Parsed<Bool>? {
        guard let cell else { return nil }
        guard case let .bytes(bytes) = cell else { return Parsed(value: nil) }
        if yes.contains(bytes) { return Parsed(value: true) }
        if no.contains(bytes) { return Parsed(value: false) }
        return nil
    }

    /// `YYYY-MM-DD` or a bare `YYYY`, valid; otherwise nil.
    private func day(_ cell: Cell?, bareYearMeansEnd: Bool) -> Parsed<Day>? {
        guard let cell else { return nil }
        guard case let .bytes(b) = cell else { return Parsed(value: nil) }
        return Day(bytes: b, bareYearMeansEnd: bareYearMeansEnd).map { Parsed(value: $0) }
    }

    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { value, _ in value * 10 } }

    /// A plain decimal `-?digits[.digits]` with at most 15 digits in all, read exactly as `Double(_:)` reads
    /// it (both the digits and the power of ten are exact doubles, so one division rounds correctly);
    /// otherwise nil.
    static func decimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var k = 0
        let negative = b.count > 0 && b[0] == 0x2D
        if negative { k = 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = -1
        while k < b.count {
            let byte = b[k]
            if byte >= 0x30 && byte <= 0x39 {
                mantissa = mantissa * 10 + Int64(byte - 0x30)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else if byte == 0x2E && fraction < 0 {
                fraction = 0
            } else {
                return nil
            }
            k += 1
        }
        // At least one digit before and, if there is a point, after it.
        guard digits > 0, digits <= 15, fraction != 0, b[negative ? 1 : 0] != 0x2E else { return nil }
        let value = Double(mantissa) / powersOfTen[max(fraction, 0)]
        return negative ? -value : value
    }

    /// `bytes` without leading and trailing ASCII white space, as `String.trimmed` would give it; nil when an
    /// end is a non-ASCII character that may be white space (U+00A0, U+3000, …), left to the text path.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var lower = 0, upper = bytes.count
        while lower < upper, isASCIIBlank(bytes[lower]) { lower += 1 }
        while upper > lower, isASCIIBlank(bytes[upper - 1]) { upper -= 1 }
        guard lower < upper else { return UnsafeBufferPointer(rebasing: bytes[0..<0]) }
        // Unicode white space outside ASCII is U+0085, U+00A0, U+1680, U+2000–U+205F and U+3000: its
        // UTF-8 lead byte is C2, E1, E2 or E3.
        if (0xC2...0xE3).contains(bytes[lower]) && !(0xC3...0xE0).contains(bytes[lower]) { return nil }
        var lead = upper - 1
        while lead > lower, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        if (0xC2...0xE3).contains(bytes[lead]) && !(0xC3...0xE0).contains(bytes[lead]) { return nil }
        return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
    }

    private static func isASCIIBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}

/// The fast path of a units CSV import: a clean record whose cells are in their plainest form becomes an
/// `AdministrativeUnit` without the text parser; nil sends the row to it (which also words every rejection).
struct UnitFastPath {
    /// The column of each `UnitColumn`, by its position in `allCases` (-1: absent).
    private let column: [Int]
    private let headerCount: Int
    private let extras: [(name: String, index: Int)]
    private let level: UnitLevel?
    private let coordinateSystem: CoordinateSystem

    init(columns: ColumnMap<UnitColumn>, level: UnitLevel?, coordinateSystem: CoordinateSystem) {
        column = UnitColumn.allCases.map { columns.index[$0] ?? -1 }
        headerCount = columns.header.count
        extras = columns.extras
        self.level = level
        self.coordinateSystem = coordinateSystem
    }

    /// The level whose name the bytes are exactly (lower case), without making a `String`.
    static func level(_ bytes: UnsafeBufferPointer<UInt8>) -> UnitLevel? {
        guard let first = bytes.first else { return nil }
        let level: UnitLevel
        switch (bytes.count, first) {
        case (4, 0x63): level = .city
        case (8, 0x64): level = .district
        case (8, 0x74): level = .township
        case (9, 0x63): level = .community
        case (7, 0x76): level = .village
        default: return nil
        }
        var name = level.rawValue
        return name.withUTF8 { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 } ? level : nil
    }

    func unit(_ record: CSVRawRecord) -> AdministrativeUnit? {
        guard record.isClean, record.count <= headerCount else { return nil }
        let fields = record.fields
        /// The trimmed cell (empty when absent), or nil when trimming needs the text path.
        func cell(_ field: UnitColumn) -> UnsafeBufferPointer<UInt8>? {
            let index = column[field.ordinal]
            guard index >= 0, index < fields.count else { return UnsafeBufferPointer(start: nil, count: 0) }
            return FacilityFastPath.trimmed(fields.field(index))
        }
        func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        guard let code = cell(.code), !code.isEmpty, let name = cell(.name), !name.isEmpty,
              let levelText = cell(.level), let parent = cell(.parent), let populationText = cell(.population),
              let lonText = cell(.lon), let latText = cell(.lat)
        else { return nil }
        var level = self.level
        if !levelText.isEmpty {
            guard let parsed = Self.level(levelText) ?? UnitLevel(argument: text(levelText)) else { return nil }
            level = parsed
        }
        guard let level else { return nil }
        var population: Int?
        if !populationText.isEmpty {
            guard populationText.count <= 15, populationText.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            population = populationText.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        var location: LonLat?
        if !lonText.isEmpty || !latText.isEmpty {
            guard let lon = FacilityFastPath.decimal(lonText), (-180...180).contains(lon),
                  let lat = FacilityFastPath.decimal(latText), (-90...90).contains(lat) else { return nil }
            location = coordinateSystem.toWGS84(LonLat(lon, lat))
        }
        var attributes: [String: String] = [:]
        var attributeBytes = 0
        for (name, index) in extras where index < fields.count {
            let bytes = fields.field(index)
            attributeBytes += bytes.count
            if !bytes.isEmpty { attributes[name] = text(bytes) }
        }
        if attributeBytes > ImportLimits.attributeBytes / 2 { return nil }  // the text path words the limit
        return AdministrativeUnit(code: text(code), name: text(name), level: level,
                                  parent: parent.isEmpty ? nil : text(parent), population: population,
                                  location: location, attributes: attributes)
    }
}

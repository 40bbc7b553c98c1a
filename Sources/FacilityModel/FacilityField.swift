/// The table of a facility's fields: what each is called in a header (in English and Chinese), in the store, in
/// JSON and GeoJSON, in listings and in history. Every part of the tool that names the fields reads them here.
///
/// Adding a whole-number field (nurses, say) is one case of `FacilityCount` with its names below (past four,
/// `FacilityCounts` holds them in a `SIMD8`), and a column added by a migration of each engine's schema; importers,
/// stores, exports, listings, history, `suggest` and targets (`field: nurses`) take it from the table.

/// A whole number a facility states — what `per_population`, `share` and `access` targets sum and capacity siting
/// adds. Raw values are the names in headers, targets files, store columns and exports.
public enum FacilityCount: String, CaseIterable, Sendable {
    case beds, doctors, gps, places

    /// The Chinese name registers use for it, shown beside the English one (`beds (床位数)`).
    public var label: String {
        switch self {
        case .beds: "床位数"
        case .doctors: "医生数"
        case .gps: "全科医生数"
        case .places: "学位数"
        }
    }

    /// Other header names it is read from (besides `rawValue` and `label`), matched without regard to case.
    public var aliases: [String] {
        switch self {
        case .beds: ["床位", "床位总数", "床位数量"]
        case .doctors: ["执业医师数", "医师数"]
        case .gps: ["general_practitioners", "全科医师数", "全科医生"]
        case .places: ["学位"]
        }
    }

    /// Position in `allCases` (and in `FacilityCounts`).
    @inlinable
    public var ordinal: Int {
        switch self {
        case .beds: 0
        case .doctors: 1
        case .gps: 2
        case .places: 3
        }
    }

    /// How many counts there are: `allCases.count`, known to the compiler (a test holds them equal).
    @inlinable
    public static var caseCount: Int { 4 }

    /// `beds, doctors, gps or places`: the names, for messages.
    public static var names: String {
        let names = allCases.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}

/// The counts a facility states, by `FacilityCount`; nil where it states none. Held inline, a plain value of fixed
/// layout (no allocation, copied as bytes).
public struct FacilityCounts: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// One lane per `FacilityCount`, by ordinal; `Int.min` where none is stated. (A fifth count takes `SIMD8`.)
    @usableFromInline var values: SIMD4<Int>

    /// No count stated.
    @inlinable
    public init() { values = SIMD4(repeating: Int.min) }

    public init(dictionaryLiteral elements: (FacilityCount, Int?)...) {
        self.init()
        for (count, value) in elements { self[count] = value }
    }

    /// The stated value of `count`, or nil.
    @inlinable
    public subscript(_ count: FacilityCount) -> Int? {
        get { let value = values[count.ordinal]; return value == Int.min ? nil : value }
        set { values[count.ordinal] = newValue ?? Int.min }
    }

    /// The value of `count`, 0 where none is stated (what measures sum).
    @inlinable
    public func orZero(_ count: FacilityCount) -> Int { self[count] ?? 0 }

    /// Whether no count is stated.
    public var isEmpty: Bool { FacilityCount.allCases.allSatisfy { self[$0] == nil } }
}

/// A column of a facilities table (CSV header, listing, export), in the order files list them.
public enum FacilityField: Hashable, Sendable, CaseIterable, RawRepresentable {
    case id, name, kind, lon, lat, unit
    case count(FacilityCount)
    case inclusive, level, opened, closed

    public static let allCases: [FacilityField] =
        [.id, .name, .kind, .lon, .lat, .unit] + FacilityCount.allCases.map(FacilityField.count) + [.inclusive, .level, .opened, .closed]

    /// The fields every row needs.
    public static let required: [FacilityField] = [.id, .name, .kind, .lon, .lat]

    /// The English name: in headers, listings, JSON and GeoJSON members.
    @inlinable
    public var rawValue: String {
        switch self {
        case .id: "id"
        case .name: "name"
        case .kind: "kind"
        case .lon: "lon"
        case .lat: "lat"
        case .unit: "unit"
        case let .count(count): count.rawValue
        case .inclusive: "inclusive"
        case .level: "level"
        case .opened: "opened"
        case .closed: "closed"
        }
    }

    public init?(rawValue: String) {
        guard let field = Self.byName[rawValue] else { return nil }
        self = field
    }

    private static let byName: [String: FacilityField] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The Chinese name registers use for it (`编号`, `床位数`).
    public var label: String {
        switch self {
        case .id: "编号"
        case .name: "名称"
        case .kind: "类型"
        case .lon: "经度"
        case .lat: "纬度"
        case .unit: "所属区划代码"
        case let .count(count): count.label
        case .inclusive: "普惠"
        case .level: "等级"
        case .opened: "开办日期"
        case .closed: "关闭日期"
        }
    }

    /// Every header name it is read from besides `rawValue`: `label` first, matched without regard to case.
    public var aliases: [String] {
        let others: [String] = switch self {
        case .id: ["机构编号", "facility_id"]
        case .name: ["机构名称", "单位名称"]
        case .kind: ["机构类型", "type", "机构类别", "类别"]
        case .lon: ["longitude", "lng", "x"]
        case .lat: ["latitude", "y"]
        case .unit: ["区划代码", "unit_code", "行政区划代码"]
        case let .count(count): count.aliases
        case .inclusive: ["是否普惠", "普惠性", "是否普惠性"]
        case .level: []
        case .opened: ["开业日期", "开办时间"]
        case .closed: ["停业日期", "关闭时间"]
        }
        return [label] + others
    }

    /// Position in `allCases`.
    @inlinable
    public var ordinal: Int {
        switch self {
        case .id: 0
        case .name: 1
        case .kind: 2
        case .lon: 3
        case .lat: 4
        case .unit: 5
        case let .count(count): 6 + count.ordinal
        case .inclusive: 6 + FacilityCount.caseCount
        case .level: 7 + FacilityCount.caseCount
        case .opened: 8 + FacilityCount.caseCount
        case .closed: 9 + FacilityCount.caseCount
        }
    }
}

import FacilityModel
import Foundation

/// Maps a CSV header to the fields FacilityMap knows, by English or Chinese name, in any order.
struct ColumnMap<Field: Hashable & CaseIterable & RawRepresentable> where Field.RawValue == String {
    /// The column index of each known field present in the header.
    let index: [Field: Int]
    /// The same, by the field's position in `Field.allCases` (-1: absent): read for every cell, so no hashing.
    private let columnByOrdinal: [Int]
    private let allFields = Array(Field.allCases)
    /// Columns that are not known fields: kept as text attributes, by header name.
    let extras: [(name: String, index: Int)]
    let header: [String]

    init(header: [String], aliases: (Field) -> [String]) {
        var table: [String: Field] = [:]
        for field in Field.allCases {
            table[field.rawValue] = field
            for alias in aliases(field) { table[alias.lowercased()] = field }
        }
        var index: [Field: Int] = [:]
        var extras: [(String, Int)] = []
        for (column, name) in header.enumerated() {
            let key = name.trimmed.lowercased()
            if let field = table[key], index[field] == nil {
                index[field] = column
            } else if !name.isEmpty {
                extras.append((name, column))
            }
        }
        self.index = index
        self.extras = extras
        self.header = header
        columnByOrdinal = Field.allCases.map { index[$0] ?? -1 }
    }

    func missing(_ required: [Field]) -> [Field] { required.filter { index[$0] == nil } }

    /// The trimmed value of `field` in `row`, or nil when the column is absent or the cell is empty.
    func value(_ field: Field, in row: [String]) -> String? {
        value(at: allFields.firstIndex(of: field)!, in: row)
    }

    /// The trimmed value of the field at `ordinal` (its position in `Field.allCases`), or nil.
    func value(at ordinal: Int, in row: [String]) -> String? {
        let column = columnByOrdinal[ordinal]
        guard column >= 0, column < row.count else { return nil }
        let value = row[column].trimmed
        return value.isEmpty ? nil : value
    }

    /// The header's own name for `field` (for messages), or the field's English name.
    func name(_ field: Field) -> String {
        index[field].map { header[$0] } ?? field.rawValue
    }

    /// Refuses a header wider than `ImportLimits.columns`.
    func checkWidth(file: String, line: Int) throws {
        if header.count > ImportLimits.columns {
            throw ImportError.tooManyColumns(file: file, line: line, count: header.count, limit: ImportLimits.columns)
        }
    }

    func attributes(in row: [String]) -> [String: String] {
        var attributes: [String: String] = [:]
        for (name, column) in extras where column < row.count && !row[column].isEmpty {
            attributes[name] = row[column]
        }
        return attributes
    }
}

/// Columns of a facilities CSV.
enum FacilityColumn: String, CaseIterable {
    case id, name, kind, lon, lat, unit, beds, doctors, gps, places, inclusive, level, opened, closed

    var aliases: [String] {
        switch self {
        case .id: ["编号", "机构编号", "facility_id"]
        case .name: ["名称", "机构名称"]
        case .kind: ["类型", "机构类型", "type"]
        case .lon: ["经度", "longitude", "lng", "x"]
        case .lat: ["纬度", "latitude", "y"]
        case .unit: ["所属区划代码", "区划代码", "unit_code"]
        case .beds: ["床位数", "床位"]
        case .doctors: ["医生数", "执业医师数"]
        case .gps: ["全科医生数", "general_practitioners"]
        case .places: ["学位数", "学位"]
        case .inclusive: ["普惠", "是否普惠"]
        case .level: ["等级"]
        case .opened: ["开办日期", "开业日期"]
        case .closed: ["关闭日期", "停业日期"]
        }
    }

    static let required: [FacilityColumn] = [.id, .name, .kind, .lon, .lat]
}

/// Columns of a units CSV.
enum UnitColumn: String, CaseIterable {
    case code, name, level, parent, population, lon, lat

    var aliases: [String] {
        switch self {
        case .code: ["区划代码", "adcode", "代码"]
        case .name: ["名称"]
        case .level: ["级别", "层级"]
        case .parent: ["上级代码", "parent_code", "parent_adcode"]
        case .population: ["人口", "常住人口"]
        case .lon: ["经度", "longitude", "lng"]
        case .lat: ["纬度", "latitude"]
        }
    }
}

/// Parsing of the typed cells shared by the importers. Each returns nil for an empty cell and throws
/// `CellProblem` with what is wrong and what to write instead.
struct CellProblem: Error {
    let message: String
}

enum Cell {
    static func count(_ text: String?) throws -> Int? {
        guard let text else { return nil }
        let cleaned = text.contains(",") ? text.replacingOccurrences(of: ",", with: "") : text
        if let value = Int(cleaned) {
            guard value >= 0 else { throw CellProblem(message: "\(text) is negative — a count is 0 or more") }
            return value
        }
        if let value = Double(cleaned), value.isFinite, value.rounded() == value {
            guard value >= 0 else { throw CellProblem(message: "\(text) is negative — a count is 0 or more") }
            guard value < 1e15 else { throw CellProblem(message: "\(text) is too large for a count") }
            return Int(value)
        }
        throw CellProblem(message: "\(text) is not a whole number — write a count such as 120, or leave it empty")
    }

    static func boolean(_ text: String?) throws -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "y", "是", "t": return true
        case "false", "0", "no", "n", "否", "f": return false
        default: throw CellProblem(message: "\(text) is not a yes/no value — write true/false, 1/0, yes/no or 是/否")
        }
    }

    static func day(_ text: String?, bareYearMeansEnd: Bool) throws -> Day? {
        guard let text else { return nil }
        guard let day = Day(parsing: text, bareYearMeansEnd: bareYearMeansEnd) else {
            throw CellProblem(message: "\(text) is not a date — write YYYY or YYYY-MM-DD")
        }
        return day
    }

    static func coordinate(_ text: String?, name: String, range: ClosedRange<Double>) throws -> Double {
        guard let text else { throw CellProblem(message: "missing — every row needs a \(name)") }
        guard let value = Double(text), value.isFinite else {
            throw CellProblem(message: "\(text) is not a number — write decimal degrees such as 112.45")
        }
        guard range.contains(value) else {
            throw CellProblem(message: "\(text) is out of range (\(Int(range.lowerBound)) to \(Int(range.upperBound)))")
        }
        return value
    }
}


/// What one CSV import may hold beyond its known fields: a wider header refuses the file, larger attributes
/// reject the row (every later read of the facility would return them).
enum ImportLimits {
    static let columns = 1_000
    static let attributeBytes = 65_536

    /// The bytes a row's attributes take (names and values).
    static func bytes(_ attributes: [String: String]) -> Int {
        attributes.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    static func attributesMessage(_ bytes: Int) -> String {
        "the columns beyond the known fields hold \(bytes) bytes, more than the \(attributeBytes) a row may keep as attributes — drop the columns the registry does not need"
    }
}

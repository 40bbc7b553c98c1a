import FacilityModel
import FacilityText
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
    /// Every name a field is known by (lowercased), for `lookalikes`.
    private let knownNames: [String: Field]
    let header: [String]

    init(header: [String], aliases: (Field) -> [String]) {
        var table: [String: Field] = [:]
        for field in Field.allCases {
            table[field.rawValue] = field
            for alias in aliases(field) { table[alias.lowercased()] = field }
        }
        // The cuts come after every field's own names: a cut never takes a name from a field.
        for field in Field.allCases {
            let own = 1 + aliases(field).count
            for cut in Self.names(of: field, aliases: aliases(field)).dropFirst(own) where table[cut.lowercased()] == nil {
                table[cut.lowercased()] = field
            }
        }
        var index: [Field: Int] = [:]
        var extras: [(String, Int)] = []
        for (column, name) in header.enumerated() {
            let key = name.trimmed.lowercased()
            if let field = table[key], index[field] == nil {
                index[field] = column
            } else if RejectsFile.isReason(name) {
                // The reason a rejects file gives: read by a person, never stored.
                continue
            } else if !name.isEmpty {
                extras.append((name, column))
            }
        }
        self.index = index
        self.extras = extras
        self.header = header
        knownNames = table
        columnByOrdinal = Field.allCases.map { index[$0] ?? -1 }
    }

    /// Every name `field` is read from, in order of preference: its own, its aliases, and their cuts to the 10 bytes of
    /// a `.dbf`'s field name (a Shapefile's table: `parent_cod`, `常住人`). Tables (here) and features' properties
    /// (`UnitImporter.featureNames`) both take it.
    static func names(of field: Field, aliases: [String]) -> [String] {
        let own = [field.rawValue] + aliases
        return own + own.flatMap { ShapefileFeatureSource.fieldNames(for: $0).dropFirst() }
    }

    func missing(_ required: [Field]) -> [Field] { required.filter { index[$0] == nil } }

    /// Extra columns whose names look like a known field's (`实有执业医生数` beside `执业医师数`): `name` probably
    /// meant `field`, spelled `known`. Only for a field the header lacks: beside 床位数, a 实有床位数 column is
    /// another figure, not a slip. The importers warn about them (after `checkWidth`): such a column is not read.
    var lookalikes: [(name: String, field: Field, known: String)] {
        guard header.count <= ImportLimits.columns else { return [] }
        let names = Array(knownNames.keys)
        return extras.compactMap { extra in
            guard let near = Spelling.nearest(to: extra.name.trimmed, among: names).first, let field = knownNames[near],
                  index[field] == nil else { return nil }
            return (extra.name, field, near)
        }
    }

    /// The missing fields as the refusal names them: `name (名称)`, and the header's column that looks like one
    /// (`name (名称 — is 名字 meant?)`).
    func missingNames(_ missing: [Field], shown: (Field) -> String) -> [String] {
        let near = lookalikes
        return missing.map { field in
            if let column = near.first(where: { $0.field == field }) { return "\(field.rawValue) (\(shown(field)) — is \(column.name) meant?)" }
            return "\(field.rawValue) (\(shown(field)))"
        }
    }

    /// A warning for each extra column that looks like a known field.
    var lookalikeWarnings: [Phrase] {
        lookalikes.map { Phrase("warning.lookalike-column", $0.name, $0.field.rawValue, $0.known) }
    }

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

/// Columns of a units CSV.
enum UnitColumn: String, CaseIterable {
    case code, name, level, parent, population, lon, lat

    var aliases: [String] {
        switch self {
        case .code: ["区划代码", "adcode", "代码", "行政区划代码"]
        case .name: ["名称", "区划名称"]
        case .level: ["级别", "层级"]
        case .parent: ["上级代码", "parent_code", "parent_adcode", "上级区划代码"]
        case .population: ["人口", "常住人口", "人口数", "常住人口数"]
        case .lon: ["经度", "longitude", "lng"]
        case .lat: ["纬度", "latitude"]
        }
    }
}

extension UnitColumn {
    /// Position in `allCases` (read for every cell of the byte path: a switch, not a search).
    var ordinal: Int {
        switch self {
        case .code: 0
        case .name: 1
        case .level: 2
        case .parent: 3
        case .population: 4
        case .lon: 5
        case .lat: 6
        }
    }
}

/// Parsing of the typed cells shared by the importers. Each returns nil for an empty cell and throws
/// `CellProblem` with what is wrong and what to write instead.
struct CellProblem: Error {
    let phrase: Phrase

    init(_ phrase: Phrase) { self.phrase = phrase }

    /// In English (the API's language).
    var message: String { phrase.text(in: .en) }
}

enum Cell {
    /// A number as a spreadsheet may hold it, made plain: full-width digits, signs and points (１１２.４３, －５) by
    /// NFKC, and spaces inside it (1 200) dropped. ASCII text comes back as it is.
    static func plainNumber(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x80 || $0 == 0x20 }) else { return text }
        let folded = text.precomposedStringWithCompatibilityMapping.replacingOccurrences(of: "。", with: ".")
        return String(folded.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    static func count(_ text: String?) throws -> Int? {
        guard let original = text else { return nil }
        let text = plainNumber(original)
        let cleaned = text.contains(",") ? text.replacingOccurrences(of: ",", with: "") : text
        if let value = Int(cleaned) {
            guard value >= 0 else { throw CellProblem(Phrase("cell.negative", original)) }
            return value
        }
        if let value = Double(cleaned), value.isFinite, value.rounded() == value {
            guard value >= 0 else { throw CellProblem(Phrase("cell.negative", original)) }
            guard value < 1e15 else { throw CellProblem(Phrase("cell.too-large", original)) }
            return Int(value)
        }
        throw CellProblem(Phrase("cell.not-whole", original))
    }

    static func boolean(_ text: String?) throws -> Bool? {
        guard let original = text else { return nil }
        guard let value = YesNo.parse(original.precomposedStringWithCompatibilityMapping) else {
            throw CellProblem(Phrase("cell.not-yes-no", original, YesNo.shown))
        }
        return value
    }

    static func day(_ text: String?, bareYearMeansEnd: Bool) throws -> Day? {
        guard let original = text else { return nil }
        let text = plainNumber(original)
        guard let day = Day(parsing: text, bareYearMeansEnd: bareYearMeansEnd) else {
            throw CellProblem(Phrase("cell.not-date", original))
        }
        return day
    }

    /// `name`: `longitude` or `latitude`.
    static func coordinate(_ text: String?, name: String, range: ClosedRange<Double>) throws -> Double {
        guard let original = text else { throw CellProblem(Phrase("cell.missing.\(name)")) }
        let text = plainNumber(original)
        guard let value = Double(text), value.isFinite else {
            throw CellProblem(Phrase("cell.not-degrees", original))
        }
        guard range.contains(value) else {
            throw CellProblem(Phrase("cell.out-of-range", original, String(Int(range.lowerBound)), String(Int(range.upperBound))))
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

    static func attributesMessage(_ bytes: Int) -> String { attributesPhrase(bytes).text(in: .en) }

    static func attributesPhrase(_ bytes: Int) -> Phrase { Phrase("row.attributes-too-large", String(bytes), String(attributeBytes)) }
}

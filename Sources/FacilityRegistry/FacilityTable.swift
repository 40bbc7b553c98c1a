import FacilityModel

/// The facilities table's columns as both engines' statements list them, from the field table: id, name, kind,
/// unit, each `FacilityCount`, inclusive, level, opened, closed; then the point, attributes and row number.
/// Statements read and bind by these positions.
public enum FacilityTable {
    /// The plain columns, in order.
    public static let plain = ["id", "name", "kind", "unit"] + FacilityCount.allCases.map(\.rawValue)
        + ["inclusive", "level", "opened", "closed"]
    @inlinable public static var id: Int32 { 0 }
    @inlinable public static var name: Int32 { 1 }
    @inlinable public static var kind: Int32 { 2 }
    @inlinable public static var unit: Int32 { 3 }
    /// The position of `count`.
    @inlinable public static func count(_ count: FacilityCount) -> Int32 { 4 + Int32(count.ordinal) }
    @inlinable public static var inclusive: Int32 { 4 + Int32(FacilityCount.caseCount) }
    @inlinable public static var level: Int32 { inclusive + 1 }
    @inlinable public static var opened: Int32 { inclusive + 2 }
    @inlinable public static var closed: Int32 { inclusive + 3 }
    /// The point (`selected`: its X, then Y), attributes, and (where listed) the row number.
    @inlinable public static var location: Int32 { inclusive + 4 }
    @inlinable public static var attributes: Int32 { inclusive + 6 }
    @inlinable public static var pk: Int32 { inclusive + 7 }

    /// What an engine's `readFacility` reads: the plain columns, the point's X and Y (as the engine's functions
    /// `x` and `y` give them), attributes.
    public static func selected(x: String, y: String) -> String {
        (plain + ["\(x)(location)", "\(y)(location)", "attributes"]).joined(separator: ", ")
    }
    /// What the upsert compares: the plain columns, the point's BLOB, attributes and the row number.
    public static let compared = (plain + ["location", "NULL", "attributes", "pk"]).joined(separator: ", ")
    /// The columns an insert names, the point's and attributes' last.
    public static let inserted = (plain + ["location", "attributes"]).joined(separator: ", ")
    /// How many values an insert binds.
    public static let insertedCount = plain.count + 2
}

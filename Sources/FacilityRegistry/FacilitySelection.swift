import FacilityGeometry
import FacilityModel

/// Which facilities a read takes, and one page of them in id order (bytes): the filters the API and OGC API –
/// Features give (a kind, a unit's subtree, a box, the days they were open) and a keyset page (`after` or `before` an
/// id, at most `limit`), so that paging through millions reads only the page.
public struct FacilitySelection: Sendable, Equatable {
    public var kind: FacilityKind?
    /// Facilities whose `level` (grade, e.g. 二级甲等) is this text.
    public var level: String?
    /// Facilities that belong to this unit: registered to it or below it, or registered to no stored unit and inside
    /// its boundary.
    public var within: String?
    /// Facilities whose point lies in the box (edges included).
    public var box: BoundingBox?
    /// Facilities open at some time from `openFrom` to `openTo` (either end open when nil): opened on or before
    /// `openTo` (or unknown) and not closed on or before `openFrom`.
    public var openFrom: Day?
    public var openTo: Day?
    /// Ids after this one (the next page).
    public var after: String?
    /// Ids before this one (the previous page): the `limit` closest to it, still given in id order.
    public var before: String?
    public var limit: Int?

    public init(kind: FacilityKind? = nil, level: String? = nil, within: String? = nil, box: BoundingBox? = nil, openFrom: Day? = nil,
                openTo: Day? = nil, after: String? = nil, before: String? = nil, limit: Int? = nil) {
        self.kind = kind
        self.level = level
        self.within = within
        self.box = box
        self.openFrom = openFrom
        self.openTo = openTo
        self.after = after
        self.before = before
        self.limit = limit
    }

    /// The same filters without a page: what `numberMatched` counts.
    public var unpaged: FacilitySelection {
        var whole = self
        whole.after = nil
        whole.before = nil
        whole.limit = nil
        return whole
    }
}

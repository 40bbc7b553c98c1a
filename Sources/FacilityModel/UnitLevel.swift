import Foundation

/// The level of an administrative unit, from the whole city down to a village.
///
/// `district` is any county-level unit (区, 县, county-level city); `county` is accepted as its alias.
public enum UnitLevel: String, CaseIterable, Comparable, Sendable, Codable {
    case city
    case district
    case township
    case community
    case village

    /// Parses a level as users write it: English names, `county`, or the Chinese words.
    public init?(argument: String) {
        let text = argument.trimmed.lowercased()
        if let level = UnitLevel(rawValue: text) { self = level; return }
        switch text {
        case "county", "区县", "县", "区", "县级", "县区", "县级市": self = .district
        case "市", "地级市", "prefecture": self = .city
        case "乡镇", "乡", "镇", "街道", "乡镇街道", "street", "town": self = .township
        case "社区", "居委会", "社区居民委员会": self = .community
        case "村", "行政村", "村委会", "村民委员会": self = .village
        default: return nil
        }
    }

    /// Coarse to fine: a city holds districts, which hold townships, which hold communities and villages.
    public var rank: Int {
        switch self {
        case .city: 0
        case .district: 1
        case .township: 2
        case .community, .village: 3
        }
    }

    public static func < (a: UnitLevel, b: UnitLevel) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.rawValue < b.rawValue
    }

    /// The Chinese name of the level.
    public var chineseName: String {
        switch self {
        case .city: "市"
        case .district: "区县"
        case .township: "乡镇街道"
        case .community: "社区"
        case .village: "行政村"
        }
    }
}

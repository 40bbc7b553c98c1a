import Foundation

/// What a facility is. Raw values are the names used in CSV files, targets files and exports;
/// each kind also accepts its Chinese names.
public enum FacilityKind: String, CaseIterable, Sendable, Codable {
    case kindergarten
    case primarySchool = "primary_school"
    case middleSchool = "middle_school"
    case highSchool = "high_school"
    case vocationalSchool = "vocational_school"
    case university
    case communityCollege = "community_college"
    case seniorEducationCenter = "senior_education_center"
    case hospital
    case tcmHospital = "tcm_hospital"
    case mchHospital = "mch_hospital"
    case communityHealthCenter = "community_health_center"
    case communityHealthStation = "community_health_station"
    case townshipHealthCenter = "township_health_center"
    case villageClinic = "village_clinic"
    case streetElderlyCenter = "street_elderly_center"
    case communityElderlyCenter = "community_elderly_center"
    case neighborhoodElderlyStation = "neighborhood_elderly_station"
    case nursingHome = "nursing_home"
    case ruralMutualAidHome = "rural_mutual_aid_home"

    /// The Chinese names accepted for this kind; the first is the one shown.
    public var chineseNames: [String] {
        switch self {
        case .kindergarten: ["幼儿园"]
        case .primarySchool: ["小学"]
        case .middleSchool: ["初中", "初级中学"]
        case .highSchool: ["高中", "高级中学"]
        case .vocationalSchool: ["中等职业学校", "中职"]
        case .university: ["高等学校", "高校"]
        case .communityCollege: ["社区学院"]
        case .seniorEducationCenter: ["老年教育中心"]
        case .hospital: ["医院", "综合医院"]
        case .tcmHospital: ["中医院"]
        case .mchHospital: ["妇幼保健院"]
        case .communityHealthCenter: ["社区卫生服务中心"]
        case .communityHealthStation: ["社区卫生服务站"]
        case .townshipHealthCenter: ["乡镇卫生院"]
        case .villageClinic: ["村卫生室"]
        case .streetElderlyCenter: ["街道综合养老服务中心"]
        case .communityElderlyCenter: ["社区养老服务中心"]
        case .neighborhoodElderlyStation: ["居民小区养老服务站"]
        case .nursingHome: ["敬老院", "养老院"]
        case .ruralMutualAidHome: ["农村互助幸福院", "集中居家互助养老点"]
        }
    }

    /// The sector the kind belongs to.
    public var sector: Sector {
        switch self {
        case .kindergarten, .primarySchool, .middleSchool, .highSchool, .vocationalSchool, .university,
             .communityCollege, .seniorEducationCenter:
            .education
        case .hospital, .tcmHospital, .mchHospital, .communityHealthCenter, .communityHealthStation,
             .townshipHealthCenter, .villageClinic:
            .health
        case .streetElderlyCenter, .communityElderlyCenter, .neighborhoodElderlyStation, .nursingHome,
             .ruralMutualAidHome:
            .elderlyCare
        }
    }

    public enum Sector: String, Sendable { case education, health, elderlyCare = "elderly_care" }

    private static let byName: [String: FacilityKind] = {
        var table: [String: FacilityKind] = [:]
        for kind in FacilityKind.allCases {
            table[kind.rawValue] = kind
            table[kind.rawValue.replacingOccurrences(of: "_", with: "-")] = kind
            for name in kind.chineseNames { table[name] = kind }
        }
        return table
    }()

    /// Parses a kind as written in a file or on the command line: `village_clinic`, `village-clinic` or `村卫生室`.
    public init?(argument: String) {
        if let kind = Self.byName[argument] { self = kind; return }
        let text = argument.trimmed
        guard let kind = Self.byName[text] ?? Self.byName[text.lowercased()] else { return nil }
        self = kind
    }
}

extension FacilityKind {
    /// How the ids of the new facilities `facilitymap suggest` proposes begin (`SUG-beds-per-1000-2025-410323-1`):
    /// `check` knows such a facility for a proposal.
    public static let proposalIDPrefix = "SUG-"

    /// Every kind as `kindergarten 幼儿园`, for messages that list them.
    public static var namesList: String { namedKinds.joined(separator: ", ") }

    /// Each kind as `hospital 医院`, for the lists of messages.
    public static var namedKinds: [String] { allCases.map { "\($0.rawValue) \($0.chineseNames[0])" } }

    /// Every kind with all its Chinese names, for help text: `vocational_school 中等职业学校/中职, …` (a no-break
    /// space inside each pair, so that a wrapped line never parts a name from its Chinese).
    public static var helpList: String {
        allCases.map { "\($0.rawValue)\u{00A0}\($0.chineseNames.joined(separator: "/"))" }.joined(separator: ", ")
    }

    /// The kind `text` probably means (中医医院 → 中医院, 村卫生所 → 村卫生室), as the name to write, or nil.
    public static func nearest(to text: String) -> (name: String, kind: FacilityKind)? {
        let names = allCases.flatMap { [$0.rawValue] + $0.chineseNames }
        guard let name = Spelling.nearest(to: text.trimmed, among: names).first, let kind = FacilityKind(argument: name) else { return nil }
        return (name, kind)
    }

    /// What to say of a name that is no kind: the nearest kind, else the kinds with their Chinese names.
    public static func unknownMessage(_ text: String) -> String {
        if let (name, kind) = nearest(to: text) {
            let other = name == kind.rawValue ? kind.chineseNames[0] : kind.rawValue
            return "\(text) is not a known kind — did you mean \(name) (\(other))?"
        }
        return "\(text) is not a known kind — use one of \(namesList)"
    }
}

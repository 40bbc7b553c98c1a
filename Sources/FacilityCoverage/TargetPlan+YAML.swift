import FacilityFormats
import FacilityModel
import FacilityNetwork
import FacilityText
import Foundation
import Yams

/// Why a targets file was refused: the file, the target, and what is wrong.
public struct TargetsError: PhrasedError, Equatable {
    public let file: String
    /// The target's id, when the problem is inside one.
    public let target: String?
    /// What is wrong, in any language.
    public let detail: Phrase

    public init(file: String, target: String?, detail: Phrase) {
        self.file = file
        self.target = target
        self.detail = detail
    }

    /// What is wrong, in English.
    public var message: String { detail.text(in: .en) }

    public var phrase: Phrase {
        if let target { return Phrase("error.targets.in-target", arguments: [.text(file), .text(target), .phrase(detail)]) }
        return Phrase("error.targets", arguments: [.text(file), .phrase(detail)])
    }

    public var description: String { phrase.text(in: .en).singleLine }
}

extension TargetPlan {
    /// The Luoyang plan's targets (GeoData/targets/luoyang-2022.yaml), built into the binary.
    public static var luoyang2022: TargetPlan {
        // The embedded file is a fixed, tested resource: failing to read it is a build defect.
        try! TargetPlan(yaml: String(decoding: PackageResources.luoyang_2022_yaml, as: UTF8.self),
                        file: "built-in luoyang-2022.yaml")
    }

    /// The text of the built-in targets file.
    public static var luoyang2022YAML: String { String(decoding: PackageResources.luoyang_2022_yaml, as: UTF8.self) }

    /// Reads a targets file.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TargetsError(file: path, target: nil, detail: Phrase("targets.unreadable"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TargetsError(file: path, target: nil, detail: Phrase("targets.not-utf8"))
        }
        try self.init(yaml: text, file: path)
    }

    /// Parses targets YAML; `file` names the source in errors. Unknown keys, anchors and aliases are refused.
    public init(yaml: String, file: String) throws {
        func fail(_ message: Phrase, target: String? = nil) -> TargetsError {
            TargetsError(file: file, target: target, detail: message)
        }
        guard yaml.utf8.count <= 1 << 20 else { throw fail(Phrase("targets.the-file-is-larger-than-1-mib")) }
        if let line = anchorOrAliasLine(yaml) {
            throw fail(Phrase("targets.line-yaml-anchors-and-aliases-name-name", "\(line)"))
        }
        if let line = deepNestingLine(yaml) {
            throw fail(Phrase("targets.line-nested-more-than-32-levels-deep", "\(line)"))
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw fail(Phrase("targets.the-file-is-empty")) }
            root = node
        } catch let error as TargetsError {
            throw error
        } catch {
            // Yams describes a syntax error over several lines (position and problem, then the line and a caret).
            let lines = "\(error)".split(whereSeparator: \.isNewline).prefix(2).map { $0.trimmingCharacters(in: .whitespaces) }
            throw fail(Phrase("targets.not-valid-yaml", "\(lines.joined(separator: " "))"))
        }
        let top = try Mapping(root, context: nil, allowed: ["plan", "area", "targets", "network"], fail: { fail($0) })
        guard let plan = try top.string("plan"), !plan.isEmpty else { throw fail(Phrase("targets.plan-is-missing")) }
        let area = try top.string("area")
        guard let targetsNode = top["targets"] else { throw fail(Phrase("targets.targets-is-missing")) }
        guard case let .sequence(sequence) = targetsNode else { throw fail(Phrase("targets.targets-must-be-a-list")) }
        var targets: [Target] = []
        var seen = Set<String>()
        for (index, node) in sequence.enumerated() {
            let target = try TargetPlan.parseTarget(node, index: index, fail: { fail($0, target: $1) })
            guard seen.insert(target.id).inserted else { throw fail(Phrase("targets.the-id-is-used-twice"), target: target.id) }
            targets.append(target)
        }
        guard !targets.isEmpty else { throw fail(Phrase("targets.targets-is-empty")) }
        self.init(plan: plan, area: area, targets: targets)
        if let node = top["network"] { network = try TargetPlan.parseNetwork(node, fail: { fail($0) }) }
    }

    /// The file's `network:`: `max_snap_m`, `walk_kmh` (every walking class, and the walk to the roads) and `speeds`
    /// (`walk:`/`drive:` mapping OSM `highway` classes to km/h; 0 takes a class out of the mode).
    private static func parseNetwork(_ node: Node, fail: @escaping (Phrase) -> TargetsError) throws -> NetworkOptions {
        let fields = try Mapping(node, context: .verbatim("network"), allowed: ["max_snap_m", "walk_kmh", "speeds"], fail: fail)
        var options = NetworkOptions()
        if let snap = try fields.number("max_snap_m") {
            guard snap > 0, snap <= 100_000 else { throw fail(Phrase("targets.network-max-snap")) }
            options.maxSnapMetres = snap
        }
        if let walk = try fields.number("walk_kmh") {
            guard walk > 0, walk <= 50 else { throw fail(Phrase("targets.network-speed", "walk_kmh", "\(walk)")) }
            options.snapKmh = walk
            options.speeds = options.speeds.overridden(by: [.walk: Dictionary(uniqueKeysWithValues: SpeedTable.walkableClasses.map { ($0, walk) })])
        }
        if let speedsNode = fields["speeds"] {
            let modes = try Mapping(speedsNode, context: .verbatim("speeds"), allowed: Set(TravelMode.allCases.map(\.rawValue)), fail: fail)
            var overrides: [TravelMode: [String: Double]] = [:]
            for mode in TravelMode.allCases {
                guard let classesNode = modes[mode.rawValue] else { continue }
                let classes = try Mapping(classesNode, context: .verbatim(mode.rawValue), allowed: nil, fail: fail)
                for key in classes.values.keys.sorted() {
                    let value = try classes.number(key) ?? 0
                    guard value >= 0, value <= 300 else { throw fail(Phrase("targets.network-speed", "\(key)", "\(value)")) }
                    overrides[mode, default: [:]][key] = value
                }
            }
            options.speeds = options.speeds.overridden(by: overrides)
        }
        return options
    }

    private static func parseTarget(_ node: Node, index: Int, fail: @escaping (Phrase, String?) -> TargetsError) throws -> Target {
        let allowed: Set<String> = ["id", "title", "metric", "units", "kinds", "within_m", "field", "per", "where",
                                    "per_area", "min", "goals", "weight", "decay", "sigma_m",
                                    "distance", "mode", "within_min"]
        let probe = try Mapping(node, context: Phrase("targets.target-number", String(index + 1)), allowed: nil, fail: { fail($0, nil) })
        guard let id = try probe.string("id"), !id.isEmpty else { throw fail(Phrase("targets.target-has-no-id", "\(index + 1)"), nil) }
        let fields = try Mapping(node, context: .verbatim(id), allowed: allowed, fail: { fail($0, id) })
        func problem(_ message: Phrase) -> TargetsError { fail(message, id) }

        guard let metricText = try fields.string("metric") else {
            throw problem(Phrase("targets.metric-is-missing", arguments: [.phrase(.list(Metric.allCases.map(\.rawValue)))]))
        }
        guard let metric = Metric(rawValue: metricText) else {
            throw problem(Phrase("targets.unknown-metric", arguments: [.text(metricText), .phrase(.list(Metric.allCases.map(\.rawValue)))]))
        }
        guard let kindsNode = fields["kinds"] else { throw problem(Phrase("targets.kinds-is-missing")) }
        let kindNames: [String]
        switch kindsNode {
        case let .sequence(items): kindNames = try items.map { try scalarString($0, key: "kinds", fail: problem) }
        case .scalar: kindNames = [try scalarString(kindsNode, key: "kinds", fail: problem)]
        default: throw problem(Phrase("targets.kinds-must-be-a-list-of-kinds"))
        }
        let kinds = try kindNames.map { name in
            guard let kind = FacilityKind(argument: name) else {
                throw problem(Phrase("targets.unknown-kind", arguments: [.text(name), .phrase(.list(FacilityKind.allCases.map(\.rawValue)))]))
            }
            return kind
        }
        guard !kinds.isEmpty else { throw problem(Phrase("targets.kinds-is-empty")) }

        func level(_ key: String) throws -> UnitLevel? {
            guard let text = try fields.string(key) else { return nil }
            guard let level = UnitLevel(argument: text) else {
                throw problem(Phrase("targets.unknown-level-in", "\(text)", "\(key)"))
            }
            return level
        }
        let units = try level("units")
        let perArea = try level("per_area")
        var field: FacilityCount?
        if let text = try fields.string("field") {
            guard let parsed = FacilityCount(rawValue: text) else {
                throw problem(Phrase("targets.unknown-field", arguments: [.text(text), .phrase(.list(FacilityCount.allCases.map(\.rawValue)))]))
            }
            field = parsed
        }
        let withinMetres = try fields.number("within_m") ?? 0
        guard withinMetres >= 0, withinMetres <= 1_000_000 else { throw problem(Phrase("targets.within-m-must-be-between-0-and-1000000-m")) }
        let per = try fields.number("per")
        let minimum = try fields.number("min").map { value -> Int in
            guard value >= 1, value.rounded() == value, value < 1e9 else { throw problem(Phrase("targets.min-must-be-a-whole-number-of-at-least-1")) }
            return Int(value)
        } ?? 1
        let whereAttribute = try fields.string("where")
        var weight = CoverageWeight.units
        if let text = try fields.string("weight") {
            guard let parsed = CoverageWeight(rawValue: text) else { throw problem(Phrase("targets.unknown-weight", "\(text)")) }
            guard metric == .unitCoverage else { throw problem(Phrase("targets.weight-applies-to-unit-coverage-targets")) }
            weight = parsed
        }
        var decay = DistanceDecay.none
        let sigma = try fields.number("sigma_m")
        switch try fields.string("decay") {
        case nil, "none":
            if sigma != nil { throw problem(Phrase("targets.sigma-m-goes-with-decay-gaussian")) }
        case "gaussian":
            guard let sigma, sigma > 0, sigma <= 1_000_000 else { throw problem(Phrase("targets.decay-gaussian-needs-sigma-m-its-width-i")) }
            decay = .gaussian(sigmaMetres: sigma)
        case let other?:
            throw problem(Phrase("targets.unknown-decay", "\(other)"))
        }
        if metric != .access, try fields.string("decay") != nil { throw problem(Phrase("targets.decay-applies-to-access-targets-only")) }

        guard let goalsNode = fields["goals"] else { throw problem(Phrase("targets.goals-is-missing")) }
        guard case let .mapping(goalMapping) = goalsNode else { throw problem(Phrase("targets.goals-must-map-years-to-numbers-e-g-2025")) }
        var goals: [Int: Double] = [:]
        for (key, value) in goalMapping {
            let yearText = try scalarString(key, key: "goals", fail: problem)
            guard let year = Int(yearText), (1900...2200).contains(year) else {
                throw problem(Phrase("targets.goal-year-is-not-a-year", "\(yearText)"))
            }
            let valueText = try scalarString(value, key: "goals", fail: problem)
            guard let goal = Double(valueText), goal.isFinite, goal >= 0 else {
                throw problem(Phrase("targets.the-goal-for-is-not-a-number", "\(year)", "\(valueText)", "\(year)"))
            }
            goals[year] = goal
        }
        guard !goals.isEmpty else { throw problem(Phrase("targets.goals-is-empty")) }

        switch metric {
        case .unitCoverage:
            guard let units else { throw problem(Phrase("targets.unit-coverage-needs-units-the-level-of-t")) }
            _ = units
            if let bad = goals.first(where: { $0.value > 1 }) { throw problem(Phrase("targets.the-goal-for-is-a-coverage-goal-is-a-sha", "\(bad.key)", "\(bad.value)")) }
        case .perPopulation:
            guard field != nil else { throw problem(Phrase("targets.per-population-needs-field", "\(FacilityCount.names)")) }
            guard let per, per > 0 else { throw problem(Phrase("targets.per-population-needs-per-people-per-unit")) }
        case .share:
            guard whereAttribute != nil else { throw problem(Phrase("targets.share-needs-where-the-boolean-attribute")) }
            if let bad = goals.first(where: { $0.value > 1 }) { throw problem(Phrase("targets.the-goal-for-is-a-share-goal-is-from-0-t", "\(bad.key)", "\(bad.value)")) }
        case .count:
            if perArea != nil, let bad = goals.first(where: { $0.value > 1 }) {
                throw problem(Phrase("targets.the-goal-for-is-with-per-area-the-goal-i", "\(bad.key)", "\(bad.value)"))
            }
        case .access:
            guard field != nil else { throw problem(Phrase("targets.access-needs-field", "\(FacilityCount.names)")) }
            guard let per, per > 0 else { throw problem(Phrase("targets.access-needs-per-people-per-unit-of-the")) }
            let minutes = try fields.number("within_min")
            guard withinMetres > 0 || minutes != nil else {
                throw problem(Phrase("targets.access-needs-within-m-how-far-people-rea"))
            }
        }
        var distance = ReachDistance.straight
        let modeText = try fields.string("mode")
        let withinMinutes = try fields.number("within_min")
        switch try fields.string("distance") {
        case nil, "straight":
            if modeText != nil || withinMinutes != nil { throw problem(Phrase("targets.mode-goes-with-network")) }
        case "network":
            guard metric == .unitCoverage || metric == .access else { throw problem(Phrase("targets.network-applies-to")) }
            let mode = try modeText.map { text -> TravelMode in
                guard let mode = TravelMode(rawValue: text) else { throw problem(Phrase("targets.unknown-mode", "\(text)")) }
                return mode
            } ?? .walk
            distance = .network(mode)
            if let minutes = withinMinutes {
                guard minutes > 0, minutes <= 600 else { throw problem(Phrase("targets.within-min-range")) }
                guard withinMetres == 0 else { throw problem(Phrase("targets.within-m-or-min")) }
                if case .gaussian = decay { throw problem(Phrase("targets.decay-with-minutes")) }
            } else {
                guard withinMetres > 0 else { throw problem(Phrase("targets.network-needs-reach")) }
            }
        case let other?:
            throw problem(Phrase("targets.unknown-distance", "\(other)"))
        }
        let title = try fields.string("title") ?? id
        var target = Target(id: id, title: title, metric: metric, kinds: kinds, units: units, withinMetres: withinMetres,
                            field: field, per: per, whereAttribute: whereAttribute, perArea: perArea, min: minimum, goals: goals)
        target.weight = weight
        target.decay = decay
        target.distance = distance
        target.withinMinutes = withinMinutes
        return target
    }
}

/// The first line that opens more than 32 nested collections (flow `[`/`{` open across lines, or block `- `/`? `
/// indicators on one line), found before Yams composes it: Yams checks keys for duplicates by hashing whole
/// subtrees, which is quadratic in the depth.
func deepNestingLine(_ yaml: String, limit: Int = 32) -> Int? {
    var flow = 0
    for (number, line) in yaml.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).enumerated() {
        var indicators = 0
        var quote: Character?
        var previous: Character = " "
        for c in line {
            defer { previous = c }
            if let q = quote { if c == q { quote = nil }; continue }
            switch c {
            case "\"", "'": quote = c
            case "#" where previous == " ": break
            case "[", "{": flow += 1; if flow > limit { return number + 1 }
            case "]", "}": flow = max(0, flow - 1)
            case "-", "?": indicators += 1
            default: break
            }
            if indicators > limit { return number + 1 }
        }
    }
    return nil
}

/// The first line with a YAML anchor (`&name`) or alias (`*name`), found before Yams expands them: an alias
/// can expand exponentially ("billion laughs"), and a targets file has no use for either.
/// An anchor or alias can only start a node: at the start of a line or after `- `, `: `, `? `, `[`, `{` or `,`,
/// outside quotes and comments.
func anchorOrAliasLine(_ yaml: String) -> Int? {
    let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    // YAML also ends a line at CR, NEL, U+2028 and U+2029.
    let yaml = yaml.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        .replacingOccurrences(of: "\u{85}", with: "\n").replacingOccurrences(of: "\u{2028}", with: "\n")
        .replacingOccurrences(of: "\u{2029}", with: "\n")
    for (number, line) in yaml.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
        let bytes = Array(line)
        var atNodeStart = true
        var quote: UInt8?
        var i = 0
        scan: while i < bytes.count {
            let c = bytes[i]
            let next = i + 1 < bytes.count ? bytes[i + 1] : space
            let previous = i > 0 ? bytes[i - 1] : space
            defer { i += 1 }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case space, tab:
                continue
            case UInt8(ascii: "#") where previous == space || previous == tab:
                break scan
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if atNodeStart { quote = c }
                atNodeStart = false
            case UInt8(ascii: "&"), UInt8(ascii: "*"):
                if atNodeStart { return number + 1 }
                atNodeStart = false
            case UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "?"):
                atNodeStart = next == space || next == tab
            case UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","):
                atNodeStart = true
            default:
                atNodeStart = false
            }
        }
    }
    return nil
}

private func scalarString(_ node: Node, key: String, fail: (Phrase) -> TargetsError) throws -> String {
    guard case let .scalar(scalar) = node else { throw fail(Phrase("targets.must-hold-plain-values-not-a-list-or-a-m", "\(key)")) }
    return scalar.string
}

/// A YAML mapping whose keys are checked against the ones allowed.
private struct Mapping {
    let values: [String: Node]
    let fail: (Phrase) -> TargetsError

    init(_ node: Node, context: Phrase?, allowed: Set<String>?, fail: @escaping (Phrase) -> TargetsError) throws {
        self.fail = fail
        guard case let .mapping(mapping) = node else {
            throw fail(Phrase("targets.not-mapping", arguments: [.phrase(context ?? Phrase("targets.the-file"))]))
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = try scalarString(keyNode, key: "keys", fail: fail)
            if let allowed, !allowed.contains(key) {
                throw fail(Phrase("targets.unknown-key", arguments: [.text(key), .phrase(.list(allowed.sorted()))]))
            }
            guard values[key] == nil else { throw fail(Phrase("targets.the-key-appears-twice", "\(key)")) }
            values[key] = value
        }
        self.values = values
    }

    subscript(key: String) -> Node? { values[key] }

    func string(_ key: String) throws -> String? {
        guard let node = values[key] else { return nil }
        return try scalarString(node, key: key, fail: fail)
    }

    func number(_ key: String) throws -> Double? {
        guard let text = try string(key) else { return nil }
        guard let value = Double(text), value.isFinite else { throw fail(Phrase("targets.is-not-a-number", "\(key)", "\(text)")) }
        return value
    }
}

import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityText
import Foundation

/// `facilitymap check`: the registry's records against rules that catch what biases coverage — duplicates, points
/// in the wrong unit, files imported in the wrong coordinate system, contradictory capacities, impossible days, and
/// units without people or with wrong codes. Pure: over units and facility records in memory.
public struct QualityCheck: Sendable {
    /// Two facilities of one kind with similar names this close are taken for one (metres).
    public var duplicateMetres: Double = 50
    /// A facility registered to a unit known only by its point, farther than this from it, is reported (metres).
    public var maxDistanceMetres: Double = 5_000
    /// Only facilities (and units) in this unit's subtree.
    public var within: String?
    /// Only facilities of this kind (unit rules are then skipped).
    public var kind: FacilityKind?

    public init(duplicateMetres: Double = 50, maxDistanceMetres: Double = 5_000, within: String? = nil, kind: FacilityKind? = nil) {
        self.duplicateMetres = duplicateMetres
        self.maxDistanceMetres = maxDistanceMetres
        self.within = within
        self.kind = kind
    }

    /// The findings, errors first, then by rule and id. `imports` names the files of the records' `source` numbers.
    /// With `changed` (a flag per record: what an import just wrote), only the findings that concern a flagged
    /// facility — its own, its likely duplicates among all the records, its import's shift — and no unit rules.
    public func run(units: [AdministrativeUnit], facilities: FacilityRecords, imports: [Int: String] = [:],
                    changed: [Bool]? = nil) -> [Finding] {
        precondition(changed == nil || changed!.count == facilities.count, "one flag per record")
        let tree = UnitTree(units)
        let scope = tree.subtree(of: within)
        let candidates = facilities.id.indices.filter { f in
            if let kind, facilities.kind[f] != kind.ordinal { return false }
            guard let scope else { return true }
            let u = Int(facilities.unit[f])
            if u >= 0 { return scope.contains(u) }
            if u == -2 { return false }
            guard let root = within.flatMap({ tree.index[$0] }), let boundary = units[root].boundary else { return false }
            return boundary.contains(facilities.location[f])
        }
        let selected = changed.map { changed in candidates.filter { changed[$0] } } ?? candidates
        // The rules read only: they run side by side.
        let rules: [@Sendable () -> [Finding]] = [
            { self.duplicates(candidates, facilities, NameKey(units: units), changed: changed) },
            { self.placement(selected, facilities, tree) },
            { self.offsets(selected, facilities, tree, imports: imports) },
            { self.capacities(selected, facilities) },
            { self.kind == nil && changed == nil ? self.unitFindings(tree, scope: scope) : [] },
        ]
        let findings = Concurrently.map(rules) { $0() }.flatMap { $0 }
        let order = Dictionary(uniqueKeysWithValues: QualityRule.allCases.enumerated().map { ($1, $0) })
        return findings.sorted {
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            if $0.rule != $1.rule { return order[$0.rule]! < order[$1.rule]! }
            return $0.id < $1.id
        }
    }

    // MARK: Facilities

    /// Unknown units, points outside their unit, closed before opened.
    func placement(_ selected: [Int], _ f: FacilityRecords, _ tree: UnitTree) -> [Finding] {
        var out: [Finding] = []
        for i in selected {
            if f.closed[i] != 0 && f.opened[i] != 0 && f.closed[i] < f.opened[i] {
                out.append(Finding(subject: .facility, id: f.id[i], name: f.name(i), rule: .closedBeforeOpened,
                                   problem: Phrase("finding.closed-before-opened", Self.day(f.closed[i]), Self.day(f.opened[i])),
                                   action: Phrase("finding.closed-before-opened.do")))
            }
            let u = Int(f.unit[i])
            if u == -1 { continue }
            guard u >= 0 else {
                let code = f.unknownUnits[i] ?? "?"
                out.append(Finding(subject: .facility, id: f.id[i], name: f.name(i), rule: .unknownUnit,
                                   problem: Phrase("finding.unknown-unit", code), action: Phrase("finding.unknown-unit.do", code)))
                continue
            }
            let unit = tree.units[u]
            let code = unit.code
            let point = f.location[i]
            if let boundary = unit.boundary {
                if !boundary.contains(point) {
                    let metres = boundary.distanceMetres(to: point)
                    out.append(Finding(subject: .facility, id: f.id[i], name: f.name(i), rule: .outsideUnit,
                                       problem: Phrase("finding.outside-polygon", String(format: "%.0f", metres), unit.name, code),
                                       action: Phrase("finding.outside-polygon.do")))
                }
            } else if let centre = unit.location {
                let metres = haversineMetres(point, centre)
                if metres > maxDistanceMetres {
                    out.append(Finding(subject: .facility, id: f.id[i], name: f.name(i), rule: .outsideUnit,
                                       problem: Phrase("finding.far-from-point", String(format: "%.1f", metres / 1000), unit.name, code,
                                                       String(format: "%.1f", maxDistanceMetres / 1000)),
                                       action: Phrase("finding.far-from-point.do")))
                }
            }
        }
        return out
    }

    /// Whether `id` is a new facility `facilitymap suggest` proposed (imported from its CSV).
    func isProposal(_ id: String) -> Bool { id.hasPrefix(FacilityKind.proposalIDPrefix) }

    /// Kinds whose capacities contradict their numbers. A proposal states only the capacity it adds (GPs at a
    /// new health centre, say): it is not asked for the rest.
    func capacities(_ selected: [Int], _ f: FacilityRecords) -> [Finding] {
        var out: [Finding] = []
        func add(_ i: Int, _ problem: Phrase, _ action: Phrase) {
            out.append(Finding(subject: .facility, id: f.id[i], name: f.name(i), rule: .capacity, problem: problem, action: action))
        }
        for i in selected {
            let kind = FacilityKind(ordinal: f.kind[i])
            let beds = f.beds[i], places = f.places[i]
            let proposal = isProposal(f.id[i])
            switch kind {
            case .villageClinic where (beds ?? 0) > 20:
                add(i, Phrase("finding.village-clinic-beds", String(beds!)), Phrase("finding.village-clinic-beds.do"))
            case .communityHealthStation where (beds ?? 0) > 30:
                add(i, Phrase("finding.station-beds", String(beds!)), Phrase("finding.station-beds.do"))
            case .hospital where !proposal && (beds == nil || beds == 0), .tcmHospital where !proposal && (beds == nil || beds == 0),
                 .mchHospital where !proposal && (beds == nil || beds == 0), .townshipHealthCenter where !proposal && (beds == nil || beds == 0):
                add(i, Phrase("finding.no-beds", kind.rawValue, kind.chineseNames[0]), Phrase("finding.no-beds.do"))
            case .kindergarten where !proposal && (places == nil || places == 0):
                add(i, Phrase("finding.no-places"), Phrase("finding.no-places.do"))
            case .kindergarten where (places ?? 0) > 1_500:
                add(i, Phrase("finding.many-places", String(places!)), Phrase("finding.many-places.do"))
            default:
                if let beds, beds > 10_000 {
                    add(i, Phrase("finding.many-beds", String(beds)), Phrase("finding.many-beds.do"))
                }
            }
        }
        return out
    }

    /// Likely duplicates: same kind, the same name once normalised (or one ending with the other), within
    /// `duplicateMetres`. Points are sorted into square cells that size; each cell is compared with itself and the
    /// next four (right, and the row below), so each pair is seen once. With `changed`, only pairs with a flagged one.
    func duplicates(_ selected: [Int], _ f: FacilityRecords, _ names: NameKey, changed: [Bool]? = nil) -> [Finding] {
        guard !selected.isEmpty else { return [] }
        let cellLat = duplicateMetres / 111_195.0
        let maxLat = min(85, selected.reduce(0.0) { max($0, abs(f.location[$1].lat.isFinite ? f.location[$1].lat : 0)) })
        let cellLon = cellLat / cos(maxLat * .pi / 180)
        func key(_ kind: UInt8, _ y: Int, _ x: Int) -> Int64 {
            (Int64(kind) << 50) | (Int64(y + (1 << 23)) << 25) | Int64(x + (1 << 24))
        }
        var keyed: [(key: Int64, i: Int)] = []
        keyed.reserveCapacity(selected.count)
        for i in selected {
            let p = f.location[i]
            guard p.lon.isFinite, p.lat.isFinite else { continue }
            keyed.append((key(f.kind[i], Int((p.lat / cellLat).rounded(.down)), Int((p.lon / cellLon).rounded(.down))), i))
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.i < $1.i }
        let keys = keyed.map(\.key)
        func range(of k: Int64) -> Range<Int> {
            var lo = 0, hi = keys.count
            while lo < hi { let mid = (lo + hi) / 2; if keys[mid] < k { lo = mid + 1 } else { hi = mid } }
            var end = lo
            while end < keys.count && keys[end] == k { end += 1 }
            return lo..<end
        }
        var cache: [Int: String] = [:]
        func nameKey(_ i: Int) -> String {
            if let k = cache[i] { return k }
            let k = names.key(f.name(i))
            cache[i] = k
            return k
        }
        var out: [Finding] = []
        func compare(_ a: Int, _ b: Int) {
            if let changed, !changed[a] && !changed[b] { return }
            let d = haversineMetres(f.location[a], f.location[b])
            guard d <= duplicateMetres else { return }
            // Two proposals of `suggest` at one site are two plans for it, not one facility entered twice.
            guard !(isProposal(f.id[a]) && isProposal(f.id[b])) else { return }
            guard f.sameName(a, b) || NameKey.similar(nameKey(a), nameKey(b)) else { return }
            let (first, second) = f.id[a] <= f.id[b] ? (a, b) : (b, a)
            out.append(Finding(subject: .facility, id: f.id[first], name: f.name(first), rule: .duplicate,
                               problem: Phrase("finding.duplicate", FacilityKind(ordinal: f.kind[a]).rawValue, f.id[second], f.name(second),
                                               String(format: "%.0f", d)),
                               action: Phrase("finding.duplicate.do"), other: f.id[second]))
        }
        var start = 0
        while start < keyed.count {
            let k = keyed[start].key
            var end = start
            while end < keyed.count && keyed[end].key == k { end += 1 }
            let kind = UInt8(k >> 50)
            let y = Int((k >> 25) & ((1 << 25) - 1)) - (1 << 23), x = Int(k & ((1 << 25) - 1)) - (1 << 24)
            for a in start..<end { for b in (a + 1)..<end { compare(keyed[a].i, keyed[b].i) } }
            for (dy, dx) in [(0, 1), (1, -1), (1, 0), (1, 1)] {
                let neighbours = range(of: key(kind, y + dy, x + dx))
                if neighbours.isEmpty { continue }
                for a in start..<end { for b in neighbours { compare(keyed[a].i, keyed[b].i) } }
            }
            start = end
        }
        return out
    }

    /// Imports (or, where none is recorded, kinds) whose facilities sit, as a whole, displaced from their units by the
    /// local GCJ-02 shift: the median displacement from the registered units' points matches the shift, or many lie
    /// outside their units' polygons and few would once the shift is taken off.
    func offsets(_ selected: [Int], _ f: FacilityRecords, _ tree: UnitTree, imports: [Int: String]) -> [Finding] {
        var bySource: [Int32: [Int]] = [:], byKind: [UInt8: [Int]] = [:]
        for i in selected {
            if f.source[i] >= 0 { bySource[f.source[i], default: []].append(i) } else { byKind[f.kind[i], default: []].append(i) }
        }
        var file: [String: String] = [:], number: [String: Int32] = [:]
        var groups: [(key: String, value: [Int])] = []
        for (source, members) in bySource {
            let group = imports[Int(source)] ?? "import \(source)"
            file[group] = imports[Int(source)]
            number[group] = source
            groups.append((group, members))
        }
        for (kind, members) in byKind { groups.append(("kind:\(FacilityKind(ordinal: kind).rawValue)", members)) }
        var out: [Finding] = []
        let metresPerDegree = 111_195.0
        for (group, members) in groups.sorted(by: { $0.key < $1.key }) where !members.isEmpty {
            var east: [Double] = [], north: [Double] = [], before: [Double] = [], after: [Double] = []
            var polygonUnits = 0, outsideBefore = 0, outsideAfter = 0
            // A systematic shift shows in a few thousand as well as in millions: every k-th member.
            let stride = max(1, members.count / 4_000)
            for i in Swift.stride(from: 0, to: members.count, by: stride).map({ members[$0] }) {
                let u = Int(f.unit[i])
                guard u >= 0 else { continue }
                let unit = tree.units[u]
                let p = f.location[i]
                guard p.lon.isFinite, p.lat.isFinite else { continue }
                let unshifted = CoordinateSystem.gcj02.toWGS84(p)
                if let centre = unit.location, unit.level.rank >= UnitLevel.township.rank {
                    east.append((p.lon - centre.lon) * cos(centre.lat * .pi / 180) * metresPerDegree)
                    north.append((p.lat - centre.lat) * metresPerDegree)
                    before.append(haversineMetres(p, centre))
                    after.append(haversineMetres(unshifted, centre))
                } else if let boundary = unit.boundary {
                    polygonUnits += 1
                    if !boundary.contains(p) { outsideBefore += 1 }
                    if !boundary.contains(unshifted) { outsideAfter += 1 }
                }
            }
            let sample = members[members.count / 2]
            let here = f.location[sample]
            let back = CoordinateSystem.gcj02.toWGS84(here)
            let shiftEast = (here.lon - back.lon) * cos(here.lat * .pi / 180) * metresPerDegree
            let shiftNorth = (here.lat - back.lat) * metresPerDegree
            let shift = (shiftEast * shiftEast + shiftNorth * shiftNorth).squareRoot()
            guard shift > 50 else { continue }  // outside China there is no shift to find
            var evidence: Phrase?
            if east.count >= 20 {
                let me = Self.median(east), mn = Self.median(north)
                let miss = ((me - shiftEast) * (me - shiftEast) + (mn - shiftNorth) * (mn - shiftNorth)).squareRoot()
                let medianBefore = Self.median(before), medianAfter = Self.median(after)
                if miss <= 0.35 * shift && medianAfter < 0.85 * medianBefore {
                    evidence = Phrase("finding.gcj02.median", arguments: [.text(String(east.count)), .phrase(Self.direction(me, mn)),
                                      .phrase(Self.direction(shiftEast, shiftNorth)), .text(String(format: "%.0f", medianBefore)),
                                      .text(String(format: "%.0f", medianAfter))])
                }
            }
            if evidence == nil, polygonUnits >= 20, Double(outsideBefore) >= 0.05 * Double(polygonUnits),
               Double(outsideAfter) <= 0.5 * Double(outsideBefore) {
                evidence = Phrase("finding.gcj02.outside", String(outsideBefore), String(polygonUnits), String(outsideAfter))
            }
            guard let evidence else { continue }
            let action = file[group].map { Phrase("finding.gcj02.do-file", $0) } ?? Phrase("finding.gcj02.do")
            out.append(Finding(subject: .source, id: group, name: number[group].map { "import \($0)" } ?? "no recorded import", rule: .gcj02Offset,
                               problem: evidence, action: action))
        }
        return out
    }

    // MARK: Units

    func unitFindings(_ tree: UnitTree, scope: Set<Int>?) -> [Finding] {
        var out: [Finding] = []
        let population = tree.population
        let children = tree.children()
        for u in tree.cycleCuts where scope?.contains(u) ?? true {
            let unit = tree.units[u]
            var chain = [unit.code], j = tree.index[unit.parent ?? ""] ?? -1
            while j >= 0 && j != u && chain.count < 12 { chain.append(tree.units[j].code); j = tree.index[tree.units[j].parent ?? ""] ?? -1 }
            chain.append(unit.code)
            out.append(Finding(subject: .unit, id: unit.code, name: unit.name, rule: .parentCycle,
                               problem: Phrase("finding.parent-cycle", chain.joined(separator: " → ")), action: Phrase("finding.parent-cycle.do")))
        }
        for u in tree.units.indices where scope?.contains(u) ?? true {
            let unit = tree.units[u]
            // Digits are checked against the parent the unit names (not one its point is placed in).
            let p = Int(tree.parent[u])
            if let problem = Self.codeProblem(unit, parent: p >= 0 && tree.units[p].code == unit.parent ? tree.units[p] : nil) {
                out.append(Finding(subject: .unit, id: unit.code, name: unit.name, rule: .unitCode, problem: problem,
                                   action: Phrase("finding.unit-code.do")))
            }
            if population[u] == nil && (unit.level == .community || unit.level == .village || children[u].isEmpty) {
                out.append(Finding(subject: .unit, id: unit.code, name: unit.name, rule: .population,
                                   problem: Phrase("finding.no-population"), action: Phrase("finding.no-population.do")))
            }
            if let own = unit.population {
                let stated = children[u].compactMap { population[$0] }
                let sum = stated.reduce(0, +)
                if !stated.isEmpty && sum > Double(own) * 1.001 {
                    out.append(Finding(subject: .unit, id: unit.code, name: unit.name, rule: .population, severity: .error,
                                       problem: Phrase("finding.children-more", String(format: "%.0f", sum), String(own)),
                                       action: Phrase("finding.children-more.do")))
                }
            }
        }
        return out
    }

    /// What is wrong with a code under the national scheme (统计用区划代码): 2 digits province, 2 city, 2 county, 3
    /// township, 3 committee (001–199 communities, 200–399 villages); 6 digits for cities and counties, 9 for townships
    /// (or 12, padded with zeros); and it starts with its parent's digits.
    static func codeProblem(_ unit: AdministrativeUnit, parent: AdministrativeUnit?) -> Phrase? {
        let code = unit.code
        guard !code.isEmpty, code.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return Phrase("finding.code.digits", code)
        }
        let significant = significantDigits(unit.level)
        let lengths = unit.level == .community || unit.level == .village ? [12] : [unit.level == .township ? 9 : 6, 12]
        guard lengths.contains(code.count) else {
            return Phrase(lengths.count == 1 ? "finding.code.length" : "finding.code.length.either",
                          arguments: [.phrase(Phrase("level." + unit.level.rawValue))] + lengths.map { .text(String($0)) } + [.text(code), .text(String(code.count))])
        }
        let digits = Array(code)
        if code.count > significant, digits[significant...].contains(where: { $0 != "0" }) {
            return Phrase("finding.code.zeros", arguments: [.phrase(Phrase("level." + unit.level.rawValue)), .text(String(significant)), .text(code)])
        }
        let part = { (r: Range<Int>) -> Int in Int(String(digits[r])) ?? 0 }
        switch unit.level {
        case .city where part(2..<4) == 0: return Phrase("finding.code.city", code)
        case .district where part(4..<6) == 0: return Phrase("finding.code.district", code)
        case .township where part(6..<9) == 0: return Phrase("finding.code.township", code)
        case .community where !(1...199).contains(part(9..<12)):
            return Phrase("finding.code.community", code, String(digits[9..<12]))
        case .village where !(200...399).contains(part(9..<12)):
            return Phrase("finding.code.village", code, String(digits[9..<12]))
        default: break
        }
        if let parent, parent.level.rank < unit.level.rank {
            let prefix = significantDigits(parent.level)
            if parent.code.count >= prefix, !code.hasPrefix(String(parent.code.prefix(prefix))) {
                return Phrase("finding.code.parent", code, parent.code, String(parent.code.prefix(prefix)))
            }
        }
        return nil
    }

    // MARK: Helpers

    /// How many leading digits of a code name a unit of `level` (the rest are zeros): 4 for a city (province and
    /// city), 6 for a county, 9 for a township, 12 for a committee.
    static func significantDigits(_ level: UnitLevel) -> Int {
        switch level {
        case .city: 4
        case .district: 6
        case .township: 9
        case .community, .village: 12
        }
    }

    /// `568 m east, 139 m south`.
    static func direction(_ east: Double, _ north: Double) -> Phrase {
        Phrase(east >= 0 ? (north >= 0 ? "finding.direction.en" : "finding.direction.es") : (north >= 0 ? "finding.direction.wn" : "finding.direction.ws"),
               String(format: "%.0f", abs(east)), String(format: "%.0f", abs(north)))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    static func day(_ ordinal: Int32) -> String {
        String(format: "%04d-%02d-%02d", ordinal / 10_000, ordinal / 100 % 100, ordinal % 100)
    }
}

/// A facility name reduced for comparison: compatibility-normalised (full-width to half-width), lower case, without
/// spaces and punctuation, without leading province, city and district names (as the store knows them, with and
/// without 市/区/县) and without trailing company suffixes (有限公司, …). Township names stay: two street-level
/// centres differ by nothing else.
struct NameKey {
    /// The names to strip, by their first character, longest first.
    let prefixes: [Character: [String]]
    static let suffixes = ["股份有限公司", "有限责任公司", "有限公司", "分公司", "公司"]

    init(units: [AdministrativeUnit]) {
        var names = Set<String>()
        for u in units where u.level.rank <= UnitLevel.district.rank {
            let name = Self.clean(u.name)
            names.insert(name)
            for ending in ["特别行政区", "自治县", "自治州", "市", "区", "县"] where name.hasSuffix(ending) {
                let stem = String(name.dropLast(ending.count))
                if stem.count >= 2 { names.insert(stem) }
                break
            }
        }
        prefixes = Dictionary(grouping: names.filter { $0.count >= 2 }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 },
                              by: { $0.first! })
    }

    static func clean(_ name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping.lowercased()
        return String(String.UnicodeScalarView(folded.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }))
    }

    func key(_ name: String) -> String {
        var s = Self.clean(name)
        // A province: up to four characters and 省 (or 自治区) at the start.
        for marker in ["省", "自治区"] {
            if let r = s.range(of: marker), (2...4).contains(s.distance(from: s.startIndex, to: r.lowerBound)), s.distance(from: r.upperBound, to: s.endIndex) >= 2 {
                s = String(s[r.upperBound...])
            }
        }
        var changed = true
        while changed, let first = s.first {
            changed = false
            for p in prefixes[first] ?? [] where s.hasPrefix(p) && s.count >= p.count + 2 {
                s.removeFirst(p.count)
                changed = true
                break
            }
        }
        for suffix in Self.suffixes where s.hasSuffix(suffix) && s.count >= suffix.count + 2 {
            s.removeLast(suffix.count)
            break
        }
        return s
    }

    /// The same key, or one ending with the other when the shorter has at least four characters.
    static func similar(_ a: String, _ b: String) -> Bool {
        if a == b { return !a.isEmpty }
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        return short.count >= 4 && long.hasSuffix(short)
    }
}

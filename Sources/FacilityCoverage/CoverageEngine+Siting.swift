import FacilityGeometry
import FacilityModel
import FacilityNetwork
import FacilityText
import Foundation

/// Where new facilities could go: `facilitymap suggest --candidates`.
public enum CandidateSites: Sendable, Equatable {
    /// Each uncovered unit's own point, the new facility registered to that unit (the default).
    case units
    /// The points of a square grid of this many metres over each area's uncovered units, registered to none.
    case grid(metres: Double)
    /// Sites given in a file (available plots): a point each, optionally registered to a unit.
    case sites([CandidateSite])
}

/// A place a new facility could be built.
public struct CandidateSite: Sendable, Equatable {
    public var id: String
    public var name: String
    public var location: LonLat
    /// The unit the new facility would be registered to, if any.
    public var unit: String?

    public init(id: String, name: String, location: LonLat, unit: String? = nil) {
        self.id = id
        self.name = name
        self.location = location
        self.unit = unit
    }
}

/// One proposed new facility: where, which units it would cover, and in which order it was picked.
public struct ProposedSite: Sendable, Equatable {
    /// 1, 2, … within its area, in the order the greedy picked it (most newly covered units first).
    public var pick: Int
    public var site: CandidateSite
    /// The area (of `--by`) it serves.
    public var area: UnitReference
    /// The counted units it would cover that no facility covers now (a capacity proposal: the unit it serves).
    public var covers: [UnitReference]
    /// per_population: the beds or GPs the new facility holds; share: the places (or 1 facility) converted.
    public var amount: Int? = nil
    /// share: the existing facility to convert (its position in the engine's `facilities`), not a new one.
    public var facility: Int? = nil
    /// share: that facility as stored, filled in by a caller that reads the store (its id, name and fields).
    public var existing: Facility? = nil

    public init(pick: Int, site: CandidateSite, area: UnitReference, covers: [UnitReference], amount: Int? = nil,
                facility: Int? = nil) {
        self.pick = pick
        self.site = site
        self.area = area
        self.covers = covers
        self.amount = amount
        self.facility = facility
    }
}

/// The proposals for one area of a `unit_coverage` target.
public struct AreaSiting: Sendable, Equatable {
    public var area: UnitReference
    /// Counted units, covered now, and needed for the goal.
    public var units: Int
    public var coveredBefore: Int
    public var needed: Int
    public var proposals: [ProposedSite]
    /// No set of fewer sites than this can cover the units still needed (the largest candidates' coverage added up;
    /// with `--exact`, the proven optimum).
    public var lowerBound: Int
    /// With `--exact`: how many sites the greedy picked.
    public var greedy: Int?
    /// per_population, share and city-wide count targets: the area's measure before and after the proposals
    /// (a rate per `per` people, a share, or a number of facilities), and the amount the proposals add or convert.
    public var valueBefore: Double? = nil
    public var valueAfter: Double? = nil
    public var amount: Int = 0
    /// Units covered once the proposals are built (for a per-area count target: areas that reach `min`).
    public var coveredAfter: Int { coveredBefore + Set(proposals.flatMap { $0.covers.map(\.code) }).count }
    public var shareBefore: Double? { units == 0 ? nil : Double(coveredBefore) / Double(units) }
    public var shareAfter: Double? { units == 0 ? nil : Double(coveredAfter) / Double(units) }
}

/// The proposals for one target.
public struct SitingReport: Sendable, Equatable {
    public var plan: String
    public var target: Target
    public var year: Int
    public var asOf: Day
    public var by: UnitLevel
    public var goal: Double
    /// The kind the proposed facilities take (the target's first).
    public var kind: FacilityKind
    public var areas: [AreaSiting]
    /// per_population, share and city-wide count targets: the whole plan area's measure before and after.
    public var totalBefore: Double? = nil
    public var totalAfter: Double? = nil
    public var proposals: [ProposedSite] { areas.flatMap(\.proposals) }
}

/// Why no proposal can be made.
public struct SitingError: PhrasedError, Equatable {
    public let phrase: Phrase
    public init(_ phrase: Phrase) { self.phrase = phrase }
    /// A reason in English alone (the same in every language).
    public init(message: String) { phrase = .verbatim(message) }
    /// The reason in English.
    public var message: String { phrase.text(in: .en) }
}

extension CoverageEngine {
    /// The fewest new sites (greedily) that bring every area of `query.by` to the goal of the `unit_coverage`
    /// `target`, existing facilities kept: in each area, the candidate covering the most still uncovered units is
    /// picked until enough are covered (ties: the one whose units hold the most people, then code order).
    /// `maxNew` caps the proposals per area. Throws when the goal cannot be reached with the candidates.
    /// With `exact`, each area's problem is also handed to it (a MILP solver); its answer, when it gives one,
    /// replaces the greedy picks (the greedy count is kept beside it).
    public func suggest(target: Target, plan: TargetPlan, query: CoverageQuery, candidates: CandidateSites,
                        maxNew: Int? = nil, exact: ((SitingProblem) throws -> [Int]?)? = nil) throws -> SitingReport {
        let (asOf, year) = resolve(plan: plan, query: query)
        guard let goal = target.goals[year] else {
            throw SitingError(Phrase("siting.no-goal", arguments: [.text(target.id), .text(String(year)), .phrase(.list(target.goals.keys.sorted().map(String.init)))]))
        }
        switch target.metric {
        case .count where target.perArea != nil:
            return suggestPerArea(target: target, plan: plan, query: query, asOf: asOf, year: year, goal: goal)
        case .count:
            return suggestCityCount(target: target, plan: plan, query: query, asOf: asOf, year: year, goal: goal)
        case .perPopulation:
            return try suggestCapacity(target: target, plan: plan, query: query, asOf: asOf, year: year, goal: goal,
                                       candidates: candidates)
        case .share:
            return suggestConversions(target: target, plan: plan, query: query, asOf: asOf, year: year, goal: goal)
        case .access:
            throw SitingError(Phrase("siting.access", target.id))
        case .unitCoverage:
            break
        }
        guard let level = target.units else {
            throw SitingError(Phrase("siting.no-units", target.id))
        }
        let (_, inPlanArea) = planArea(plan)
        let counting = counting(target.kinds, openOn: asOf.ordinal)
        var network: RoadNetwork?
        if target.isNetwork {
            switch self.network(for: target, plan: plan) {
            case let .success(built): network = built
            case let .failure(error): throw SitingError(message: error.description)
            }
        }
        let (count, counted) = coveringCounts(target, counting: counting, inPlanArea: inPlanArea, network: network)
        let byAncestor = ancestors(at: query.by)
        let within = target.withinMetres

        // Counted units per area, and those not covered now.
        var countedIn: [Int: [Int]] = [:]
        for u in inCodeOrder(counted) { countedIn[Int(byAncestor[u]), default: []].append(u) }
        let areaRows = inCodeOrder(units.indices.filter { self.level[$0] == query.by && inPlanArea[$0] })

        /// Whether a new facility at `site` would cover unit `u`: the rule `coveringCounts` counts existing ones by.
        func covers(_ site: CandidateSite, _ u: Int) -> Bool {
            self.covers(unit: u, registeredTo: site.unit, at: site.location, within: within)
        }

        // People per unit: the greedy's tie-break (made once: a list the size of all units).
        let weights = units.map { Double($0.population ?? 0) }
        var result: [AreaSiting] = []
        for a in areaRows {
            let inArea = countedIn[a] ?? []
            let coveredBefore = inArea.filter { count[$0] > 0 }.count
            let uncovered = inArea.filter { count[$0] == 0 }
            let needed = max(0, Int((goal * Double(inArea.count) - 1e-9).rounded(.up)) - coveredBefore)
            var siting = AreaSiting(area: reference(a), units: inArea.count, coveredBefore: coveredBefore, needed: needed,
                                    proposals: [], lowerBound: 0, greedy: nil)
            guard needed > 0 else { result.append(siting); continue }
            let sites = candidateSites(candidates, uncovered: uncovered, area: a)
            // Each candidate's uncovered units: candidates × uncovered units of the area; along the roads, a search
            // from each candidate (units to it, as people go).
            let sets: [[Int]]
            if let network {
                let places = network.snap(uncovered.map { networkOrigin($0) ?? LonLat(.nan, .nan) })
                let byEdge = PlacesByEdge(places, edgeCount: network.edgeCount)
                let (weight, limit) = target.networkLimit
                sets = sites.map { site in
                    guard let place = network.snap(site.location) else { return [] }
                    var reached: [Int] = []
                    network.forEachPlace(places, byEdge: byEdge, around: place, toPlace: true, weight: weight, limit: limit) { i, _ in reached.append(i) }
                    return reached.sorted().map { uncovered[$0] }
                }
            } else {
                sets = sites.map { site in uncovered.filter { covers(site, $0) } }
            }
            let reach = Set(sets.joined())
            if reach.count < needed {
                throw SitingError(Phrase("siting.unreachable", arguments: [.text(target.id), .text(siting.area.name), .text(siting.area.code), .text(String(needed)),
                                                             .text(String(inArea.count)), .phrase(Phrase("level." + level.rawValue)), .text(String(reach.count)),
                                                             .phrase(within == 0 ? Phrase("siting.unreachable.within-zero") : .verbatim(""))]))
            }
            let sizes = sets.map(\.count).sorted(by: >)
            var bound = 0, sum = 0
            while sum < needed && bound < sizes.count { sum += sizes[bound]; bound += 1 }
            siting.lowerBound = bound
            let greedy = Self.greedyCover(sets: sets, weights: weights, needed: needed, maxNew: maxNew)
            var picks = greedy
            if let exact {
                let problem = SitingProblem(area: siting.area, sets: sets, needed: needed, maxNew: maxNew)
                if let optimal = try exact(problem) {
                    picks = Self.pickOrder(optimal, sets: sets, weights: weights)
                    siting.greedy = greedy.count
                    siting.lowerBound = picks.count
                }
            }
            var done = Set<Int>()
            for i in picks {
                let fresh = sets[i].filter { !done.contains($0) }
                done.formUnion(fresh)
                siting.proposals.append(ProposedSite(pick: siting.proposals.count + 1, site: sites[i], area: siting.area,
                                                     covers: inCodeOrder(fresh.sorted()).map(reference)))
            }
            result.append(siting)
        }
        return SitingReport(plan: plan.plan, target: target, year: year, asOf: asOf, by: query.by, goal: goal,
                            kind: target.kinds[0], areas: result)
    }

    /// A per-area count target (`per_area`, `min`): the areas short of `min` facilities (as many as the goal's share
    /// needs, the most populous first) get the missing ones, each at the unit nearest the area's population centre.
    private func suggestPerArea(target: Target, plan: TargetPlan, query: CoverageQuery, asOf: Day, year: Int,
                                goal: Double) -> SitingReport {
        let perLevel = target.perArea!
        let (_, inPlanArea) = planArea(plan)
        let levelAncestor = ancestors(at: perLevel)
        var have = [Int](repeating: 0, count: units.count)
        for f in counting(target.kinds, openOn: asOf.ordinal) where anchor[f] >= 0 {
            let a = Int(levelAncestor[Int(anchor[f])])
            if a >= 0 { have[a] += 1 }
        }
        let areas = inCodeOrder(units.indices.filter { self.level[$0] == perLevel && inPlanArea[$0] })
        var inside: [Int: [Int]] = [:]
        for u in units.indices where levelAncestor[u] >= 0 && Int(levelAncestor[u]) != u { inside[Int(levelAncestor[u]), default: []].append(u) }
        let meeting = areas.filter { have[$0] >= target.min }.count
        let wanted = max(0, Int((goal * Double(areas.count) - 1e-9).rounded(.up)) - meeting)
        let short = areas.filter { have[$0] < target.min }.sorted { (population[$0] ?? 0) > (population[$1] ?? 0) }.prefix(wanted)
        let chosen = Set(short)

        func site(for a: Int) -> CandidateSite { populationCentreSite(of: a, members: inside[a] ?? []) }

        // Rows of --by, or of the target's own level when --by is finer (a county's sites are not split by township).
        let rowLevel = query.by.rank <= perLevel.rank ? query.by : perLevel
        let rowAncestor = ancestors(at: rowLevel)
        let rows = inCodeOrder(units.indices.filter { self.level[$0] == rowLevel && inPlanArea[$0] })
        var result: [AreaSiting] = []
        for row in rows {
            let mine = areas.filter { Int(rowAncestor[$0]) == row }
            var siting = AreaSiting(area: reference(row), units: mine.count, coveredBefore: mine.filter { have[$0] >= target.min }.count,
                                    needed: mine.filter { chosen.contains($0) }.count, proposals: [], lowerBound: 0, greedy: nil)
            for a in mine where chosen.contains(a) {
                let place = site(for: a)
                for _ in have[a]..<target.min {
                    siting.proposals.append(ProposedSite(pick: siting.proposals.count + 1, site: place, area: siting.area,
                                                         covers: [reference(a)]))
                }
            }
            // Each area short of `min` needs its own sites: the greedy answer is the optimum.
            siting.lowerBound = siting.proposals.count
            result.append(siting)
        }
        return SitingReport(plan: plan.plan, target: target, year: year, asOf: asOf, by: query.by, goal: goal,
                            kind: target.kinds[0], areas: result)
    }

    /// The unit nearest area `a`'s population centre (the people-weighted mean of the points of `members`, the units
    /// below it), as a site registered to that unit; the area's own point when it has no members with points.
    func populationCentreSite(of a: Int, members: [Int]) -> CandidateSite {
        let members = members.filter { units[$0].location != nil }
        let weights = members.map { Double(units[$0].population ?? 0) }
        let total = weights.reduce(0, +)
        var centre: LonLat? = Self.point(of: units[a])
        if !members.isEmpty {
            let w = total > 0 ? weights : members.map { _ in 1.0 }
            let sum = w.reduce(0, +)
            centre = LonLat(zip(members, w).reduce(0) { $0 + units[$1.0].location!.lon * $1.1 } / sum,
                            zip(members, w).reduce(0) { $0 + units[$1.0].location!.lat * $1.1 } / sum)
        }
        guard let centre else { return CandidateSite(id: units[a].code, name: units[a].name, location: LonLat(0, 0), unit: units[a].code) }
        let nearest = members.min { haversineMetres(units[$0].location!, centre) < haversineMetres(units[$1].location!, centre) }
        let unit = nearest.map { units[$0] } ?? units[a]
        return CandidateSite(id: unit.code, name: unit.name, location: unit.location ?? centre, unit: unit.code)
    }

    /// A unit's point, else the centre of its polygon's box.
    static func point(of unit: AdministrativeUnit) -> LonLat? {
        if let location = unit.location { return location }
        guard let box = unit.boundary?.boundingBox else { return nil }
        return LonLat((box.minLon + box.maxLon) / 2, (box.minLat + box.maxLat) / 2)
    }

    /// The candidate sites for one area: the uncovered units' points, a grid over them, or the given sites that lie
    /// in the area (by registration, else by the finest polygon holding them).
    func candidateSites(_ candidates: CandidateSites, uncovered: [Int], area: Int) -> [CandidateSite] {
        switch candidates {
        case .units:
            return uncovered.compactMap { u in
                let unit = units[u]
                guard let point = Self.point(of: unit) else { return nil }
                return CandidateSite(id: unit.code, name: unit.name, location: point, unit: unit.code)
            }
        case let .grid(metres):
            let points = uncovered.compactMap { Self.point(of: units[$0]) }
            guard !points.isEmpty, metres > 0 else { return [] }
            let box = BoundingBox(points: points)
            let dLat = metres / 111_195.0
            let dLon = dLat / max(0.01, cos((box.minLat + box.maxLat) / 2 * .pi / 180))
            var sites: [CandidateSite] = []
            var row = 0
            var lat = box.minLat
            while lat <= box.maxLat + dLat / 2 {
                var col = 0
                var lon = box.minLon
                while lon <= box.maxLon + dLon / 2 {
                    sites.append(CandidateSite(id: "\(units[area].code)-g\(row)-\(col)", name: "grid \(row),\(col)",
                                               location: LonLat(lon, lat)))
                    lon += dLon
                    col += 1
                }
                lat += dLat
                row += 1
                if sites.count > 200_000 { break }
            }
            return sites
        case let .sites(given):
            let byArea = ancestors(at: level[area])
            return given.filter { site in
                if let code = site.unit, let u = codeIndex[code] { return Int(byArea[u]) == area }
                return units[area].boundary?.contains(site.location) ?? false
            }
        }
    }
}

/// One area's siting problem: candidate `i` covers the units `sets[i]`; cover at least `needed` of them with the
/// fewest candidates (at most `maxNew`).
public struct SitingProblem: Sendable {
    public var area: UnitReference
    public var sets: [[Int]]
    public var needed: Int
    public var maxNew: Int?

    public init(area: UnitReference, sets: [[Int]], needed: Int, maxNew: Int?) {
        self.area = area
        self.sets = sets
        self.needed = needed
        self.maxNew = maxNew
    }
}

extension CoverageEngine {
    /// Lazy greedy maximum coverage: a candidate's gain only falls as units get covered, so a stale gain is an upper
    /// bound; the top of the heap is taken once its gain, counted again, still beats the next one's bound. Ties: the
    /// most people (`weights` by unit), then the earlier candidate. Returns the picks in order.
    public static func greedyCover(sets: [[Int]], weights: [Double], needed: Int, maxNew: Int? = nil) -> [Int] {
        var sets = sets
        let weight = { (set: [Int]) -> Double in set.reduce(0) { $0 + weights[$1] } }
        var done = Set<Int>()
        var heap = MinHeap<CandidateEntry> { $0.beats($1) }
        for i in sets.indices where !sets[i].isEmpty { heap.push(CandidateEntry(count: sets[i].count, weight: weight(sets[i]), index: i)) }
        var picks: [Int] = []
        while done.count < needed, var top = heap.pop() {
            if let maxNew, picks.count >= maxNew { break }
            let fresh = sets[top.index].filter { !done.contains($0) }
            sets[top.index] = fresh
            if fresh.isEmpty { continue }
            top.count = fresh.count
            top.weight = weight(fresh)
            if let next = heap.peek, next.beats(top) {
                heap.push(top)
                continue
            }
            done.formUnion(fresh)
            picks.append(top.index)
        }
        return picks
    }

    /// `chosen` in the order the greedy would take them (most newly covered units first).
    static func pickOrder(_ chosen: [Int], sets: [[Int]], weights: [Double]) -> [Int] {
        let only = sets.indices.map { chosen.contains($0) ? sets[$0] : [] }
        let ordered = greedyCover(sets: only, weights: weights, needed: Int.max)
        return ordered + chosen.filter { !ordered.contains($0) }
    }
}

/// A candidate in the greedy's heap: its newly covered units (possibly stale: an upper bound), their people, its index.
struct CandidateEntry {
    var count: Int
    var weight: Double
    var index: Int

    /// Whether this entry is picked before `other`: more units, then more people, then the earlier candidate.
    func beats(_ other: CandidateEntry) -> Bool {
        if count != other.count { return count > other.count }
        if weight != other.weight { return weight > other.weight }
        return index < other.index
    }
}

import FacilityGeometry
import FacilityModel
import FacilityText
import Foundation

/// `suggest` for targets that count capacity, shares and facilities rather than covered units.
extension CoverageEngine {
    /// What the siting of a target that sums over facilities needs: the plan area's rows of `by`, and the counting
    /// facilities inside the plan area with the row each belongs to (-1: none).
    private func facilityRows(_ target: Target, plan: TargetPlan, by: UnitLevel, asOf: Day)
        -> (areaRows: [Int], counting: [Int], row: [Int32], areaUnit: Int?, inPlanArea: [Bool]) {
        let (areaUnit, inPlanArea) = planArea(plan)
        let byAncestor = ancestors(at: by)
        let areaRows = inCodeOrder(units.indices.filter { level[$0] == by && inPlanArea[$0] })
        let counting = counting(target.kinds, openOn: asOf.ordinal).filter { f in
            areaUnit == nil || (anchor[f] >= 0 && inPlanArea[Int(anchor[f])])
        }
        let row = anchor.map { $0 >= 0 ? byAncestor[Int($0)] : -1 }
        return (areaRows, counting, row, areaUnit, inPlanArea)
    }

    /// The people of the plan area (its unit's, else the sum of the top units').
    private func planPeople(_ areaUnit: Int?) -> Double? {
        areaUnit.map { population[$0] } ?? units.indices.filter { parent[$0] < 0 }.compactMap { population[$0] }.reduce(nil) { ($0 ?? 0) + $1 }
    }

    /// A `per_population` target (beds, GPs per N people): each area of `by` below the goal gets the shortfall
    /// (`goal × people / per − what it has`, rounded up) as new capacity, split over the units just below the area
    /// by their own shortfall, the largest first: each share goes to a new facility at the unit nearest that unit's
    /// population centre, or with candidate plots, at the plot of the area nearest it (shares at one plot add up).
    func suggestCapacity(target: Target, plan: TargetPlan, query: CoverageQuery, asOf: Day, year: Int, goal: Double,
                         candidates: CandidateSites) throws -> SitingReport {
        let field = target.field ?? .beds
        let per = target.per ?? 1
        let values = column(field)
        let (areaRows, counting, _, areaUnit, inPlanArea) = facilityRows(target, plan: plan, by: query.by, asOf: asOf)
        var have = [Double](repeating: 0, count: units.count)
        var total = 0.0
        // What each unit holds: facilities count toward their unit and every unit above it.
        for f in counting {
            let v = Double(values[f])
            total += v
            var j = Int(anchor[f]), steps = 0
            while j >= 0 && steps < 32 { have[j] += v; j = Int(parent[j]); steps += 1 }
        }
        var children: [Int: [Int]] = [:]
        for u in units.indices where parent[u] >= 0 && inPlanArea[u] { children[Int(parent[u]), default: []].append(u) }
        let descendants = { (a: Int) -> [Int] in
            var out: [Int] = [], stack = children[a] ?? []
            while let u = stack.popLast() { out.append(u); stack += children[u] ?? [] }
            return out
        }
        let need = { (sum: Double, people: Double?) -> Int in
            guard let people, people > 0 else { return 0 }
            return Int(Judge.ratio(numerator: sum, denominator: people, scale: per, goal: goal, emptyNote: nil).shortfall ?? 0)
        }
        var result: [AreaSiting] = []
        var added = 0
        for a in areaRows {
            let people = population[a]
            let amount = need(have[a], people)
            var siting = AreaSiting(area: reference(a), units: 0, coveredBefore: 0, needed: 0, proposals: [], lowerBound: 0, greedy: nil)
            siting.amount = amount
            siting.valueBefore = people.flatMap { $0 > 0 ? have[a] * per / $0 : nil }
            siting.valueAfter = people.flatMap { $0 > 0 ? (have[a] + Double(amount)) * per / $0 : nil }
            if amount > 0 {
                // The units just below the area, by how much capacity their own people lack, the largest first.
                let below = inCodeOrder((children[a] ?? []).sorted())
                let lack = below.map { s -> Double in
                    guard let p = population[s], p > 0 else { return 0 }
                    return max(0, goal * p / per - have[s])
                }
                var order = below.indices.filter { lack[$0] > 0 }
                order.sort { lack[$0] != lack[$1] ? lack[$0] > lack[$1] : $0 < $1 }
                var shares: [(unit: Int, amount: Int)] = []
                var left = amount
                for i in order where left > 0 {
                    let share = min(left, Int(lack[i].rounded(.up)))
                    shares.append((below[i], share))
                    left -= share
                }
                if left > 0 {
                    // Capacity the units below cannot place (registered to the area itself, or no populations below):
                    // to the most populous unit below, else the area.
                    let target = below.max { (population[$0] ?? 0) < (population[$1] ?? 0) } ?? a
                    if let i = shares.firstIndex(where: { $0.unit == target }) { shares[i].amount += left } else { shares.append((target, left)) }
                }
                var plots: [CandidateSite] = []
                if case .sites = candidates {
                    plots = candidateSites(candidates, uncovered: [], area: a)
                    if plots.isEmpty {
                        throw SitingError(Phrase("siting.no-plot", arguments: [.text(target.id), .text(units[a].name), .text(units[a].code), .text("\(amount)"),
                                                                             .phrase(Phrase("field." + field.rawValue))]))
                    }
                }
                for (unit, share) in shares {
                    let site = populationCentreSite(of: unit, members: descendants(unit))
                    var chosen = site
                    if !plots.isEmpty {
                        chosen = plots.min { haversineMetres($0.location, site.location) < haversineMetres($1.location, site.location) }!
                    }
                    if let i = siting.proposals.firstIndex(where: { $0.site == chosen }) {
                        siting.proposals[i].amount! += share
                        siting.proposals[i].covers.append(reference(unit))
                    } else {
                        siting.proposals.append(ProposedSite(pick: siting.proposals.count + 1, site: chosen, area: siting.area,
                                                             covers: [reference(unit)], amount: share))
                    }
                }
                added += amount
            }
            siting.lowerBound = siting.proposals.isEmpty ? 0 : 1
            result.append(siting)
        }
        let people = planPeople(areaUnit)
        var report = SitingReport(plan: plan.plan, target: target, year: year, asOf: asOf, by: query.by, goal: goal,
                                  kind: target.kinds[0], areas: result)
        report.totalBefore = people.flatMap { $0 > 0 ? total * per / $0 : nil }
        report.totalAfter = people.flatMap { $0 > 0 ? (total + Double(added)) * per / $0 : nil }
        return report
    }

    /// A `share` target (inclusive places): each area of `by` below the goal converts existing facilities of the
    /// kinds that do not hold the attribute — the fewest: the largest first, the last the smallest that suffices —
    /// until `goal × all` places (or facilities) hold it.
    func suggestConversions(target: Target, plan: TargetPlan, query: CoverageQuery, asOf: Day, year: Int,
                            goal: Double) -> SitingReport {
        let attribute = target.whereAttribute ?? "inclusive"
        let values = target.field.map(column)
        let amountOf = { (f: Int) -> Int in values.map { $0[f] } ?? 1 }
        let (areaRows, counting, row, _, _) = facilityRows(target, plan: plan, by: query.by, asOf: asOf)
        var all = [Double](repeating: 0, count: units.count), selected = all
        var convertible: [Int: [Int]] = [:]
        var totalAll = 0.0, totalSelected = 0.0
        for f in counting {
            let v = Double(amountOf(f))
            let holds = holds(attribute, f)
            totalAll += v
            if holds { totalSelected += v }
            let a = Int(row[f])
            guard a >= 0 else { continue }
            all[a] += v
            if holds { selected[a] += v } else if v > 0 { convertible[a, default: []].append(f) }
        }
        var result: [AreaSiting] = []
        var converted = 0
        for a in areaRows {
            var siting = AreaSiting(area: reference(a), units: 0, coveredBefore: 0, needed: 0, proposals: [], lowerBound: 0, greedy: nil)
            let judged = Judge.ratio(numerator: selected[a], denominator: all[a], goal: goal, emptyNote: nil)
            siting.valueBefore = judged.actual
            var left = Int(judged.shortfall ?? 0)
            siting.amount = left
            // Largest first (fewest conversions); once one alone suffices, the smallest that does.
            var pool = (convertible[a] ?? []).sorted { amountOf($0) != amountOf($1) ? amountOf($0) > amountOf($1) : $0 < $1 }
            while left > 0, !pool.isEmpty {
                let k = pool.lastIndex { amountOf($0) >= left } ?? 0
                let f = pool.remove(at: k)
                let unit = facilities.unit[f] >= 0 ? units[Int(facilities.unit[f])].code : nil
                let served = anchor[f] >= 0 ? reference(Int(anchor[f])) : siting.area
                siting.proposals.append(ProposedSite(pick: siting.proposals.count + 1,
                                                     site: CandidateSite(id: "", name: "", location: facilities.location[f], unit: unit),
                                                     area: siting.area, covers: [served], amount: amountOf(f), facility: f))
                left -= amountOf(f)
            }
            let done = siting.proposals.reduce(0) { $0 + ($1.amount ?? 0) }
            converted += done
            siting.valueAfter = all[a] > 0 ? (selected[a] + Double(done)) / all[a] : nil
            siting.lowerBound = siting.proposals.count
            result.append(siting)
        }
        var report = SitingReport(plan: plan.plan, target: target, year: year, asOf: asOf, by: query.by, goal: goal,
                                  kind: target.kinds[0], areas: result)
        report.totalBefore = totalAll > 0 ? totalSelected / totalAll : nil
        report.totalAfter = totalAll > 0 ? (totalSelected + Double(converted)) / totalAll : nil
        return report
    }

    /// A city-wide `count` target (58 street-level centres): the missing ones go to the units of the target's
    /// `units` level (townships when it names none) that have the fewest, the most populous first, each at the unit
    /// nearest that unit's population centre.
    func suggestCityCount(target: Target, plan: TargetPlan, query: CoverageQuery, asOf: Day, year: Int,
                          goal: Double) -> SitingReport {
        let spread = target.units ?? .township
        let (_, counting, _, _, inPlanArea) = facilityRows(target, plan: plan, by: query.by, asOf: asOf)
        let spreadAncestor = ancestors(at: spread)
        let areas = inCodeOrder(units.indices.filter { level[$0] == spread && inPlanArea[$0] })
        var have = [Int](repeating: 0, count: units.count)
        for f in counting where anchor[f] >= 0 {
            let a = Int(spreadAncestor[Int(anchor[f])])
            if a >= 0 { have[a] += 1 }
        }
        let missing = max(0, Int(Judge.ceiling(goal - Double(counting.count))))
        // The picks: repeatedly the area with the fewest (counting those already proposed), then the most people,
        // then code order — a heap of (count, people, order).
        var heap = MinHeap<(count: Int, people: Double, order: Int)> { x, y in
            x.count != y.count ? x.count < y.count : x.people != y.people ? x.people > y.people : x.order < y.order
        }
        for (order, a) in areas.enumerated() { heap.push((have[a], population[a] ?? 0, order)) }
        var picks: [Int] = []
        while picks.count < missing, var top = heap.pop() {
            picks.append(areas[top.order])
            top.count += 1
            heap.push(top)
        }
        var inside: [Int: [Int]] = [:]
        for u in units.indices where spreadAncestor[u] >= 0 && Int(spreadAncestor[u]) != u { inside[Int(spreadAncestor[u]), default: []].append(u) }
        // Rows of --by, or of the spread level when --by is finer.
        let rowLevel = query.by.rank <= spread.rank ? query.by : spread
        let rowAncestor = ancestors(at: rowLevel)
        let rows = inCodeOrder(units.indices.filter { self.level[$0] == rowLevel && inPlanArea[$0] })
        var rowOf: [Int: Int] = [:]
        for (i, r) in rows.enumerated() { rowOf[r] = i }
        var result = rows.map { AreaSiting(area: reference($0), units: 0, coveredBefore: 0, needed: 0, proposals: [], lowerBound: 0, greedy: nil) }
        var before = [Double](repeating: 0, count: rows.count)
        for f in counting where anchor[f] >= 0 {
            if let i = rowOf[Int(rowAncestor[Int(anchor[f])])] { before[i] += 1 }
        }
        for a in picks {
            guard let i = rowOf[Int(rowAncestor[a])] else { continue }
            result[i].proposals.append(ProposedSite(pick: result[i].proposals.count + 1,
                                                    site: populationCentreSite(of: a, members: inside[a] ?? []),
                                                    area: result[i].area, covers: [reference(a)]))
        }
        for i in result.indices {
            result[i].amount = result[i].proposals.count
            result[i].lowerBound = result[i].proposals.count
            result[i].valueBefore = before[i]
            result[i].valueAfter = before[i] + Double(result[i].proposals.count)
        }
        var report = SitingReport(plan: plan.plan, target: target, year: year, asOf: asOf, by: query.by, goal: goal,
                                  kind: target.kinds[0], areas: result)
        report.totalBefore = Double(counting.count)
        report.totalAfter = Double(counting.count + picks.count)
        return report
    }
}

/// A binary heap whose `pop` gives the element `less` puts first.
struct MinHeap<Element> {
    private var entries: [Element] = []
    private let less: (Element, Element) -> Bool

    init(less: @escaping (Element, Element) -> Bool) { self.less = less }

    /// The element `pop` would give, left in place.
    var peek: Element? { entries.first }

    mutating func push(_ entry: Element) {
        entries.append(entry)
        var i = entries.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(entries[i], entries[p]) else { break }
            entries.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> Element? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < entries.count && less(entries[l], entries[best]) { best = l }
            if r < entries.count && less(entries[r], entries[best]) { best = r }
            if best == i { break }
            entries.swapAt(i, best)
            i = best
        }
        return top
    }
}

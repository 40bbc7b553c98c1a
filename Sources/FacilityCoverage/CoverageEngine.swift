import Dispatch
import FacilityGeometry
import FacilityModel
import FacilityNetwork

/// What to measure: the goal year, the day facilities are counted on, and the level of the area rows.
public struct CoverageQuery: Sendable {
    /// The goal year; default: the first goal year not before `asOf` (the next deadline), else the latest goal year.
    public var year: Int?
    /// The day facilities are counted on; default: the last day of `year`.
    public var asOf: Day?
    public var by: UnitLevel
    /// Only this target.
    public var targetID: String?

    public init(year: Int? = nil, asOf: Day? = nil, by: UnitLevel = .district, targetID: String? = nil) {
        self.year = year
        self.asOf = asOf
        self.by = by
        self.targetID = targetID
    }
}

/// Measures targets over units and facilities held in memory.
///
/// Area membership follows parent codes (village → township → district → city); a unit without a loaded
/// parent, and a facility without a loaded registered unit, belongs to the finest loaded polygon containing
/// its point. A facility registered to a unit belongs to that unit's ancestors wherever its point lies.
public final class CoverageEngine {
    public let units: [AdministrativeUnit]
    /// The units' tree (parents, populations, polygons): the rule every command shares.
    public let tree: UnitTree
    /// The facilities as columns; their `unit` positions are positions in `units`.
    public let facilities: FacilityColumns

    let codeIndex: [String: Int]
    /// Each unit's level, for loops that touch no other field of the unit.
    let level: [UnitLevel]
    /// Each unit's parent (by code, else by polygon), or -1.
    let parent: [Int32]
    /// Each facility's unit: the registered one if loaded, else the finest polygon holding its point, or -1
    /// (`anchor(registeredTo:at:)`).
    let anchor: [Int32]
    /// The units with polygons, for placing a point.
    private let polygons: PolygonGrid
    /// Population of each unit: its own, else the sum of its children's; nil when none is known.
    let population: [Double?]
    private var ancestorCache: [UnitLevel: [Int32]] = [:]
    /// The stored roads, for targets measured along them (`distance: network`); nil: none read.
    public var roads: RoadNetworks?
    /// Unit positions in code order (ties in list order); nil when `units` is in code order already (as the store
    /// gives them).
    private lazy var codeOrder: [Int]? = {
        let sorted = units.indices.dropFirst().allSatisfy { !(units[$0].code < units[$0 - 1].code) }
        return sorted ? nil : units.indices.sorted { units[$0].code < units[$1].code }
    }()

    /// An engine over `facilities`, whose registered units are resolved against `units` by code.
    public convenience init(units: [AdministrativeUnit], facilities: [Facility]) {
        var codeIndex: [String: Int] = [:]
        for (i, unit) in units.enumerated() where codeIndex[unit.code] == nil { codeIndex[unit.code] = i }
        self.init(units: units, facilities: FacilityColumns(facilities, unitIndex: { codeIndex[$0] }))
    }

    /// An engine over facility columns built against `units` (their `unit` values are positions in it).
    public convenience init(units: [AdministrativeUnit], facilities: FacilityColumns) {
        let polygons = UnitTree.polygons(of: units)
        let level = units.map(\.level)
        // Facilities without a loaded registered unit are placed by point on a second thread meanwhile.
        let anchors = Background<[Int32], Never> { () -> [Int32] in
            facilities.unit.indices.map { Self.anchor(unit: facilities.unit[$0], at: facilities.location[$0], polygons: polygons, level: level) }
        }
        self.init(tree: UnitTree(units, polygons: polygons), facilities: facilities, anchor: anchors.value())
    }

    /// An engine over `tree`'s units and `facilities`, each anchored at `anchor` (see `anchor`).
    init(tree: UnitTree, facilities: FacilityColumns, anchor: [Int32]) {
        self.tree = tree
        units = tree.units
        self.facilities = facilities
        level = tree.level
        polygons = tree.polygons
        codeIndex = tree.index
        parent = tree.parent
        population = tree.population
        self.anchor = anchor
    }

    /// This engine with the facilities of `changed` (read from the same store against the same units, with row
    /// numbers: `RegistryStore.facilityColumns(changedByImportsAfter:…)`) in place or appended: the same engine as one
    /// built from the store now, without reading it all again. The units' tree and every other facility's unit are
    /// kept. Nil when the columns cannot be matched (`FacilityColumns.replacing(with:)`): build one anew.
    public func updated(with changed: FacilityColumns) -> CoverageEngine? {
        guard let (columns, positions) = facilities.replacing(with: changed) else { return nil }
        var anchor = self.anchor
        for (i, position) in positions.enumerated() {
            let value = Self.anchor(unit: changed.unit[i], at: changed.location[i], polygons: tree.polygons, level: tree.level)
            if position < anchor.count { anchor[position] = value } else { anchor.append(value) }
        }
        let engine = CoverageEngine(tree: tree, facilities: columns, anchor: anchor)
        // The roads (and the networks built from them) are kept: only facilities changed.
        engine.roads = roads
        return engine
    }

    /// The open facilities on the day with ordinal `day` whose kind is one of `kinds`, in order.
    func counting(_ kinds: [FacilityKind], openOn day: Int32) -> [Int] {
        var wanted = [Bool](repeating: false, count: FacilityKind.allCases.count)
        for kind in kinds { wanted[Int(kind.ordinal)] = true }
        var result: [Int] = []
        facilities.kind.withUnsafeBufferPointer { kind in
            facilities.opened.withUnsafeBufferPointer { opened in
                facilities.closed.withUnsafeBufferPointer { closed in
                    for f in kind.indices where wanted[Int(kind[f])] && opened[f] <= day && closed[f] > day { result.append(f) }
                }
            }
        }
        return result
    }

    /// For each unit, itself or its ancestor at `level`, or -1.
    func ancestors(at level: UnitLevel) -> [Int32] {
        if let cached = ancestorCache[level] { return cached }
        var result = [Int32](repeating: -2, count: units.count)
        for start in units.indices where result[start] == -2 {
            var path: [Int] = []
            var j = start
            var found: Int32 = -1
            while j >= 0 && path.count < 32 {
                if result[j] != -2 { found = result[j]; break }
                path.append(j)
                if self.level[j] == level { found = Int32(j); break }
                j = Int(parent[j])
            }
            for k in path { result[k] = found }
            // Units below `found` on the path share it; units above it (none, by construction) keep searching.
        }
        ancestorCache[level] = result
        return result
    }

    /// The units of `positions` (ascending) in code order, ties in list order.
    func inCodeOrder(_ positions: [Int]) -> [Int] {
        guard let order = codeOrder else { return positions }
        var wanted = [Bool](repeating: false, count: units.count)
        for u in positions { wanted[u] = true }
        return order.filter { wanted[$0] }
    }

    func reference(_ i: Int) -> UnitReference { UnitReference(code: units[i].code, name: units[i].name) }

    /// The counting day and the goal year of a query.
    /// The population coverage counts for each unit, by code: its own, else the sum of the units below it
    /// (`summed`), else nil.
    public var populationsUsed: [String: (people: Int, summed: Bool)] {
        var used: [String: (people: Int, summed: Bool)] = [:]
        for (i, unit) in units.enumerated() {
            if let people = population[i] { used[unit.code] = (Int(people), unit.population == nil) }
        }
        return used
    }

    public func resolve(plan: TargetPlan, query: CoverageQuery) -> (asOf: Day, year: Int) {
        let goalYears = Set(plan.targets.flatMap { $0.goals.keys }).sorted()
        let year = query.year ?? query.asOf.flatMap { asOf in goalYears.first { $0 >= asOf.year } } ?? goalYears.last
            ?? query.asOf?.year ?? 2025
        return (query.asOf ?? Day.endOfYear(year), year)
    }

    /// The plan's area: its unit's tree when the unit is loaded, else everything; and whether each unit is in it.
    func planArea(_ plan: TargetPlan) -> (unit: Int?, contains: [Bool]) {
        guard let areaUnit = plan.area.flatMap({ codeIndex[$0] }) else {
            return (nil, [Bool](repeating: true, count: units.count))
        }
        let top = ancestors(at: units[areaUnit].level)
        return (areaUnit, top.map { $0 == Int32(areaUnit) })
    }

    /// Measures `plan` (or one of its targets) as `query` says.
    public func report(plan: TargetPlan, query: CoverageQuery = CoverageQuery()) -> CoverageReport {
        let (asOf, year) = resolve(plan: plan, query: query)
        let by = query.by
        let targets = plan.targets.filter { query.targetID == nil || $0.id == query.targetID }
        let (areaUnit, inPlanArea) = planArea(plan)
        let totalArea = areaUnit.map(reference) ?? UnitReference(code: plan.area ?? "all", name: "all loaded units")
        let byAncestor = ancestors(at: by)
        let areaRows = inCodeOrder(units.indices.filter { level[$0] == by && inPlanArea[$0] })
        // Each facility's row (its unit's ancestor at `by`) and whether it is in the plan's area, once for all targets.
        let row: [Int32] = anchor.map { $0 >= 0 ? byAncestor[Int($0)] : -1 }
        let facilityInPlan: [Bool] = areaUnit == nil
            ? [Bool](repeating: true, count: anchor.count) : anchor.map { $0 >= 0 && inPlanArea[Int($0)] }

        // Targets are measured in parallel: fill the caches they read first, so that they only read.
        for level in Set(targets.compactMap(\.perArea)) { _ = ancestors(at: level) }
        _ = codeOrder
        func measure(_ target: Target) -> TargetReport {
            let goal = target.goals[year]
            let counting = counting(target.kinds, openOn: asOf.ordinal)
            var report: TargetReport
            var network: RoadNetwork?
            if target.isNetwork {
                switch self.network(for: target, plan: plan) {
                case let .success(built): network = built
                case let .failure(error):
                    // Without roads the mode may use nothing is measured: every result says why, none is met.
                    let note: CoverageNote = error == .noRoads ? .noRoads : .noUsableRoads(target.distance.mode ?? .walk)
                    let unknown = CoverageResult(numerator: 0, denominator: nil, actual: nil, goal: goal, met: nil, shortfall: nil, note: note)
                    return TargetReport(target: target, goal: goal, total: unknown, totalArea: totalArea, totalUncovered: [],
                                        areas: areaRows.map { AreaResult(area: reference($0), result: unknown, uncovered: []) })
                }
            }
            switch target.metric {
            case .unitCoverage:
                report = unitCoverage(target, goal: goal, counting: counting, areaRows: areaRows, byAncestor: byAncestor,
                                      inPlanArea: inPlanArea, totalArea: totalArea, network: network)
            case .access:
                let (demand, people, access) = accessValues(target, counting: counting, inPlanArea: inPlanArea,
                                                            facilityInPlan: { facilityInPlan[$0] }, network: network)
                var numerators = [Double](repeating: 0, count: units.count), denominators = numerators
                var totalNumerator = 0.0, totalDenominator = 0.0
                for (k, u) in demand.enumerated() {
                    let reached = people[k] * access[k]
                    totalNumerator += reached
                    totalDenominator += people[k]
                    let a = Int(byAncestor[u])
                    if a >= 0 { numerators[a] += reached; denominators[a] += people[k] }
                }
                let per = target.per ?? 1
                let empty = CoverageNote.noPeopleAtPoint
                report = TargetReport(
                    target: target, goal: goal,
                    total: Judge.ratio(numerator: totalNumerator, denominator: totalDenominator, scale: per, goal: goal, emptyNote: empty),
                    totalArea: totalArea, totalUncovered: [],
                    areas: areaRows.map {
                        AreaResult(area: reference($0), result: Judge.ratio(numerator: numerators[$0], denominator: denominators[$0],
                                                                            scale: per, goal: goal, emptyNote: empty), uncovered: [])
                    })
            case .perPopulation, .share, .count:
                // Sum a value per area row and in total, in facility order.
                func sums(_ value: (Int) -> Double) -> (rows: [Double], total: Double) {
                    var rows = [Double](repeating: 0, count: units.count)
                    var total = 0.0
                    for f in counting where facilityInPlan[f] {
                        let v = value(f)
                        total += v
                        let a = Int(row[f])
                        if a >= 0 { rows[a] += v }
                    }
                    return (rows, total)
                }
                switch target.metric {
                case .perPopulation:
                    let values = column(target.field!)
                    let per = target.per ?? 1
                    let (rows, total) = sums { Double(values[$0]) }
                    func judge(_ sum: Double, _ people: Double?) -> CoverageResult {
                        guard let people, people > 0 else {
                            return CoverageResult(numerator: sum, denominator: nil, actual: nil, goal: goal, met: nil,
                                                  shortfall: nil, note: .noPopulation)
                        }
                        return Judge.ratio(numerator: sum, denominator: people, scale: per, goal: goal, emptyNote: .noPopulation)
                    }
                    let totalPeople: Double? = areaUnit.map { population[$0] } ??
                        units.indices.filter { parent[$0] < 0 }.compactMap { population[$0] }.reduce(nil) { ($0 ?? 0) + $1 }
                    report = TargetReport(
                        target: target, goal: goal, total: judge(total, totalPeople), totalArea: totalArea, totalUncovered: [],
                        areas: areaRows.map { AreaResult(area: reference($0), result: judge(rows[$0], population[$0]), uncovered: []) })
                case .share:
                    let attribute = target.whereAttribute ?? "inclusive"
                    let values = target.field.map(column)
                    let amount: (Int) -> Double = { f in values.map { Double($0[f]) } ?? 1 }
                    let all = sums(amount)
                    let selected = sums { holds(attribute, $0) ? amount($0) : 0 }
                    let what = target.field.map { CoverageNote.noField($0) } ?? .noFacilities
                    report = TargetReport(
                        target: target, goal: goal,
                        total: Judge.ratio(numerator: selected.total, denominator: all.total, goal: goal, emptyNote: what),
                        totalArea: totalArea, totalUncovered: [],
                        areas: areaRows.map {
                            AreaResult(area: reference($0), result: Judge.ratio(numerator: selected.rows[$0], denominator: all.rows[$0],
                                                                                goal: goal, emptyNote: what), uncovered: [])
                        })
                default:
                    if let level = target.perArea {
                        report = perAreaCount(target, goal: goal, counting: counting.filter { facilityInPlan[$0] }, level: level,
                                              areaRows: areaRows, by: by, inPlanArea: inPlanArea, totalArea: totalArea)
                    } else {
                        let (rows, total) = sums { _ in 1 }
                        report = TargetReport(target: target, goal: goal, total: Judge.count(total, goal: goal), totalArea: totalArea,
                                              totalUncovered: [],
                                              areas: areaRows.map { AreaResult(area: reference($0), result: Judge.count(rows[$0], goal: nil), uncovered: []) })
                    }
                }
            }
            return report
        }
        let reports = Concurrently.map(targets, measure)
        return CoverageReport(plan: plan.plan, year: year, asOf: asOf, by: by, targets: reports)
    }

    /// The column of a numeric field (0 where a facility states none).
    func column(_ field: FacilityCount) -> [Int] { facilities.column(field) }

    /// Whether facility `f`'s boolean attribute holds: `inclusive`, or an extra column reading true/1/yes/是.
    func holds(_ attribute: String, _ f: Int) -> Bool {
        if attribute == "inclusive" { return facilities.inclusive[f] }
        guard let text = facilities.attributes(of: f)[attribute] else { return false }
        return YesNo.parse(text.trimmed) == true
    }

    /// One counted unit of a `unit_coverage` target: whether it is covered, by how many counting facilities,
    /// and how far the nearest counting facility of the kinds is.
    public struct UnitCoverage: Equatable, Sendable {
        public var unit: AdministrativeUnit
        public var covered: Bool
        /// Counting facilities registered to the unit (or below it), inside its polygon, or within `within_m`.
        public var facilityCount: Int
        /// Great-circle metres to the nearest counting facility of the kinds anywhere (0 inside the polygon or at
        /// the point), never capped; nil when there is none.
        public var nearestMetres: Double?
        /// For a target measured along the roads: the way to the nearest facility on them; nil for other targets.
        public var network: NetworkReach?
    }

    /// The units a `unit_coverage` target counts, in code order, with their coverage on the query's day.
    public func unitCoverage(of target: Target, plan: TargetPlan, query: CoverageQuery = CoverageQuery()) -> [UnitCoverage] {
        let (asOf, _) = resolve(plan: plan, query: query)
        let inPlanArea = planArea(plan).contains
        let counting = counting(target.kinds, openOn: asOf.ordinal)
        let grid = PointGrid(points: counting.map { facilities.location[$0] }, cellDegrees: 0.02)
        if target.isNetwork {
            let counted = inCodeOrder(units.indices.filter { self.level[$0] == target.units && inPlanArea[$0] })
            guard case let .success(network) = network(for: target, plan: plan) else {
                return counted.map { UnitCoverage(unit: units[$0], covered: false, facilityCount: 0,
                                                  nearestMetres: nearestMetres(to: units[$0], in: grid),
                                                  network: NetworkReach(metres: nil, minutes: nil, offNetwork: true)) }
            }
            let places = networkPlaces(on: network, counting: counting, counted: counted)
            let (reach, covered) = networkReach(target, network: network, places: places)
            let counts = networkCounts(target, network: network, places: places)
            return counted.indices.map { k in
                UnitCoverage(unit: units[counted[k]], covered: covered[k], facilityCount: counts[k],
                             nearestMetres: nearestMetres(to: units[counted[k]], in: grid), network: reach[k])
            }
        }
        let counts = coveringCounts(target, counting: counting, inPlanArea: inPlanArea)
        return inCodeOrder(counts.counted).map { u in
            UnitCoverage(unit: units[u], covered: counts.count[u] > 0, facilityCount: counts.count[u],
                         nearestMetres: nearestMetres(to: units[u], in: grid))
        }
    }

    /// Distance from a unit's geometry to the nearest point of `grid`: rings of growing boxes until the best
    /// distance found is within the box searched.
    private func nearestMetres(to unit: AdministrativeUnit, in grid: PointGrid) -> Double? {
        guard !grid.points.isEmpty else { return nil }
        let geometry: Geometry
        if let boundary = unit.boundary { geometry = .multiPolygon(boundary) } else if let point = unit.location { geometry = .point(point) } else { return nil }
        let base = geometry.boundingBox
        var radius = 1_000.0
        while true {
            var best = Double.infinity
            grid.forEachCandidate(in: base.expanded(byMetres: radius)) { k in
                best = min(best, geometry.distanceMetres(to: grid.points[k]))
                return best > 0
            }
            if best <= radius || radius > 2.1e7 { return best.isFinite ? best : nil }
            radius *= 4
        }
    }

    /// The unit a facility at `point` whose registered unit is at position `unit` (-1: none loaded) hangs from: that
    /// unit, else the finest polygon holding the point, else -1 — every facility's `anchor`.
    static func anchor(unit: Int32, at point: LonLat, polygons: PolygonGrid, level: [UnitLevel]) -> Int32 {
        unit >= 0 ? unit : Int32(UnitTree.finestPolygon(in: polygons, level: level, containing: point, coarserThan: Int.max, excluding: -1))
    }

    /// The unit a facility at `point` registered to `code` hangs from, as every facility's `anchor`: the registered
    /// unit when it is loaded, else the finest polygon holding the point, else -1.
    func anchor(registeredTo code: String?, at point: LonLat) -> Int {
        Int(Self.anchor(unit: code.flatMap { codeIndex[$0] }.map(Int32.init) ?? -1, at: point, polygons: polygons, level: level))
    }

    // MARK: What covers a unit (unit_coverage), said once

    /// Whether a facility anchored at `anchor` counts for unit `u` by registration: `u` is its anchor or above it.
    func coversByRegistration(anchor: Int, unit u: Int) -> Bool {
        var j = anchor, steps = 0
        while j >= 0 && steps < 32 {
            if j == u { return true }
            j = Int(parent[j])
            steps += 1
        }
        return false
    }

    /// Whether unit `u` can be covered by where a facility stands: it has a polygon, or a point and `within` > 0.
    func coversByPlace(_ u: Int, within: Double) -> Bool {
        units[u].boundary != nil || (within > 0 && units[u].location != nil)
    }

    /// The box a facility must stand in to cover unit `u` by place, and the exact test (inside its polygon, or within
    /// `within` metres of its polygon or of its point). Only for units `coversByPlace` takes.
    func placeTest(_ u: Int, within: Double) -> (box: BoundingBox, covers: (LonLat) -> Bool) {
        let unit = units[u]
        if let boundary = unit.boundary {
            return (within > 0 ? boundary.boundingBox.expanded(byMetres: within) : boundary.boundingBox,
                    { boundary.contains($0) || (within > 0 && boundary.distanceMetres(to: $0) <= within) })
        }
        let point = unit.location!
        return (BoundingBox(points: [point]).expanded(byMetres: within), { haversineMetres(point, $0) <= within })
    }

    /// Whether a facility at `point` registered to `code` covers unit `u` of a `unit_coverage` target: by
    /// registration (its anchor is `u` or below it), or by place. `coveringCounts` counts existing facilities by this
    /// rule (in bulk); `suggest` judges a proposed site by it, so the two cannot disagree.
    func covers(unit u: Int, registeredTo code: String?, at point: LonLat, within: Double) -> Bool {
        if coversByRegistration(anchor: anchor(registeredTo: code, at: point), unit: u) { return true }
        return coversByPlace(u, within: within) && placeTest(u, within: within).covers(point)
    }

    /// For each unit, how many counting facilities cover it; and the units a target counts (ascending). Along
    /// `network` for a network target: 1 for a unit the nearest facility is within reach of, else 0.
    func coveringCounts(_ target: Target, counting: [Int], inPlanArea: [Bool], network: RoadNetwork? = nil) -> (count: [Int], counted: [Int]) {
        let level = target.units!
        let counted = units.indices.filter { self.level[$0] == level && inPlanArea[$0] }
        var count = [Int](repeating: 0, count: units.count)
        if target.isNetwork {
            // Only reach along the roads covers: not registration, not standing inside a large polygon.
            guard let network else { return (count, counted) }
            let covered = networkCovered(target, network: network, places: networkPlaces(on: network, counting: counting, counted: counted))
            for (k, u) in counted.enumerated() where covered[k] { count[u] = 1 }
            return (count, counted)
        }
        // Inside the polygon, or within `within_m` of the unit's geometry: whichever district the facility is in.
        let within = target.withinMetres
        let geometric = counted.filter { coversByPlace($0, within: within) }
        var isGeometric = [Bool](repeating: false, count: geometric.isEmpty ? 0 : units.count)
        for u in geometric { isGeometric[u] = true }
        // Registered to the unit or below it (or, unregistered, inside it as its finest polygon or an ancestor's).
        var chainFacilities: [Int: [Int]] = [:]
        for f in counting {
            var j = Int(anchor[f]), steps = 0
            while j >= 0 && steps < 32 {
                if self.level[j] == level {
                    count[j] += 1
                    if !geometric.isEmpty && isGeometric[j] { chainFacilities[j, default: []].append(f) }
                }
                j = Int(parent[j])
                steps += 1
            }
        }
        if !geometric.isEmpty && !counting.isEmpty {
            let grid = PointGrid(points: counting.map { facilities.location[$0] }, cellDegrees: max(within / 111_000, 0.01))
            for u in geometric {
                let already = Set(chainFacilities[u] ?? [])
                let (box, test) = placeTest(u, within: within)
                grid.forEachCandidate(in: box) { k in
                    if !already.contains(counting[k]) && test(grid.points[k]) { count[u] += 1 }
                    return true
                }
            }
        }
        return (count, counted)
    }

    private func unitCoverage(_ target: Target, goal: Double?, counting: [Int], areaRows: [Int], byAncestor: [Int32],
                              inPlanArea: [Bool], totalArea: UnitReference, network: RoadNetwork?) -> TargetReport {
        let level = target.units!
        let (count, counted) = coveringCounts(target, counting: counting, inPlanArea: inPlanArea, network: network)
        var numerators = [Double](repeating: 0, count: units.count), denominators = [Double](repeating: 0, count: units.count)
        // With weight: population, people in the numerators and denominators; units counted beside.
        let byPeople = target.weight == .population
        var unitNumerators = byPeople ? [Double](repeating: 0, count: units.count) : [], unitDenominators = unitNumerators
        var uncovered = [[UnitReference]](repeating: [], count: units.count)
        var totalCovered = 0.0, totalCounted = 0.0, totalUnitsCovered = 0.0
        var totalUncovered: [UnitReference] = []
        for u in inCodeOrder(counted) {
            let a = Int(byAncestor[u])
            let amount = byPeople ? Double(units[u].population ?? 0) : 1
            totalCounted += amount
            if a >= 0 { denominators[a] += amount }
            if byPeople && a >= 0 { unitDenominators[a] += 1 }
            if count[u] > 0 {
                totalCovered += amount
                totalUnitsCovered += 1
                if a >= 0 { numerators[a] += amount }
                if byPeople && a >= 0 { unitNumerators[a] += 1 }
            } else {
                totalUncovered.append(reference(u))
                if a >= 0 { uncovered[a].append(reference(u)) }
            }
        }
        let empty: CoverageNote = byPeople ? .noPeopleIn(level) : .noUnits(level)
        func judged(_ numerator: Double, _ denominator: Double, _ unitsCovered: Double, _ unitsCounted: Double) -> CoverageResult {
            var result = Judge.ratio(numerator: numerator, denominator: denominator, goal: goal, emptyNote: empty)
            if byPeople && unitsCounted > 0 { result.unitShare = unitsCovered / unitsCounted }
            return result
        }
        return TargetReport(
            target: target, goal: goal,
            total: judged(totalCovered, totalCounted, totalUnitsCovered, Double(counted.count)),
            totalArea: totalArea, totalUncovered: totalUncovered,
            areas: areaRows.map { a in
                AreaResult(area: reference(a),
                           result: byPeople ? judged(numerators[a], denominators[a], unitNumerators[a], unitDenominators[a])
                               : Judge.ratio(numerator: numerators[a], denominator: denominators[a], goal: goal, emptyNote: empty),
                           uncovered: uncovered[a])
            })
    }

    private func perAreaCount(_ target: Target, goal: Double?, counting: [Int], level: UnitLevel, areaRows: [Int], by: UnitLevel,
                              inPlanArea: [Bool], totalArea: UnitReference) -> TargetReport {
        let levelAncestor = ancestors(at: level)
        let byAncestor = ancestors(at: by)
        var perArea = [Int](repeating: 0, count: units.count), perRow = [Int](repeating: 0, count: units.count)
        for f in counting where anchor[f] >= 0 {
            let a = Int(levelAncestor[Int(anchor[f])])
            if a >= 0 { perArea[a] += 1 }
            let row = Int(byAncestor[Int(anchor[f])])
            if row >= 0 { perRow[row] += 1 }
        }
        let areasOfLevel = units.indices.filter { self.level[$0] == level && inPlanArea[$0] }
        let meeting = areasOfLevel.filter { perArea[$0] >= target.min }
        let levelAreasByRow = Dictionary(grouping: areasOfLevel, by: { byAncestor[$0] })
        let empty = CoverageNote.noUnits(level)
        let total = Judge.ratio(numerator: Double(meeting.count), denominator: Double(areasOfLevel.count), goal: goal, emptyNote: empty)
        let rows: [AreaResult] = areaRows.map { a in
            let result: CoverageResult
            if by == level {
                result = Judge.count(Double(perArea[a]), goal: goal == nil ? nil : Double(target.min))
            } else if by.rank < level.rank {
                let inside = levelAreasByRow[Int32(a)] ?? []
                let meets = inside.filter { perArea[$0] >= target.min }
                result = Judge.ratio(numerator: Double(meets.count), denominator: Double(inside.count), goal: goal, emptyNote: empty)
            } else {
                result = Judge.count(Double(perRow[a]), goal: nil)
            }
            return AreaResult(area: reference(a), result: result, uncovered: [])
        }
        return TargetReport(target: target, goal: goal, total: total, totalArea: totalArea, totalUncovered: [], areas: rows)
    }
}

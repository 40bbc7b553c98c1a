import FacilityGeometry
import FacilityModel
import FacilityNetwork
import Foundation

/// What it costs to go from a place of demand (people) to a place of supply (a facility), and which pairs are within
/// reach. `access` targets ask it for every pair within their limit; great-circle metres are what this machine can
/// compute offline (`GreatCircleCost`). A road network's travel times would be another conformance: a table of
/// (demand, supply, minutes) from a routing engine, or a router asked per supply point for its isochrone.
public protocol TravelCost: Sendable {
    /// Calls `body(demand, cost)` for every demand point within `limit` of `supply[j]`.
    func forEachDemand(near j: Int, within limit: Double, _ body: (Int, Double) -> Void)
    /// Calls `body(supply, cost)` for every supply point within `limit` of `demand[i]`.
    func forEachSupply(near i: Int, within limit: Double, _ body: (Int, Double) -> Void)
}

/// Great-circle metres between points, found through square grids of cells at least `limit` wide (each point looks
/// in its cell and the eight around it); a flat-earth lower bound skips the pairs out of reach before the haversine.
public struct GreatCircleCost: TravelCost {
    let demand: [LonLat]
    let supply: [LonLat]
    let demandCells: PointCells
    let supplyCells: PointCells

    public init(demand: [LonLat], supply: [LonLat], limit: Double) {
        self.demand = demand
        self.supply = supply
        let finite = (demand + supply).filter { $0.lon.isFinite && $0.lat.isFinite }
        let box = finite.isEmpty ? BoundingBox(minLon: 0, minLat: 0, maxLon: 0, maxLat: 0) : BoundingBox(points: finite)
        let maxLat = min(85, max(abs(box.minLat), abs(box.maxLat)) + 0.1)
        let cellLat = max(limit, 1) / 111_195.0
        let cellLon = min(360, cellLat / cos(maxLat * .pi / 180))
        demandCells = PointCells(demand, box: box, cellLon: cellLon, cellLat: cellLat)
        supplyCells = PointCells(supply, box: box, cellLon: cellLon, cellLat: cellLat)
    }

    /// Metres per degree of longitude, at most, anywhere within `limit` of latitude `lat`: flat distances with it
    /// never exceed the great-circle distance, so a pair they put out of reach is out of reach.
    @inline(__always)
    static func lonScale(_ lat: Double, _ limit: Double) -> Double {
        111_195.0 * cos(min(89.9, abs(lat) + limit / 111_195.0 + 0.01) * .pi / 180)
    }

    @inline(__always)
    static func mayReach(_ a: LonLat, _ b: LonLat, _ limit: Double, _ lonScale: Double) -> Bool {
        let dy = (a.lat - b.lat) * 111_195.0
        let dx = (a.lon - b.lon) * lonScale
        return dx * dx + dy * dy <= limit * limit * 1.0001
    }

    public func forEachDemand(near j: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        let p = supply[j], scale = Self.lonScale(p.lat, limit)
        demandCells.forEachNear(p) { i in
            guard Self.mayReach(p, demand[i], limit, scale) else { return }
            let d = haversineMetres(p, demand[i])
            if d <= limit { body(i, d) }
        }
    }

    public func forEachSupply(near i: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        let p = demand[i], scale = Self.lonScale(p.lat, limit)
        supplyCells.forEachNear(p) { j in
            guard Self.mayReach(p, supply[j], limit, scale) else { return }
            let d = haversineMetres(p, supply[j])
            if d <= limit { body(j, d) }
        }
    }
}

/// Points in a dense grid of cells over a box: each cell's points contiguous (`start[c]..<start[c + 1]`).
struct PointCells: Sendable {
    let minLon: Double
    let minLat: Double
    let cellLon: Double
    let cellLat: Double
    let columns: Int
    let rows: Int
    let start: [Int32]
    let order: [Int32]

    init(_ points: [LonLat], box: BoundingBox, cellLon: Double, cellLat: Double) {
        minLon = box.minLon
        minLat = box.minLat
        // At most about 16 million cells: a coarser grid beyond that (still correct, as cells only grow).
        var columns = max(1, Int(((box.maxLon - box.minLon) / cellLon).rounded(.down)) + 1)
        var rows = max(1, Int(((box.maxLat - box.minLat) / cellLat).rounded(.down)) + 1)
        var scale = 1.0
        while Double(columns) * Double(rows) > 16_000_000 {
            scale *= 2
            columns = max(1, Int(((box.maxLon - box.minLon) / (cellLon * scale)).rounded(.down)) + 1)
            rows = max(1, Int(((box.maxLat - box.minLat) / (cellLat * scale)).rounded(.down)) + 1)
        }
        let cellLonUsed = cellLon * scale, cellLatUsed = cellLat * scale
        var cellOf = [Int32](repeating: -1, count: points.count)
        var counts = [Int32](repeating: 0, count: columns * rows + 1)
        for (i, p) in points.enumerated() where p.lon.isFinite && p.lat.isFinite {
            let x = min(columns - 1, max(0, Int(((p.lon - box.minLon) / cellLonUsed).rounded(.down))))
            let y = min(rows - 1, max(0, Int(((p.lat - box.minLat) / cellLatUsed).rounded(.down))))
            let c = y * columns + x
            cellOf[i] = Int32(c)
            counts[c + 1] += 1
        }
        for c in 0..<(columns * rows) { counts[c + 1] += counts[c] }
        var fill = counts
        var order = [Int32](repeating: 0, count: Int(counts[columns * rows]))
        for i in points.indices where cellOf[i] >= 0 {
            let c = Int(cellOf[i])
            order[Int(fill[c])] = Int32(i)
            fill[c] += 1
        }
        self.columns = columns
        self.rows = rows
        self.start = counts
        self.order = order
        self.cellLon = cellLonUsed
        self.cellLat = cellLatUsed
    }

    /// Calls `body` with every point in `p`'s cell and the eight around it, in point order within a cell.
    @inline(__always)
    func forEachNear(_ p: LonLat, _ body: (Int) -> Void) {
        guard p.lon.isFinite, p.lat.isFinite else { return }
        let x = Int(((p.lon - minLon) / cellLon).rounded(.down)), y = Int(((p.lat - minLat) / cellLat).rounded(.down))
        guard y >= -1, y <= rows, x >= -1, x <= columns else { return }
        for row in max(0, y - 1)...min(rows - 1, y + 1) {
            let low = max(0, x - 1), high = min(columns - 1, x + 1)
            guard low <= high else { continue }
            let from = Int(start[row * columns + low]), to = Int(start[row * columns + high + 1])
            for k in from..<to { body(Int(order[k])) }
        }
    }
}

/// Two-step floating catchment (Luo and Wang 2003; with a distance decay, Luo and Qi 2009), as PySAL access's
/// `two_stage_fca`: each supply point's amount is divided by the (weighted) people within reach, R_j = S_j / Σ w(d)·P;
/// each demand point's access is the (weighted) sum of the ratios within reach, A_i = Σ w(d)·R_j — supply per person.
public enum TwoStepFloatingCatchment {
    /// A_i for every demand point (supply per person; 0 where nothing is in reach), and R_j for every supply point
    /// (nil where no people are in reach).
    public static func access<Cost: TravelCost>(people: [Double], supply: [Double], cost: Cost, within limit: Double,
                              decay: DistanceDecay = .none) -> (access: [Double], ratio: [Double?]) {
        let ratio: [Double?] = Concurrently.values(count: supply.count, initial: nil) { j in
            var demand = 0.0
            cost.forEachDemand(near: j, within: limit) { i, d in demand += people[i] * decay.weight(d) }
            return demand > 0 ? supply[j] / demand : nil
        }
        let access = Concurrently.values(count: people.count, initial: 0.0) { i in
            var sum = 0.0
            cost.forEachSupply(near: i, within: limit) { j, d in if let r = ratio[j] { sum += r * decay.weight(d) } }
            return sum
        }
        return (access, ratio)
    }
}

extension CoverageEngine {
    /// One demand unit of an `access` target: its people and the capacity within reach per `per` people.
    public struct UnitAccess: Equatable, Sendable {
        public var unit: AdministrativeUnit
        public var people: Double
        /// Capacity per `per` people within reach (2SFCA).
        public var access: Double
    }

    /// The demand units of an `access` target: the target's `units` level, else communities and villages; with a point
    /// and people, inside the plan's area.
    func accessDemand(_ target: Target, inPlanArea: [Bool]) -> [Int] {
        units.indices.filter { u in
            guard inPlanArea[u], units[u].location != nil, let people = units[u].population, people > 0 else { return false }
            if let level = target.units { return level == self.level[u] }
            return self.level[u] == .community || self.level[u] == .village
        }
    }

    /// 2SFCA for an `access` target: per demand unit, its people and its access (capacity per person).
    func accessValues(_ target: Target, counting: [Int], inPlanArea: [Bool], facilityInPlan: (Int) -> Bool, network: RoadNetwork? = nil)
        -> (demand: [Int], people: [Double], access: [Double]) {
        let demand = accessDemand(target, inPlanArea: inPlanArea)
        let values = column(target.field ?? .beds)
        let supplying = counting.filter { facilityInPlan($0) && values[$0] > 0 && facilities.location[$0].lon.isFinite }
        let people = demand.map { Double(units[$0].population ?? 0) }
        let amounts = supplying.map { Double(values[$0]) }
        if target.isNetwork {
            // Along the roads: a unit off them, or a facility off them, reaches nothing (access 0, never counted as near).
            let (weight, limit) = target.networkLimit
            guard let network else { return (demand, people, [Double](repeating: 0, count: demand.count)) }
            let cost = NetworkCost(network: network, demand: demand.map { units[$0].location! },
                                   supply: supplying.map { facilities.location[$0] }, weight: weight, limit: limit)
            let (access, _) = TwoStepFloatingCatchment.access(people: people, supply: amounts, cost: cost, within: limit, decay: target.decay)
            return (demand, people, access)
        }
        let cost = GreatCircleCost(demand: demand.map { units[$0].location! }, supply: supplying.map { facilities.location[$0] },
                                   limit: target.withinMetres)
        let (access, _) = TwoStepFloatingCatchment.access(people: people, supply: amounts, cost: cost,
                                                          within: target.withinMetres, decay: target.decay)
        return (demand, people, access)
    }

    /// Each demand unit of an `access` target with its capacity per `per` people within reach, in code order.
    public func unitAccess(of target: Target, plan: TargetPlan, query: CoverageQuery = CoverageQuery()) -> [UnitAccess] {
        let (asOf, _) = resolve(plan: plan, query: query)
        let (areaUnit, inPlanArea) = planArea(plan)
        let counting = counting(target.kinds, openOn: asOf.ordinal)
        let network = target.isNetwork ? try? self.network(for: target, plan: plan).get() : nil
        let (demand, people, access) = accessValues(target, counting: counting, inPlanArea: inPlanArea, facilityInPlan: { f in
            areaUnit == nil || (self.anchor[f] >= 0 && inPlanArea[Int(self.anchor[f])])
        }, network: network)
        let per = target.per ?? 1
        var position: [Int: Int] = [:]
        for (k, u) in demand.enumerated() { position[u] = k }
        return inCodeOrder(demand).map { u in
            let k = position[u]!
            return UnitAccess(unit: units[u], people: people[k], access: access[k] * per)
        }
    }
}

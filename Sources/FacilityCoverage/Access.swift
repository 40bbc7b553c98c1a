import FacilityGeometry
import FacilityModel
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
/// in its cell and the eight around it).
public struct GreatCircleCost: TravelCost {
    let demand: [LonLat]
    let supply: [LonLat]
    let demandCells: PointCells
    let supplyCells: PointCells

    public init(demand: [LonLat], supply: [LonLat], limit: Double) {
        self.demand = demand
        self.supply = supply
        let maxLat = min(85, (demand + supply).reduce(0.0) { $1.lat.isFinite ? max($0, abs($1.lat)) : $0 } + 0.1)
        let cellLat = max(limit, 1) / 111_195.0
        let cellLon = cellLat / cos(maxLat * .pi / 180)
        demandCells = PointCells(demand, cellLon: cellLon, cellLat: cellLat)
        supplyCells = PointCells(supply, cellLon: cellLon, cellLat: cellLat)
    }

    public func forEachDemand(near j: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        demandCells.forEachNear(supply[j]) { i in
            let d = haversineMetres(supply[j], demand[i])
            if d <= limit { body(i, d) }
        }
    }

    public func forEachSupply(near i: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        supplyCells.forEachNear(demand[i]) { j in
            let d = haversineMetres(demand[i], supply[j])
            if d <= limit { body(j, d) }
        }
    }
}

/// Points sorted by grid cell, with each occupied cell's range.
struct PointCells: Sendable {
    let cellLon: Double
    let cellLat: Double
    let order: [Int32]
    let ranges: [Int64: Range<Int>]

    init(_ points: [LonLat], cellLon: Double, cellLat: Double) {
        self.cellLon = cellLon
        self.cellLat = cellLat
        var keyed: [(Int64, Int32)] = []
        keyed.reserveCapacity(points.count)
        for (i, p) in points.enumerated() where p.lon.isFinite && p.lat.isFinite {
            keyed.append((Self.key(Int((p.lon / cellLon).rounded(.down)), Int((p.lat / cellLat).rounded(.down))), Int32(i)))
        }
        keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        order = keyed.map(\.1)
        var ranges: [Int64: Range<Int>] = [:]
        var start = 0
        while start < keyed.count {
            var end = start + 1
            while end < keyed.count && keyed[end].0 == keyed[start].0 { end += 1 }
            ranges[keyed[start].0] = start..<end
            start = end
        }
        self.ranges = ranges
    }

    static func key(_ x: Int, _ y: Int) -> Int64 { (Int64(x) << 32) | Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: y))) }

    /// Calls `body` with every point in `p`'s cell and the eight around it, in point order within a cell.
    func forEachNear(_ p: LonLat, _ body: (Int) -> Void) {
        guard p.lon.isFinite, p.lat.isFinite else { return }
        let x = Int((p.lon / cellLon).rounded(.down)), y = Int((p.lat / cellLat).rounded(.down))
        for dy in -1...1 {
            for dx in -1...1 {
                guard let range = ranges[Self.key(x + dx, y + dy)] else { continue }
                for k in range { body(Int(order[k])) }
            }
        }
    }
}

/// Two-step floating catchment (Luo and Wang 2003; with a distance decay, Luo and Qi 2009), as PySAL access's
/// `two_stage_fca`: each supply point's amount is divided by the (weighted) people within reach, R_j = S_j / Σ w(d)·P;
/// each demand point's access is the (weighted) sum of the ratios within reach, A_i = Σ w(d)·R_j — supply per person.
public enum TwoStepFloatingCatchment {
    /// A_i for every demand point (supply per person; 0 where nothing is in reach), and R_j for every supply point
    /// (nil where no people are in reach).
    public static func access(people: [Double], supply: [Double], cost: TravelCost, within limit: Double,
                              decay: DistanceDecay = .none) -> (access: [Double], ratio: [Double?]) {
        var ratio = [Double?](repeating: nil, count: supply.count)
        ratio.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendableBuffer(out)
            DispatchQueue.concurrentPerform(iterations: Swift.max(1, Swift.min(64, supply.count))) { chunk in
                var j = chunk
                while j < supply.count {
                    var demand = 0.0
                    cost.forEachDemand(near: j, within: limit) { i, d in demand += people[i] * decay.weight(d) }
                    out[j] = demand > 0 ? supply[j] / demand : nil
                    j += Swift.max(1, Swift.min(64, supply.count))
                }
            }
        }
        var access = [Double](repeating: 0, count: people.count)
        access.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendableBuffer(out)
            let chunks = Swift.max(1, Swift.min(64, people.count))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var i = chunk
                while i < people.count {
                    var sum = 0.0
                    cost.forEachSupply(near: i, within: limit) { j, d in if let r = ratio[j] { sum += r * decay.weight(d) } }
                    out[i] = sum
                    i += chunks
                }
            }
        }
        return (access, ratio)
    }
}

/// A buffer that concurrent iterations write at distinct indices.
struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
    init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
    subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
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
    func accessValues(_ target: Target, counting: [Int], inPlanArea: [Bool], facilityInPlan: (Int) -> Bool)
        -> (demand: [Int], people: [Double], access: [Double]) {
        let demand = accessDemand(target, inPlanArea: inPlanArea)
        let values = column(target.field ?? .beds)
        let supplying = counting.filter { facilityInPlan($0) && values[$0] > 0 && facilities.location[$0].lon.isFinite }
        let people = demand.map { Double(units[$0].population ?? 0) }
        let cost = GreatCircleCost(demand: demand.map { units[$0].location! }, supply: supplying.map { facilities.location[$0] },
                                   limit: target.withinMetres)
        let (access, _) = TwoStepFloatingCatchment.access(people: people, supply: supplying.map { Double(values[$0]) }, cost: cost,
                                                          within: target.withinMetres, decay: target.decay)
        return (demand, people, access)
    }

    /// Each demand unit of an `access` target with its capacity per `per` people within reach, in code order.
    public func unitAccess(of target: Target, plan: TargetPlan, query: CoverageQuery = CoverageQuery()) -> [UnitAccess] {
        let (asOf, _) = resolve(plan: plan, query: query)
        let (areaUnit, inPlanArea) = planArea(plan)
        let counting = counting(target.kinds, openOn: asOf.ordinal)
        let (demand, people, access) = accessValues(target, counting: counting, inPlanArea: inPlanArea, facilityInPlan: { f in
            areaUnit == nil || (self.anchor[f] >= 0 && inPlanArea[Int(self.anchor[f])])
        })
        let per = target.per ?? 1
        var position: [Int: Int] = [:]
        for (k, u) in demand.enumerated() { position[u] = k }
        return inCodeOrder(demand).map { u in
            let k = position[u]!
            return UnitAccess(unit: units[u], people: people[k], access: access[k] * per)
        }
    }
}

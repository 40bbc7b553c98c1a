import FacilityGeometry
import FacilityModel
import FacilityNetwork
import Foundation

/// The stored roads and the networks built from them: one per mode and network options, built when first asked for
/// and kept (the roads do not change under it: a new state of the roads is a new `RoadNetworks`). Safe to share.
public final class RoadNetworks: @unchecked Sendable {
    /// The roads, as read from the registry.
    public let roads: [Road]
    /// The import of the roads layer they are the state of (0: none), for callers that keep networks across reads.
    public let state: Int
    private let lock = NSLock()
    private var built: [Key: Result<RoadNetwork, NetworkError>] = [:]

    private struct Key: Hashable {
        var mode: TravelMode
        var options: NetworkOptions
    }

    public init(roads: [Road], state: Int = 0) {
        self.roads = roads
        self.state = state
    }

    /// The network of `mode` under `options`; `NetworkError.noRoads` when there are none, `.noUsableRoads` when the mode
    /// may use none of them.
    public func network(_ mode: TravelMode, options: NetworkOptions) throws -> RoadNetwork {
        let key = Key(mode: mode, options: options)
        lock.lock()
        defer { lock.unlock() }
        if let result = built[key] { return try result.get() }
        let result: Result<RoadNetwork, NetworkError>
        if roads.isEmpty {
            result = .failure(.noRoads)
        } else {
            do { result = .success(try RoadNetwork(roads: roads, mode: mode, options: options)) } catch let error as NetworkError {
                result = .failure(error)
            } catch { result = .failure(.noUsableRoads(mode)) }
        }
        built[key] = result
        return try result.get()
    }
}

/// Where a target's units and facilities join a network, in the order given; nil for a place off it.
struct NetworkPlaces {
    var units: [NetworkPlace?]
    var facilities: [NetworkPlace?]
}

/// A unit's way to the nearest counting facility along the roads (`distance: network` targets).
public struct NetworkReach: Equatable, Sendable {
    /// Metres along the roads (with the ways to and from them) to the nearest facility by metres; nil when none is
    /// reached.
    public var metres: Double?
    /// Minutes at the mode's speeds (the ways to and from the roads walked) to the quickest facility; nil when none.
    public var minutes: Double?
    /// The unit's place is farther than `max_snap_m` from every road the mode may use: never covered through them.
    public var offNetwork: Bool

    public init(metres: Double?, minutes: Double?, offNetwork: Bool) {
        self.metres = metres
        self.minutes = minutes
        self.offNetwork = offNetwork
    }
}

extension CoverageEngine {
    /// Where a unit joins the roads from: its point, else its polygon's representative point (no population grid is
    /// stored to weight it with).
    func networkOrigin(_ u: Int) -> LonLat? {
        units[u].location ?? units[u].boundary?.representativePoint()
    }

    /// Where `counted` units and `counting` facilities join `network` (nil: off it), snapped once for every search
    /// over them.
    func networkPlaces(on network: RoadNetwork, counting: [Int], counted: [Int]) -> NetworkPlaces {
        NetworkPlaces(units: network.snap(counted.map { networkOrigin($0) ?? LonLat(.nan, .nan) }),
                      facilities: network.snap(counting.map { facilities.location[$0] }))
    }

    /// The network a target is measured on, or why there is none.
    func network(for target: Target, plan: TargetPlan) -> Result<RoadNetwork, NetworkError> {
        guard let mode = target.distance.mode else { return .failure(.noRoads) }
        guard let roads else { return .failure(.noRoads) }
        do { return .success(try roads.network(mode, options: plan.network)) } catch let error as NetworkError {
            return .failure(error)
        } catch { return .failure(.noRoads) }
    }

    /// For each unit of `places`, its way to the nearest of its facilities along `network`, and whether it is within the
    /// target's reach (`within_m` along the roads or `within_min`).
    func networkReach(_ target: Target, network: RoadNetwork, places: NetworkPlaces) -> (reach: [NetworkReach], covered: [Bool]) {
        let (origins, destinations) = (places.units, places.facilities)
        let metres = network.nearest(from: origins, to: destinations, weight: .metres)
        let seconds = network.nearest(from: origins, to: destinations, weight: .seconds)
        let (weight, limit) = target.networkLimit
        var reach: [NetworkReach] = []
        var covered: [Bool] = []
        reach.reserveCapacity(origins.count)
        for k in origins.indices {
            reach.append(NetworkReach(metres: metres[k]?.cost, minutes: seconds[k].map { $0.cost / 60 }, offNetwork: origins[k] == nil))
            let cost = weight == .metres ? metres[k]?.cost : seconds[k]?.cost
            covered.append(cost.map { $0 <= limit } ?? false)
        }
        return (reach, covered)
    }

    /// Whether each unit of `places` has one of its facilities within the target's reach along `network`: one search in the
    /// target's own unit, stopped at its reach (the report needs no more).
    func networkCovered(_ target: Target, network: RoadNetwork, places: NetworkPlaces) -> [Bool] {
        let (origins, destinations) = (places.units, places.facilities)
        let (weight, limit) = target.networkLimit
        return network.nearest(from: origins, to: destinations, weight: weight, limit: limit).map { $0 != nil }
    }

    /// How many of the facilities of `places` are within the target's reach of each of its units along `network` (a search from each).
    func networkCounts(_ target: Target, network: RoadNetwork, places: NetworkPlaces) -> [Int] {
        let (origins, destinations) = (places.units, places.facilities)
        let byEdge = PlacesByEdge(destinations, edgeCount: network.edgeCount)
        let (weight, limit) = target.networkLimit
        return Concurrently.values(count: origins.count, initial: 0) { k in
            guard let origin = origins[k] else { return 0 }
            var n = 0
            network.forEachPlace(destinations, byEdge: byEdge, around: origin, toPlace: false, weight: weight, limit: limit) { _, _ in n += 1 }
            return n
        }
    }
}

/// Costs between demand and supply places along the roads, for 2SFCA: every pair within the limit found once (a
/// search from each supply place over the arcs backwards), kept both ways round. The cost is from the demand (people)
/// to the supply (the facility), in the target's unit (metres, or seconds for `within_min`).
public struct NetworkCost: TravelCost {
    private let demandNear: [[(Int, Double)]]
    private let supplyNear: [[(Int, Double)]]

    public init(network: RoadNetwork, demand: [LonLat], supply: [LonLat], weight: NetworkWeight, limit: Double) {
        let demandPlaces = network.snap(demand)
        let supplyPlaces = network.snap(supply)
        let byEdge = PlacesByEdge(demandPlaces, edgeCount: network.edgeCount)
        let perSupply: [[(Int, Double)]] = Concurrently.values(count: supply.count, initial: []) { j in
            guard let place = supplyPlaces[j] else { return [] }
            var found: [(Int, Double)] = []
            network.forEachPlace(demandPlaces, byEdge: byEdge, around: place, toPlace: true, weight: weight, limit: limit) { found.append(($0, $1)) }
            return found.sorted { $0.0 < $1.0 }
        }
        var perDemand = [[(Int, Double)]](repeating: [], count: demand.count)
        for (j, pairs) in perSupply.enumerated() { for (i, c) in pairs { perDemand[i].append((j, c)) } }
        demandNear = perSupply
        supplyNear = perDemand
    }

    public func forEachDemand(near j: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        for (i, c) in demandNear[j] where c <= limit { body(i, c) }
    }

    public func forEachSupply(near i: Int, within limit: Double, _ body: (Int, Double) -> Void) {
        for (j, c) in supplyNear[i] where c <= limit { body(j, c) }
    }
}

/// The roads from which a facility (or any facility of a kind) is reached within a target's reach.
public struct ServiceArea: Equatable, Sendable {
    /// The facility's position in the engine's columns; nil for an area merged over a kind.
    public var facility: Int?
    public var kind: FacilityKind
    /// How many facilities the area is of (1, or the kind's on the network).
    public var facilities: Int
    /// The stretches of road within reach, as lines; empty for a facility off the network.
    public var roads: [[LonLat]]
    /// The facility is farther than `max_snap_m` from every road the mode may use (a merged area: none is on them).
    public var offNetwork: Bool
    /// The length of `roads`, metres.
    public var roadMetres: Double
}

extension CoverageEngine {
    /// The service areas of a network target's counting facilities on the query's day: one per facility, or one per
    /// kind (`merged`). Throws `NetworkError` when the roads cannot be used, and for a target not measured along them.
    public func serviceAreas(of target: Target, plan: TargetPlan, query: CoverageQuery = CoverageQuery(),
                             merged: Bool = false) throws -> [ServiceArea] {
        guard target.isNetwork else { throw NetworkError.notAlongRoads(target.id) }
        let network = try self.network(for: target, plan: plan).get()
        let (asOf, _) = resolve(plan: plan, query: query)
        let counting = counting(target.kinds, openOn: asOf.ordinal)
        let places = network.snap(counting.map { facilities.location[$0] })
        let (weight, limit) = target.networkLimit
        func length(_ lines: [[LonLat]]) -> Double {
            lines.reduce(0) { sum, line in sum + zip(line, line.dropFirst()).reduce(0) { $0 + haversineMetres($1.0, $1.1) } }
        }
        func kind(_ f: Int) -> FacilityKind { FacilityKind(ordinal: facilities.kind[f]) }
        if merged {
            return target.kinds.map { wanted in
                let mine = counting.indices.filter { kind(counting[$0]) == wanted }
                let on = mine.compactMap { places[$0] }
                let roads = on.isEmpty ? [] : network.reachableRoads(to: on, weight: weight, limit: limit)
                return ServiceArea(facility: nil, kind: wanted, facilities: on.count, roads: roads, offNetwork: on.isEmpty && !mine.isEmpty,
                                   roadMetres: length(roads))
            }
        }
        return Concurrently.values(count: counting.count, initial: nil as ServiceArea?) { k in
            let f = counting[k]
            guard let place = places[k] else {
                return ServiceArea(facility: f, kind: kind(f), facilities: 1, roads: [], offNetwork: true, roadMetres: 0)
            }
            let roads = network.reachableRoads(to: [place], weight: weight, limit: limit)
            return ServiceArea(facility: f, kind: kind(f), facilities: 1, roads: roads, offNetwork: false, roadMetres: length(roads))
        }.map { $0! }
    }
}

extension CoverageEngine {
    /// For a network target: the units it counts whose place is farther than `max_snap_m` from every road the mode may
    /// use (in code order), and how many of its counting facilities are; nil for other targets or without a network.
    public func offNetwork(of target: Target, plan: TargetPlan, query: CoverageQuery = CoverageQuery())
        -> (units: [UnitReference], facilities: Int)? {
        guard target.isNetwork, case let .success(network) = network(for: target, plan: plan) else { return nil }
        let (asOf, _) = resolve(plan: plan, query: query)
        let inPlanArea = planArea(plan).contains
        let counted: [Int]
        if target.metric == .access {
            counted = inCodeOrder(accessDemand(target, inPlanArea: inPlanArea))
        } else {
            counted = inCodeOrder(units.indices.filter { self.level[$0] == target.units && inPlanArea[$0] })
        }
        let places = networkPlaces(on: network, counting: counting(target.kinds, openOn: asOf.ordinal), counted: counted)
        return (counted.indices.filter { places.units[$0] == nil }.map { reference(counted[$0]) }, places.facilities.filter { $0 == nil }.count)
    }
}

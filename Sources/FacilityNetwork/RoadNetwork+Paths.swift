import FacilityGeometry
import FacilityModel
import Foundation

/// The cheapest way from a place to one of several: its cost and which one.
public struct Reach: Equatable, Sendable {
    /// In the weight's unit (metres or seconds), the way to and from the roads included.
    public var cost: Double
    /// The position of the place reached among those given.
    public var destination: Int
}

extension RoadNetwork {
    /// The cost of the way between a place and its point on the road, in `weight`'s unit (walked, in seconds).
    @inline(__always)
    public func snapCost(_ place: NetworkPlace, _ weight: NetworkWeight) -> Double {
        weight == .metres ? place.snapMetres : place.snapMetres / (options.snapKmh / 3.6)
    }

    /// For each origin, the cheapest way from it to any of `destinations` as the mode may go (exact, Dijkstra from all
    /// destinations at once over the arcs backwards): nil for an origin off the network, and for one that reaches none
    /// within `limit` (another piece of the network, or too far).
    public func nearest(from origins: [NetworkPlace?], to destinations: [NetworkPlace?], weight: NetworkWeight,
                        limit: Double = .infinity) -> [Reach?] {
        var cost = [Double](repeating: .infinity, count: nodeCount)
        var label = [Int32](repeating: -1, count: nodeCount)
        var frontier = Frontier()
        var onEdge: [Int: [Int]] = [:]
        for (d, place) in destinations.enumerated() {
            guard let place else { continue }
            onEdge[place.edge, default: []].append(d)
            let e = place.edge, base = snapCost(place, weight)
            // A node reaches the place going along its edge forwards from the first node, or backwards from the last.
            if edgeForward[e] { Self.relax(Int(edgeFrom[e]), base + self.cost(place.metres, on: e, weight), d, &cost, &label, &frontier) }
            if edgeBackward[e] { Self.relax(Int(edgeTo[e]), base + self.cost(edgeMetres[e] - place.metres, on: e, weight), d, &cost, &label, &frontier) }
        }
        while let (c, v) = frontier.pop() {
            guard c <= cost[v] else { continue }
            if c > limit { break }
            for k in Int(inStart[v])..<Int(inStart[v + 1]) {
                let e = Int(inEdge[k])
                Self.relax(Int(inNode[k]), c + self.cost(edgeMetres[e], on: e, weight), Int(label[v]), &cost, &label, &frontier)
            }
        }
        return Concurrently.values(count: origins.count, initial: nil) { o -> Reach? in
            guard let place = origins[o] else { return nil }
            let e = place.edge, base = snapCost(place, weight)
            var best = Reach(cost: .infinity, destination: -1)
            func consider(_ c: Double, _ d: Int) {
                if c < best.cost || (c == best.cost && d < best.destination) { best = Reach(cost: c, destination: d) }
            }
            let from = Int(edgeFrom[e]), to = Int(edgeTo[e])
            if edgeForward[e] && label[to] >= 0 { consider(base + self.cost(edgeMetres[e] - place.metres, on: e, weight) + cost[to], Int(label[to])) }
            if edgeBackward[e] && label[from] >= 0 { consider(base + self.cost(place.metres, on: e, weight) + cost[from], Int(label[from])) }
            for d in onEdge[e] ?? [] {
                let there = destinations[d]!
                if edgeForward[e] && there.metres >= place.metres {
                    consider(base + self.cost(there.metres - place.metres, on: e, weight) + snapCost(there, weight), d)
                }
                if edgeBackward[e] && there.metres <= place.metres {
                    consider(base + self.cost(place.metres - there.metres, on: e, weight) + snapCost(there, weight), d)
                }
            }
            return best.cost.isFinite && best.cost <= limit ? best : nil
        }
    }

    @inline(__always)
    private static func relax(_ node: Int, _ c: Double, _ d: Int, _ cost: inout [Double], _ label: inout [Int32],
                              _ frontier: inout Frontier) {
        if c < cost[node] || (c == cost[node] && Int32(d) < label[node]) {
            cost[node] = c
            label[node] = Int32(d)
            frontier.push(c, node)
        }
    }

    /// The cost from every node within `limit` to `place` (`toPlace`), or from `place` to it, as the mode may go.
    public func costs(around place: NetworkPlace, toPlace: Bool, weight: NetworkWeight, limit: Double) -> [Int: Double] {
        costs(around: [place], toPlace: toPlace, weight: weight, limit: limit)
    }

    /// The cost from every node within `limit` to the nearest of `places` (`toPlace`), or from the nearest to it.
    public func costs(around places: [NetworkPlace], toPlace: Bool, weight: NetworkWeight, limit: Double) -> [Int: Double] {
        withCosts(around: places, toPlace: toPlace, weight: weight, limit: limit) { costs in
            Dictionary(uniqueKeysWithValues: costs.reached.map { (Int($0), costs[Int($0)]!) })
        }
    }

    /// Runs `body` with the cost from every node within `limit` to the nearest of `places` (`toPlace`), or from the
    /// nearest to it: a bounded Dijkstra in a search space of the network's size taken from a pool (no allocation
    /// per search); the costs are valid inside `body` only.
    public func withCosts<T>(around places: [NetworkPlace], toPlace: Bool, weight: NetworkWeight, limit: Double,
                             _ body: (NodeCosts) throws -> T) rethrows -> T {
        let space = spaces.take(nodeCount: nodeCount)
        defer { spaces.give(space) }
        space.begin()
        func relax(_ node: Int, _ c: Double) {
            if c <= limit && c < space.cost(node) { space.set(node, c) }
        }
        for place in places {
            let e = place.edge, base = snapCost(place, weight)
            let along = self.cost(place.metres, on: e, weight), back = self.cost(edgeMetres[e] - place.metres, on: e, weight)
            if toPlace {
                if edgeForward[e] { relax(Int(edgeFrom[e]), base + along) }
                if edgeBackward[e] { relax(Int(edgeTo[e]), base + back) }
            } else {
                if edgeForward[e] { relax(Int(edgeTo[e]), base + back) }
                if edgeBackward[e] { relax(Int(edgeFrom[e]), base + along) }
            }
        }
        let (start, node, edge) = toPlace ? (inStart, inNode, inEdge) : (outStart, outNode, outEdge)
        while let (c, v) = space.frontier.pop() {
            guard c <= space.cost(v) else { continue }
            for k in Int(start[v])..<Int(start[v + 1]) {
                let a = Int(edge[k])
                relax(Int(node[k]), c + self.cost(edgeMetres[a], on: a, weight))
            }
        }
        return try body(NodeCosts(space: space))
    }

    /// The stretches of road from which one of `places` is reached within `limit` (people going to them), as lines:
    /// each edge's reachable part from either end, and around each place along its own edge. The way from the road
    /// to a house is not counted (it is the drawing of the roads, not of the houses).
    public func reachableRoads(to places: [NetworkPlace], weight: NetworkWeight, limit: Double) -> [[LonLat]] {
        // Reachable intervals (metres from the edge's first node) per edge.
        var intervals: [Int: [(Double, Double)]] = [:]
        func metres(_ budget: Double, on e: Int) -> Double { weight == .metres ? budget : budget * edgeSpeed[e] }
        let nodeCosts = costs(around: places, toPlace: true, weight: weight, limit: limit)
        for (node, c) in nodeCosts {
            let left = limit - c
            // Edges leaving toward this node's way to a place: a point on an edge reaches `node` along it.
            for k in Int(inStart[node])..<Int(inStart[node + 1]) {
                let e = Int(inEdge[k])
                let reach = Swift.min(edgeMetres[e], metres(left, on: e))
                if Int(edgeTo[e]) == node && edgeForward[e] { intervals[e, default: []].append((edgeMetres[e] - reach, edgeMetres[e])) }
                if Int(edgeFrom[e]) == node && edgeBackward[e] { intervals[e, default: []].append((0, reach)) }
            }
        }
        for place in places {
            let e = place.edge
            let left = limit - snapCost(place, weight)
            guard left > 0 else { continue }
            let reach = metres(left, on: e)
            if edgeForward[e] { intervals[e, default: []].append((Swift.max(0, place.metres - reach), place.metres)) }
            if edgeBackward[e] { intervals[e, default: []].append((place.metres, Swift.min(edgeMetres[e], place.metres + reach))) }
        }
        var lines: [[LonLat]] = []
        for e in intervals.keys.sorted() {
            let merged = intervals[e]!.sorted { $0.0 < $1.0 }.reduce(into: [(Double, Double)]()) { runs, next in
                if let last = runs.last, next.0 <= last.1 { runs[runs.count - 1].1 = Swift.max(last.1, next.1) } else { runs.append(next) }
            }
            for (a, b) in merged where b > a { lines.append(shape(of: e, fromMetres: a, toMetres: b)) }
        }
        return lines
    }

    /// The cost between `place` and `other` given the node costs `costs(around: place, toPlace:…)` found: from `other`
    /// to `place` when `toPlace`, else from `place` to `other`; `.infinity` when not within them.
    public func cost(between place: NetworkPlace, and other: NetworkPlace, toPlace: Bool, weight: NetworkWeight,
                     nodeCosts: NodeCosts) -> Double {
        cost(between: place, and: other, toPlace: toPlace, weight: weight) { nodeCosts[$0] }
    }

    /// `cost(between:and:toPlace:weight:nodeCosts:)` over the costs `costs(around:…)` gives.
    public func cost(between place: NetworkPlace, and other: NetworkPlace, toPlace: Bool, weight: NetworkWeight,
                     nodeCosts: [Int: Double]) -> Double {
        cost(between: place, and: other, toPlace: toPlace, weight: weight) { nodeCosts[$0] }
    }

    private func cost(between place: NetworkPlace, and other: NetworkPlace, toPlace: Bool, weight: NetworkWeight,
                      _ nodeCost: (Int) -> Double?) -> Double {
        let e = other.edge, base = snapCost(other, weight)
        var best = Double.infinity
        let from = Int(edgeFrom[e]), to = Int(edgeTo[e])
        // `other` leaves (toPlace) or is entered along its edge forwards or backwards.
        if toPlace {
            if edgeForward[e], let c = nodeCost(to) { best = Swift.min(best, base + self.cost(edgeMetres[e] - other.metres, on: e, weight) + c) }
            if edgeBackward[e], let c = nodeCost(from) { best = Swift.min(best, base + self.cost(other.metres, on: e, weight) + c) }
        } else {
            if edgeForward[e], let c = nodeCost(from) { best = Swift.min(best, base + self.cost(other.metres, on: e, weight) + c) }
            if edgeBackward[e], let c = nodeCost(to) { best = Swift.min(best, base + self.cost(edgeMetres[e] - other.metres, on: e, weight) + c) }
        }
        if e == place.edge {
            // Along the shared edge, without a node between: from the origin's point to the destination's.
            let (origin, destination) = toPlace ? (other, place) : (place, other)
            let direct = snapCost(place, weight) + base
            if edgeForward[e] && destination.metres >= origin.metres {
                best = Swift.min(best, direct + self.cost(destination.metres - origin.metres, on: e, weight))
            }
            if edgeBackward[e] && destination.metres <= origin.metres {
                best = Swift.min(best, direct + self.cost(origin.metres - destination.metres, on: e, weight))
            }
        }
        return best
    }
}

/// Places by the edge they join, for finding those a search reached (CSR over edges).
public struct PlacesByEdge: Sendable {
    private let start: [Int32]
    private let items: [Int32]

    public init(_ places: [NetworkPlace?], edgeCount: Int) {
        var start = [Int32](repeating: 0, count: edgeCount + 1)
        for place in places { if let place { start[place.edge + 1] += 1 } }
        for e in 0..<edgeCount { start[e + 1] += start[e] }
        var next = start
        var items = [Int32](repeating: 0, count: Int(start[edgeCount]))
        for (i, place) in places.enumerated() {
            guard let place else { continue }
            items[Int(next[place.edge])] = Int32(i)
            next[place.edge] += 1
        }
        self.start = start
        self.items = items
    }

    /// The places on edge `e`.
    public func on(_ e: Int) -> some Collection<Int> { items[Int(start[e])..<Int(start[e + 1])].lazy.map(Int.init) }
}

extension RoadNetwork {
    /// Calls `body(i, cost)` for each of `places` (indexed by `byEdge`) within `limit` of `place`: the cost from it to
    /// `place` when `toPlace`, else from `place` to it.
    public func forEachPlace(_ places: [NetworkPlace?], byEdge: PlacesByEdge, around place: NetworkPlace, toPlace: Bool,
                             weight: NetworkWeight, limit: Double, _ body: (Int, Double) -> Void) {
        withCosts(around: [place], toPlace: toPlace, weight: weight, limit: limit) { nodeCosts in
            var seen = Set<Int>()
            func visit(edge e: Int) {
                guard !byEdge.on(e).isEmpty, seen.insert(e).inserted else { return }
                for i in byEdge.on(e) {
                    let c = cost(between: place, and: places[i]!, toPlace: toPlace, weight: weight, nodeCosts: nodeCosts)
                    if c <= limit { body(i, c) }
                }
            }
            visit(edge: place.edge)
            for node in nodeCosts.reached.map(Int.init) {
                for k in Int(outStart[node])..<Int(outStart[node + 1]) { visit(edge: Int(outEdge[k])) }
                for k in Int(inStart[node])..<Int(inStart[node + 1]) { visit(edge: Int(inEdge[k])) }
            }
        }
    }
}

/// The costs a bounded search found, valid inside the body it was given to.
public struct NodeCosts {
    fileprivate let space: SearchSpace

    /// The cost of `node`, if the search reached it within its limit.
    public subscript(node: Int) -> Double? {
        let c = space.cost(node)
        return c.isFinite ? c : nil
    }

    /// The nodes reached, in the order first reached.
    public var reached: [Int32] { space.reached }
}

/// One search's working arrays, the network's size: costs stamped with the search's generation (so a new search
/// needs no clearing), the nodes reached, the frontier.
final class SearchSpace {
    private var costs: [Double]
    private var stamps: [UInt32]
    private var generation: UInt32 = 0
    fileprivate(set) var reached: [Int32] = []
    var frontier = Frontier()

    init(nodeCount: Int) {
        costs = [Double](repeating: .infinity, count: nodeCount)
        stamps = [UInt32](repeating: 0, count: nodeCount)
    }

    func begin() {
        generation &+= 1
        if generation == 0 {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 1
        }
        reached.removeAll(keepingCapacity: true)
        frontier = Frontier()
    }

    @inline(__always)
    func cost(_ node: Int) -> Double { stamps[node] == generation ? costs[node] : .infinity }

    @inline(__always)
    func set(_ node: Int, _ c: Double) {
        if stamps[node] != generation {
            stamps[node] = generation
            reached.append(Int32(node))
        }
        costs[node] = c
        frontier.push(c, node)
    }
}

/// Search spaces kept for reuse, one per concurrent search at most.
final class SearchSpacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [SearchSpace] = []

    func take(nodeCount: Int) -> SearchSpace {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? SearchSpace(nodeCount: nodeCount)
    }

    func give(_ space: SearchSpace) {
        lock.lock()
        free.append(space)
        lock.unlock()
    }
}

/// A binary min-heap of (cost, node): Dijkstra's frontier (stale entries are skipped when popped).
struct Frontier {
    private var costs: [Double] = []
    private var nodes: [Int32] = []

    var isEmpty: Bool { costs.isEmpty }

    mutating func push(_ cost: Double, _ node: Int) {
        costs.append(cost)
        nodes.append(Int32(node))
        var i = costs.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard costs[i] < costs[parent] else { break }
            costs.swapAt(i, parent)
            nodes.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let top = costs.first else { return nil }
        let node = Int(nodes[0])
        let lastCost = costs.removeLast(), lastNode = nodes.removeLast()
        if !costs.isEmpty {
            costs[0] = lastCost
            nodes[0] = lastNode
            var i = 0
            let n = costs.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && costs[l] < costs[m] { m = l }
                if r < n && costs[r] < costs[m] { m = r }
                if m == i { break }
                costs.swapAt(i, m)
                nodes.swapAt(i, m)
                i = m
            }
        }
        return (top, node)
    }
}

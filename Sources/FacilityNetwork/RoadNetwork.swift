import FacilityGeometry
import FacilityModel

/// The roads one mode may use, as a compact graph: nodes where roads share a vertex (or end), edges the runs of road
/// between two nodes with their shape, length and the directions the mode may take them in. Built once per state of
/// the roads and mode; read by any number of threads.
///
/// Vertices are the same node when their coordinates agree to 1e-7° (OpenStreetMap's own precision, ≈ 1 cm), so
/// roads joined in OSM or drawn end to end in a GeoJSON file are joined here; roads that cross without a shared
/// vertex (a bridge over a road) are not.
public final class RoadNetwork: @unchecked Sendable {
    public let mode: TravelMode
    /// Number of nodes.
    public let nodeCount: Int
    /// Each edge's first and last node.
    let edgeFrom: [Int32], edgeTo: [Int32]
    /// Each edge's length along its shape, metres.
    public let edgeMetres: [Double]
    /// Each edge's speed for the mode, metres per second.
    let edgeSpeed: [Double]
    /// Whether the mode may go along an edge from its first node to its last, and back.
    let edgeForward: [Bool], edgeBackward: [Bool]
    /// Each edge's shape: `shape[shapeStart[e]..<shapeStart[e + 1]]`, with the metres from the edge's start at each
    /// point in `shapeMetres`.
    let shapeStart: [Int32]
    let shape: [LonLat]
    let shapeMetres: [Double]
    /// Each node's arcs leaving it (`outStart`, CSR) and arriving at it (`inStart`): the other node and the edge.
    let outStart: [Int32], outNode: [Int32], outEdge: [Int32]
    let inStart: [Int32], inNode: [Int32], inEdge: [Int32]
    /// Each edge's shape segments by grid cell, for snapping.
    let segments: SegmentGrid
    /// How the network was built (speeds and snapping).
    public let options: NetworkOptions
    /// Working arrays for bounded searches, reused.
    let spaces = SearchSpacePool()

    /// Number of edges.
    public var edgeCount: Int { edgeMetres.count }
    /// The total length of the edges, metres.
    public var totalMetres: Double { edgeMetres.reduce(0, +) }

    /// The network of the roads `mode` may use (`SpeedTable.allows`). Throws `NetworkError.noUsableRoads` when none is.
    public init(roads: some Sequence<Road>, mode: TravelMode, options: NetworkOptions = NetworkOptions()) throws {
        self.mode = mode
        self.options = options
        // Compacted in a function of its own, so that its working arrays (every vertex, their keys and table: about
        // 650 MB for 5M edges) are freed before the adjacency and the snapping grid are built beside the result.
        let graph = try Self.compact(roads: roads, mode: mode, options: options)
        nodeCount = graph.nodeCount
        edgeFrom = graph.edgeFrom
        edgeTo = graph.edgeTo
        edgeMetres = graph.edgeMetres
        edgeSpeed = graph.edgeSpeed
        edgeForward = graph.edgeForward
        edgeBackward = graph.edgeBackward
        shapeStart = graph.shapeStart
        shape = graph.shape
        shapeMetres = graph.shapeMetres
        (outStart, outNode, outEdge) = Self.adjacency(nodeCount: nodeCount, edgeFrom, edgeTo, edgeForward, edgeBackward)
        (inStart, inNode, inEdge) = Self.adjacency(nodeCount: nodeCount, edgeTo, edgeFrom, edgeForward, edgeBackward)
        segments = SegmentGrid(shape: shape, shapeStart: shapeStart)
    }

    /// The compacted graph's nodes, edges and shapes, before their adjacency.
    private struct Compacted {
        var nodeCount: Int
        var edgeFrom: [Int32], edgeTo: [Int32]
        var edgeMetres: [Double], edgeSpeed: [Double]
        var edgeForward: [Bool], edgeBackward: [Bool]
        var shapeStart: [Int32]
        var shape: [LonLat]
        var shapeMetres: [Double]
    }

    /// The usable roads as a compact graph: nodes where roads share a vertex (or end), edges the runs between.
    private static func compact(roads: some Sequence<Road>, mode: TravelMode, options: NetworkOptions) throws -> Compacted {
        // The usable roads' vertices, without repeated consecutive points.
        var vertexKeys: [UInt64] = []
        var points: [LonLat] = []
        var roadStart: [Int32] = [0]
        var roadSpeed: [Double] = []
        var roadOneway: [Road.Oneway] = []
        for road in roads where options.speeds.allows(road, for: mode) {
            let start = points.count
            for p in road.points where p.isFinite {
                let key = Self.key(p)
                if points.count > start && vertexKeys[vertexKeys.count - 1] == key { continue }
                vertexKeys.append(key)
                points.append(p)
            }
            if points.count - start < 2 {
                points.removeLast(points.count - start)
                vertexKeys.removeLast(vertexKeys.count - start)
                continue
            }
            roadStart.append(Int32(points.count))
            roadSpeed.append(options.speeds.speed(of: road.highway, for: mode)! / 3.6)
            roadOneway.append(mode == .drive ? road.oneway : .no)
        }
        guard !roadSpeed.isEmpty else { throw NetworkError.noUsableRoads(mode) }

        // Count each vertex's uses; a vertex used twice or more, or a road's end, is a node.
        var table = VertexTable(capacity: points.count)
        for key in vertexKeys { table.count(key) }
        var nodeCount: Int32 = 0
        var edgeFrom: [Int32] = [], edgeTo: [Int32] = [], edgeMetres: [Double] = [], edgeSpeed: [Double] = []
        var edgeForward: [Bool] = [], edgeBackward: [Bool] = []
        var shapeStart: [Int32] = [0], shape: [LonLat] = [], shapeMetres: [Double] = []
        shape.reserveCapacity(points.count)
        shapeMetres.reserveCapacity(points.count)
        for r in 0..<roadSpeed.count {
            let start = Int(roadStart[r]), end = Int(roadStart[r + 1])
            var from = table.node(vertexKeys[start], next: &nodeCount)
            var metres = 0.0
            shape.append(points[start])
            shapeMetres.append(0)
            for i in (start + 1)..<end {
                metres += haversineMetres(points[i - 1], points[i])
                shape.append(points[i])
                shapeMetres.append(metres)
                let isNode = i == end - 1 || table.isNode(vertexKeys[i])
                guard isNode else { continue }
                let to = table.node(vertexKeys[i], next: &nodeCount)
                edgeFrom.append(from)
                edgeTo.append(to)
                edgeMetres.append(metres)
                edgeSpeed.append(roadSpeed[r])
                edgeForward.append(roadOneway[r] != .backward)
                edgeBackward.append(roadOneway[r] != .forward)
                shapeStart.append(Int32(shape.count))
                if i < end - 1 {
                    // The next edge starts at this node.
                    from = to
                    metres = 0
                    shape.append(points[i])
                    shapeMetres.append(0)
                }
            }
        }
        return Compacted(nodeCount: Int(nodeCount), edgeFrom: edgeFrom, edgeTo: edgeTo, edgeMetres: edgeMetres,
                         edgeSpeed: edgeSpeed, edgeForward: edgeForward, edgeBackward: edgeBackward,
                         shapeStart: shapeStart, shape: shape, shapeMetres: shapeMetres)
    }

    /// A vertex's key: its coordinates at 1e-7°.
    @inline(__always)
    static func key(_ p: LonLat) -> UInt64 {
        let lon = UInt64(UInt32(truncatingIfNeeded: Int64((p.lon * 1e7).rounded())))
        let lat = UInt64(UInt32(truncatingIfNeeded: Int64((p.lat * 1e7).rounded())))
        return lon << 32 | lat
    }

    /// Arcs by their first node (CSR): for `forward` arcs `from → to` of edges allowed forward and `to → from` of those
    /// allowed backward. Called with from/to swapped, the arcs arriving at each node.
    private static func adjacency(nodeCount: Int, _ from: [Int32], _ to: [Int32], _ forward: [Bool],
                                  _ backward: [Bool]) -> ([Int32], [Int32], [Int32]) {
        var start = [Int32](repeating: 0, count: nodeCount + 1)
        for e in from.indices {
            if forward[e] { start[Int(from[e]) + 1] += 1 }
            if backward[e] { start[Int(to[e]) + 1] += 1 }
        }
        for n in 0..<nodeCount { start[n + 1] += start[n] }
        var next = start
        var node = [Int32](repeating: 0, count: Int(start[nodeCount])), edge = node
        for e in from.indices {
            if forward[e] {
                let slot = Int(next[Int(from[e])]); next[Int(from[e])] += 1
                node[slot] = to[e]; edge[slot] = Int32(e)
            }
            if backward[e] {
                let slot = Int(next[Int(to[e])]); next[Int(to[e])] += 1
                node[slot] = from[e]; edge[slot] = Int32(e)
            }
        }
        return (start, node, edge)
    }

    /// Edge `e`'s first and last node.
    public func ends(of e: Int) -> (from: Int, to: Int) { (Int(edgeFrom[e]), Int(edgeTo[e])) }

    /// Edge `e`'s shape.
    public func shape(of e: Int) -> ArraySlice<LonLat> { shape[Int(shapeStart[e])..<Int(shapeStart[e + 1])] }

    /// Whether the mode may go along edge `e` from its first node to its last (`forward`), or back.
    public func allows(edge e: Int, forward: Bool) -> Bool { forward ? edgeForward[e] : edgeBackward[e] }

    /// The cost of `metres` along edge `e` in `weight`'s unit.
    @inline(__always)
    func cost(_ metres: Double, on e: Int, _ weight: NetworkWeight) -> Double {
        weight == .metres ? metres : metres / edgeSpeed[e]
    }

    /// The points along edge `e` from `fromMetres` to `toMetres` (either order), for drawing.
    public func shape(of e: Int, fromMetres a: Double, toMetres b: Double) -> [LonLat] {
        let lo = Swift.min(a, b), hi = Swift.max(a, b)
        let s = Int(shapeStart[e]), end = Int(shapeStart[e + 1])
        var result = [point(on: e, atMetres: lo)]
        for i in s..<end where shapeMetres[i] > lo && shapeMetres[i] < hi { result.append(shape[i]) }
        result.append(point(on: e, atMetres: hi))
        return a <= b ? result : result.reversed()
    }

    /// The point `metres` along edge `e` from its first node.
    public func point(on e: Int, atMetres metres: Double) -> LonLat {
        let s = Int(shapeStart[e]), end = Int(shapeStart[e + 1])
        var i = s
        while i + 2 < end && shapeMetres[i + 1] < metres { i += 1 }
        let length = shapeMetres[i + 1] - shapeMetres[i]
        let t = length > 0 ? Swift.min(1, Swift.max(0, (metres - shapeMetres[i]) / length)) : 0
        let a = shape[i], b = shape[i + 1]
        return LonLat(a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat))
    }
}

/// What a network cost is counted in.
public enum NetworkWeight: Sendable {
    /// Metres along the roads (and to them).
    case metres
    /// Seconds at the mode's speeds (the way to the roads at walking speed).
    case seconds
}

/// Why a network cannot be built or used.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    /// No stored road may be used by the mode.
    case noUsableRoads(TravelMode)
    /// The registry holds no roads.
    case noRoads
    /// The target (its id) is measured as the crow flies: it has no reach along the roads to draw.
    case notAlongRoads(String)

    public var description: String {
        switch self {
        case let .noUsableRoads(mode):
            return "no stored road may be used \(mode == .walk ? "on foot" : "by car") — import the area's roads with `facilitymap import roads FILE` (an OpenStreetMap extract holds footways and streets alike)"
        case let .notAlongRoads(id):
            return "target \(id) is measured as the crow flies — service areas follow the roads: give the target `distance: network` (and `mode`, `within_m` or `within_min`)"
        case .noRoads:
            return "the registry holds no roads — import them with `facilitymap import roads FILE.osm.pbf` (an OpenStreetMap extract of the area) before measuring along the network"
        }
    }
}

/// Vertex keys counted, then numbered as nodes: open addressing over two flat arrays.
struct VertexTable {
    private var keys: [UInt64]
    /// Uses of each key; after `node(_:next:)`, the node's number as `-(number + 1)`.
    private var values: [Int32]
    private let mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: .max, count: size)
        values = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        var i = Int(truncatingIfNeeded: h) & mask
        while keys[i] != key && keys[i] != .max { i = (i + 1) & mask }
        return i
    }

    mutating func count(_ key: UInt64) {
        let i = slot(key)
        keys[i] = key
        values[i] += 1
    }

    /// Whether the key is a node: counted more than once, or numbered already (a road's end).
    func isNode(_ key: UInt64) -> Bool {
        let value = values[slot(key)]
        return value < 0 || value > 1
    }

    /// The key's node number, given the next free number when it has none yet.
    mutating func node(_ key: UInt64, next: inout Int32) -> Int32 {
        let i = slot(key)
        if values[i] < 0 { return -values[i] - 1 }
        let number = next
        next += 1
        values[i] = -number - 1
        keys[i] = key
        return number
    }
}

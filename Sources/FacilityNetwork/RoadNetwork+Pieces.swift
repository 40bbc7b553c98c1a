/// The pieces of a network: sets of nodes joined by edges, whichever way they may be taken.
public struct NetworkPieces: Equatable, Sendable {
    /// How many pieces.
    public var count: Int
    /// The length of the edges of the largest piece (by length), metres.
    public var largestMetres: Double
    /// The length of every edge, metres.
    public var totalMetres: Double

    /// The largest piece's share of the length (1 when the network is one piece).
    public var largestShare: Double { totalMetres > 0 ? largestMetres / totalMetres : 1 }
}

extension RoadNetwork {
    /// The network's pieces (union–find over the edges): a place on a small piece reaches only what is on it.
    public func pieces() -> NetworkPieces {
        var parent = Array(0..<nodeCount)
        func root(_ n: Int) -> Int {
            var n = n
            while parent[n] != n {
                parent[n] = parent[parent[n]]
                n = parent[n]
            }
            return n
        }
        for e in 0..<edgeCount {
            let a = root(Int(edgeFrom[e])), b = root(Int(edgeTo[e]))
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        var metres: [Int: Double] = [:]
        var count = 0
        for n in 0..<nodeCount where root(n) == n { count += 1 }
        for e in 0..<edgeCount { metres[root(Int(edgeFrom[e])), default: 0] += edgeMetres[e] }
        return NetworkPieces(count: count, largestMetres: metres.values.max() ?? 0, totalMetres: totalMetres)
    }
}

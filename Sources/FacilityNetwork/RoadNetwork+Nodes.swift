import FacilityGeometry

// Nodes by position, for comparing the network's costs with another router's (pgRouting in the tests), whose
// vertices are known by their coordinates.

extension RoadNetwork {
    /// Node `n`'s position: where the edges that meet there start or end (one vertex of the roads, to 1e-7°).
    public func location(ofNode n: Int) -> LonLat {
        for k in Int(outStart[n])..<Int(outStart[n + 1]) {
            let e = Int(outEdge[k])
            return Int(edgeFrom[e]) == n ? shape[Int(shapeStart[e])] : shape[Int(shapeStart[e + 1]) - 1]
        }
        // A node the mode may only arrive at (every node has an arc, in or out: an edge allows one way at least).
        let e = Int(inEdge[Int(inStart[n])])
        return Int(edgeFrom[e]) == n ? shape[Int(shapeStart[e])] : shape[Int(shapeStart[e + 1]) - 1]
    }

    /// A place standing at node `n` with nothing to walk to the road: on an edge the mode may take into `n`, at its
    /// end there, so that `costs(around:toPlace: false, …)` starts from `n` at cost 0 and leaves by any of its arcs.
    /// Nil when the mode may not arrive at `n` at all (only leave it along one-way streets).
    public func place(atNode n: Int) -> NetworkPlace? {
        guard inStart[n] < inStart[n + 1] else { return nil }
        let e = Int(inEdge[Int(inStart[n])])
        // An arc into n: along e forwards (n its last node) or backwards (n its first).
        let atEnd = Int(edgeTo[e]) == n && edgeForward[e]
        return NetworkPlace(edge: e, metres: atEnd ? edgeMetres[e] : 0, snapMetres: 0, point: location(ofNode: n))
    }
}

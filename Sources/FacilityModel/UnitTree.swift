import FacilityGeometry

/// Units as one tree, by the one rule every command uses: a unit's parent is the unit its parent code names, else the
/// finest coarser unit whose polygon holds its point (or its polygon's representative point), else none; links that
/// close a cycle are cut (`cutParentCycles`); a unit's population is its own, else the sum of its children's.
/// Coverage, `check`, `suggest` and `stats` read units through it.
public struct UnitTree: Sendable {
    public let units: [AdministrativeUnit]
    /// Each code's position (the first unit with it).
    public let index: [String: Int]
    /// Each unit's level, for loops that touch no other field.
    public let level: [UnitLevel]
    /// Each unit's parent position, or -1.
    public let parent: [Int32]
    /// The units whose parent link closed a cycle (a store edited by other means), in order: cut there.
    public let cycleCuts: [Int]
    /// Each unit's population: its own, else the sum of its children's; nil when none is known.
    public let population: [Double?]
    /// The units with polygons, for placing a point.
    public let polygons: PolygonGrid

    /// The tree of `units`; `polygons` when the caller built them already (`UnitTree.polygons(of:)`).
    public init(_ units: [AdministrativeUnit], polygons: PolygonGrid? = nil) {
        self.units = units
        let level = units.map(\.level)
        self.level = level
        let polygons = polygons ?? Self.polygons(of: units)
        self.polygons = polygons
        var index: [String: Int] = [:]
        index.reserveCapacity(units.count)
        for (i, unit) in units.enumerated() where index[unit.code] == nil { index[unit.code] = i }
        self.index = index
        var parent: [Int32] = units.enumerated().map { i, unit in
            if let code = unit.parent, let p = index[code], p != i { return Int32(p) }
            guard let point = unit.location ?? unit.boundary?.representativePoint() else { return -1 }
            return Int32(Self.finestPolygon(in: polygons, level: level, containing: point, coarserThan: unit.level.rank, excluding: i))
        }
        cycleCuts = cutParentCycles(&parent)
        self.parent = parent

        // Populations bottom-up: deepest units first (sums of whole numbers: the order within a depth is moot).
        var depth = [Int](repeating: 0, count: units.count)
        for i in units.indices {
            var d = 0, j = Int(parent[i])
            while j >= 0 && d < 32 { d += 1; j = Int(parent[j]) }
            depth[i] = d
        }
        var byDepth = [[Int]](repeating: [], count: 33)
        for i in units.indices { byDepth[depth[i]].append(i) }
        var population = [Double?](repeating: nil, count: units.count)
        var childSum = [Double?](repeating: nil, count: units.count)
        for i in byDepth.reversed().joined() {
            population[i] = units[i].population.map(Double.init) ?? childSum[i]
            let p = Int(parent[i])
            if let value = population[i], p >= 0 { childSum[p] = (childSum[p] ?? 0) + value }
        }
        self.population = population
    }

    /// The polygons of `units`, indexed by their positions.
    public static func polygons(of units: [AdministrativeUnit]) -> PolygonGrid {
        PolygonGrid(polygons: units.enumerated().compactMap { i, unit in unit.boundary.map { (index: i, boundary: $0) } })
    }

    /// The finest unit (highest rank below `maxRank`; ties: the first) whose polygon holds `point`, other than
    /// `excluding`; -1 when none does.
    public static func finestPolygon(in polygons: PolygonGrid, level: [UnitLevel], containing point: LonLat, coarserThan maxRank: Int,
                                     excluding: Int) -> Int {
        var best = -1, bestRank = -1
        polygons.forEachCandidate(containing: point) { k in
            let index = polygons.polygons[k].index
            guard index != excluding else { return }
            let rank = level[index].rank
            // Only a polygon that would beat the best so far needs the containment test.
            guard rank < maxRank, rank > bestRank || (rank == bestRank && index < best) else { return }
            if polygons.polygons[k].boundary.contains(point) { (best, bestRank) = (index, rank) }
        }
        return best
    }

    /// The finest unit whose polygon holds `point`, or -1.
    public func finestPolygon(containing point: LonLat) -> Int {
        Self.finestPolygon(in: polygons, level: level, containing: point, coarserThan: Int.max, excluding: -1)
    }

    /// Unit `u` itself or its ancestor at `level`, or -1.
    public func ancestor(of u: Int, at level: UnitLevel) -> Int {
        var j = u, steps = 0
        while j >= 0 && steps < 33 {
            if self.level[j] == level { return j }
            j = Int(parent[j])
            steps += 1
        }
        return -1
    }

    /// Each unit's children, in order.
    public func children() -> [[Int]] {
        var children = [[Int]](repeating: [], count: units.count)
        for (i, p) in parent.enumerated() where p >= 0 { children[Int(p)].append(i) }
        return children
    }

    /// The positions of `code`'s subtree (nil: no restriction; an unknown code: none).
    public func subtree(of code: String?) -> Set<Int>? {
        guard let code else { return nil }
        guard let root = index[code] else { return [] }
        let children = children()
        var seen: Set<Int> = [root], stack = [root]
        while let u = stack.popLast() { for c in children[u] where seen.insert(c).inserted { stack.append(c) } }
        return seen
    }
}

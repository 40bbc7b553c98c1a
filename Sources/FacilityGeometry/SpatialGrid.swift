/// Points bucketed in a regular lon/lat grid, stored compactly (cell starts + item indices).
/// Answers "which points may lie in this box" without touching the others.
public struct PointGrid: Sendable {
    private let minLon: Double
    private let minLat: Double
    private let cell: Double
    private let nx: Int
    private let ny: Int
    private let starts: [Int32]
    private let items: [Int32]
    public let points: [LonLat]

    /// Indexes `points` in cells of about `cellDegrees` (made larger if the grid would exceed ~4 million cells).
    public init(points: [LonLat], cellDegrees: Double) {
        self.points = points
        let box = BoundingBox(points: points)
        if points.isEmpty || box.isEmpty {
            minLon = 0; minLat = 0; cell = 1; nx = 1; ny = 1
            starts = [0, 0]
            items = []
            return
        }
        var size = max(cellDegrees, 1e-6)
        while ((box.maxLon - box.minLon) / size + 1) * ((box.maxLat - box.minLat) / size + 1) > 4_000_000 { size *= 2 }
        minLon = box.minLon
        minLat = box.minLat
        cell = size
        nx = Int((box.maxLon - box.minLon) / size) + 1
        ny = Int((box.maxLat - box.minLat) / size) + 1
        var counts = [Int32](repeating: 0, count: nx * ny + 1)
        var cellOf = [Int32](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let c = Int32(Self.clamp(Int((p.lat - box.minLat) / size), ny) * nx + Self.clamp(Int((p.lon - box.minLon) / size), nx))
            cellOf[i] = c
            counts[Int(c) + 1] += 1
        }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var next = counts
        var items = [Int32](repeating: 0, count: points.count)
        for i in 0..<points.count {
            let c = Int(cellOf[i])
            items[Int(next[c])] = Int32(i)
            next[c] += 1
        }
        starts = counts
        self.items = items
    }

    private static func clamp(_ value: Int, _ count: Int) -> Int { min(max(value, 0), count - 1) }

    /// Calls `body` with each point index whose cell meets `box`, until `body` returns false.
    /// Candidates only: the caller tests the exact condition.
    public func forEachCandidate(in box: BoundingBox, _ body: (Int) -> Bool) {
        guard !items.isEmpty, !box.isEmpty else { return }
        let x0 = Int(((box.minLon - minLon) / cell).rounded(.down)), x1 = Int(((box.maxLon - minLon) / cell).rounded(.down))
        let y0 = Int(((box.minLat - minLat) / cell).rounded(.down)), y1 = Int(((box.maxLat - minLat) / cell).rounded(.down))
        guard x1 >= 0, y1 >= 0, x0 < nx, y0 < ny else { return }
        for y in max(y0, 0)...min(y1, ny - 1) {
            let row = y * nx
            for x in max(x0, 0)...min(x1, nx - 1) {
                let c = row + x
                var i = Int(starts[c])
                let end = Int(starts[c + 1])
                while i < end {
                    if !body(Int(items[i])) { return }
                    i += 1
                }
            }
        }
    }
}

/// Polygons bucketed by the grid cells their bounding boxes meet, for "which polygons contain this point".
/// `index` is the caller's own number for each polygon (e.g. its position in a list of units).
public struct PolygonGrid: Sendable {
    private let minLon: Double
    private let minLat: Double
    private let cell: Double
    private let nx: Int
    private let ny: Int
    private let cells: [[Int32]]
    public let polygons: [(index: Int, boundary: MultiPolygon, box: BoundingBox)]

    public init(polygons: [(index: Int, boundary: MultiPolygon)]) {
        let entries = polygons.map { (index: $0.index, boundary: $0.boundary, box: $0.boundary.boundingBox) }
        self.polygons = entries
        let all = entries.reduce(BoundingBox.empty) { $0.union($1.box) }
        guard !entries.isEmpty, !all.isEmpty else {
            minLon = 0; minLat = 0; cell = 1; nx = 1; ny = 1; cells = [[]]
            return
        }
        // About 64 polygons' worth of cells per side, at most 512 × 512 cells.
        let width = all.maxLon - all.minLon, height = all.maxLat - all.minLat
        let side = max(min(512, Int(Double(entries.count).squareRoot() * 4)), 1)
        let size = max(max(width, height) / Double(side), 1e-6)
        minLon = all.minLon
        minLat = all.minLat
        cell = size
        nx = Int(width / size) + 1
        ny = Int(height / size) + 1
        var cells = [[Int32]](repeating: [], count: nx * ny)
        for (k, entry) in entries.enumerated() {
            let x0 = Int((entry.box.minLon - all.minLon) / size), x1 = min(Int((entry.box.maxLon - all.minLon) / size), nx - 1)
            let y0 = Int((entry.box.minLat - all.minLat) / size), y1 = min(Int((entry.box.maxLat - all.minLat) / size), ny - 1)
            for y in y0...y1 { for x in x0...x1 { cells[y * nx + x].append(Int32(k)) } }
        }
        self.cells = cells
    }

    /// Calls `body` with each polygon entry (position in `polygons`) whose box holds `point`.
    public func forEachCandidate(containing point: LonLat, _ body: (Int) -> Void) {
        let x = Int(((point.lon - minLon) / cell).rounded(.down)), y = Int(((point.lat - minLat) / cell).rounded(.down))
        guard x >= 0, y >= 0, x < nx, y < ny else { return }
        for k in cells[y * nx + x] where polygons[Int(k)].box.contains(point) { body(Int(k)) }
    }
}

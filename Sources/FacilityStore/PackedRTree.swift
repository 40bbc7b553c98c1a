import CSpatiaLite
import FacilityGeometry
import FacilityRegistry

/// Builds the facilities' R*Tree in one pass, bottom-up (Sort-Tile-Recursive packing), by writing SQLite's
/// R*Tree shadow tables (`_node`, `_rowid`, `_parent`) directly.
///
/// Inserting rows one by one into SQLite's R*Tree costs about 10 µs a row (choose-leaf, splits, reinserts);
/// packing costs a sort. The format is SQLite's own (rtree.c): node 1 is the root and starts with the tree's
/// depth as a big-endian 16-bit integer; every node then holds a 16-bit cell count and cells of an 8-byte
/// big-endian id (a rowid in leaves, a child node number above) and four big-endian 32-bit floats
/// (xmin, xmax, ymin, ymax), rounded outwards. All nodes have the root's size. `rtreecheck()` verifies it.
struct PackedRTree {
    struct Entry {
        var id: Int64
        var xmin: Float, xmax: Float, ymin: Float, ymax: Float
        /// The entry of a point: its box rounded outwards to floats.
        init(id: Int64, point: LonLat) {
            self.init(id: id, xmin: PackedRTree.lower(point.lon), xmax: PackedRTree.upper(point.lon),
                      ymin: PackedRTree.lower(point.lat), ymax: PackedRTree.upper(point.lat))
        }

        init(id: Int64, xmin: Float, xmax: Float, ymin: Float, ymax: Float) {
            (self.id, self.xmin, self.xmax, self.ymin, self.ymax) = (id, xmin, xmax, ymin, ymax)
        }

        var centerX: Float { (xmin + xmax) / 2 }
        var centerY: Float { (ymin + ymax) / 2 }
    }

    /// A float no greater than `d` (for lower bounds) or no less (for upper bounds), as SQLite rounds.
    static func lower(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) > d { f = f.nextDown }
        return f
    }

    static func upper(_ d: Double) -> Float {
        var f = Float(d)
        if Double(f) < d { f = f.nextUp }
        return f
    }

    /// Groups `entries` into nodes of at most `capacity` by Sort-Tile-Recursive packing.
    static func tile(_ entries: [Entry], capacity: Int) -> [[Entry]] {
        guard entries.count > capacity else { return [entries] }
        let nodes = (entries.count + capacity - 1) / capacity
        let slices = Int(Double(nodes).squareRoot().rounded(.up))
        let sliceSize = slices * capacity
        let byX = sorted(entries, by: \.centerX)
        var result: [[Entry]] = []
        result.reserveCapacity(nodes)
        var start = 0
        while start < byX.count {
            let slice = sorted(Array(byX[start..<min(start + sliceSize, byX.count)]), by: \.centerY)
            var i = 0
            while i < slice.count {
                result.append(Array(slice[i..<min(i + capacity, slice.count)]))
                i += capacity
            }
            start += sliceSize
        }
        return result
    }

    /// `entries` in ascending order of `key` (stable), by a least-significant-digit radix sort on the float's
    /// bits: a few passes over the array instead of a comparison sort's n log n.
    static func sorted(_ entries: [Entry], by key: (Entry) -> Float) -> [Entry] {
        guard entries.count > 64 else { return entries.sorted { key($0) < key($1) } }
        // Order-preserving map of floats to unsigned integers (negative floats reversed; adding 0 makes -0 +0,
        // which `<` holds equal).
        var keys = entries.map { entry -> UInt32 in
            let bits = (key(entry) + 0).bitPattern
            return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        }
        var order = [Int32](unsafeUninitializedCapacity: entries.count) { buffer, count in
            for i in 0..<entries.count { buffer[i] = Int32(i) }
            count = entries.count
        }
        var nextKeys = keys, nextOrder = order
        for shift in stride(from: 0, to: 32, by: 11) {
            var counts = [Int](repeating: 0, count: 2049)
            for k in keys { counts[Int((k >> UInt32(shift)) & 0x7FF) + 1] += 1 }
            if counts[1...].contains(entries.count) { continue }  // one bucket: this digit orders nothing
            for d in 1..<2049 { counts[d] += counts[d - 1] }
            for i in 0..<keys.count {
                let digit = Int((keys[i] >> UInt32(shift)) & 0x7FF)
                let target = counts[digit]
                counts[digit] += 1
                nextKeys[target] = keys[i]
                nextOrder[target] = order[i]
            }
            swap(&keys, &nextKeys)
            swap(&order, &nextOrder)
        }
        return order.map { entries[Int($0)] }
    }

    static func bounds(_ node: [Entry], id: Int64) -> Entry {
        var box = Entry(id: id, xmin: .infinity, xmax: -.infinity, ymin: .infinity, ymax: -.infinity)
        for e in node {
            box.xmin = min(box.xmin, e.xmin); box.xmax = max(box.xmax, e.xmax)
            box.ymin = min(box.ymin, e.ymin); box.ymax = max(box.ymax, e.ymax)
        }
        return box
    }

    /// The nodes of a packed tree, level by level from the leaves, and each node's number.
    struct Plan {
        /// Cells of each node; a cell's id is a rowid in the leaves, else its child's position in the level below.
        var levels: [[[Entry]]]
        var numbers: [[Int64]]
        let capacity: Int
    }

    /// The size in bytes of a node of the R*Tree `table`, and how many cells fit one.
    static func nodeSize(of table: String, database db: Database) throws -> (bytes: Int, capacity: Int) {
        let nodeSize = try db.scalar("SELECT length(data) FROM \"\(table)_node\" WHERE nodeno = 1")?.int ?? 0
        let capacity = (nodeSize - 4) / 24
        guard capacity >= 2 else {
            throw StoreError.sqlite(path: db.path, code: 0, message: "unexpected R*Tree node size \(nodeSize)", sql: table)
        }
        return (nodeSize, capacity)
    }

    /// How full a packed node is: room is left in each, so that the rows imported later go into a node with room.
    /// Full nodes (a packed tree at 100%) made every later insert split one — SQLite's R*Tree then reinserts a third
    /// of the node's cells: 10,000 rows uploaded into 3,000,000 took 4.3 s, 0.4 s of it without the R*Tree.
    static let fill = 0.75

    /// Packs `entries` into nodes of `capacity` cells, each filled to `fill` (no database needed: it can run on any
    /// thread).
    static func plan(_ entries: [Entry], capacity: Int) -> Plan {
        let filled = max(2, Int(Double(capacity) * fill))
        var levels: [[[Entry]]] = [tile(entries, capacity: filled)]
        while levels.last!.count > 1 {
            let children = levels.last!
            let parents = children.enumerated().map { bounds($1, id: Int64($0)) }
            levels.append(tile(parents, capacity: filled))
        }
        // Node numbers: the root is 1, the others follow level by level from the leaves.
        var numbers: [[Int64]] = levels.map { Array(repeating: 0, count: $0.count) }
        var next: Int64 = 2
        for level in 0..<(levels.count - 1) {
            for i in levels[level].indices { numbers[level][i] = next; next += 1 }
        }
        numbers[levels.count - 1][0] = 1
        return Plan(levels: levels, numbers: numbers, capacity: capacity)
    }

    /// Replaces the content of the R*Tree `table` with a packed tree over `entries`.
    static func write(_ entries: [Entry], table: String, database db: Database) throws {
        try write(plan(entries, capacity: try nodeSize(of: table, database: db).capacity), table: table, database: db)
    }

    /// Replaces the content of the R*Tree `table` with the tree `plan` (made for its node capacity).
    static func write(_ plan: Plan, table: String, database db: Database) throws {
        let (nodeSize, capacity) = try nodeSize(of: table, database: db)
        guard plan.capacity == capacity else {
            throw StoreError.sqlite(path: db.path, code: 0, message: "R*Tree planned for \(plan.capacity) cells, not \(capacity)", sql: table)
        }
        let (levels, numbers) = (plan.levels, plan.numbers)
        Trace.mark("tiled \(table)")
        try db.execute("DELETE FROM \"\(table)_node\"; DELETE FROM \"\(table)_rowid\"; DELETE FROM \"\(table)_parent\"")
        let insertNode = try Statement(database: db, sql: "INSERT INTO \"\(table)_node\" (nodeno, data) VALUES (?, ?)")
        let insertRowid = try Statement(database: db, sql: "INSERT INTO \"\(table)_rowid\" (rowid, nodeno) VALUES (?, ?)")
        let insertParent = try Statement(database: db, sql: "INSERT INTO \"\(table)_parent\" (nodeno, parentnode) VALUES (?, ?)")
        defer { insertNode.finalize(); insertRowid.finalize(); insertParent.finalize() }

        // Leaf of each rowid, inserted in rowid order afterwards: appending to `_rowid` is much faster than
        // inserting in tree order.
        var leafOf: [(Int64, Int64)] = []
        leafOf.reserveCapacity(levels[0].reduce(0) { $0 + $1.count })
        var blob = [UInt8](repeating: 0, count: nodeSize)
        let depth = levels.count - 1
        for (level, nodes) in levels.enumerated() {
            for (i, node) in nodes.enumerated() {
                let number = numbers[level][i]
                // The node's bytes (big-endian, as the R*Tree module reads them), written through one pointer:
                // nested functions writing the captured array cost an exclusivity check per byte.
                try blob.withUnsafeMutableBytes { raw in
                    raw.initializeMemory(as: UInt8.self, repeating: 0)
                    raw.storeBytes(of: UInt16(number == 1 ? depth : 0).bigEndian, toByteOffset: 0, as: UInt16.self)
                    raw.storeBytes(of: UInt16(node.count).bigEndian, toByteOffset: 2, as: UInt16.self)
                    for (c, cell) in node.enumerated() {
                        let offset = 4 + c * 24
                        let id = level == 0 ? cell.id : numbers[level - 1][Int(cell.id)]
                        raw.storeBytes(of: id.bigEndian, toByteOffset: offset, as: Int64.self)
                        raw.storeBytes(of: cell.xmin.bitPattern.bigEndian, toByteOffset: offset + 8, as: UInt32.self)
                        raw.storeBytes(of: cell.xmax.bitPattern.bigEndian, toByteOffset: offset + 12, as: UInt32.self)
                        raw.storeBytes(of: cell.ymin.bitPattern.bigEndian, toByteOffset: offset + 16, as: UInt32.self)
                        raw.storeBytes(of: cell.ymax.bitPattern.bigEndian, toByteOffset: offset + 20, as: UInt32.self)
                        if level == 0 {
                            leafOf.append((cell.id, number))
                        } else {
                            try insertParent.bind([.integer(id), .integer(number)])
                            while try insertParent.step() {}
                        }
                    }
                }
                try insertNode.bind([.integer(number), .blob(blob)])
                while try insertNode.step() {}
            }
        }
        Trace.mark("nodes written")
        // Rowids that are dense (a bulk load's consecutive pks) are placed by value; others are sorted.
        if let low = leafOf.lazy.map(\.0).min(), let high = leafOf.lazy.map(\.0).max(),
           high - low + 1 == Int64(leafOf.count) {
            var placed = leafOf
            for pair in leafOf { placed[Int(pair.0 - low)] = pair }
            leafOf = placed
        } else {
            leafOf.sort { $0.0 < $1.0 }
        }
        // Many pairs per statement: one statement per pair costs more than the insert itself.
        let perStatement = 500
        // OR FAIL: no statement journal (the table was emptied above, so no rowid can repeat).
        let insertRowids = try Statement(database: db, sql: "INSERT OR FAIL INTO \"\(table)_rowid\" (rowid, nodeno) VALUES "
            + Array(repeating: "(?, ?)", count: perStatement).joined(separator: ", "))
        defer { insertRowids.finalize() }
        var start = 0
        while start + perStatement <= leafOf.count {
            try insertRowids.bindAndRun(pairs: leafOf[start..<(start + perStatement)])
            start += perStatement
        }
        for (rowid, node) in leafOf[start...] { try insertRowid.bindAndRun(rowid, node) }
    }
}

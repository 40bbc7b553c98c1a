import FacilityCoverage
import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityMapKit
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// The registry as the server holds it: store connections, a thread pool for SQLite's blocking calls, and the
/// coverage inputs kept in memory.
///
/// Reads run on pooled connections, each on one pool thread at a time; writes run one at a time on a thread of
/// their own with the writer connection, so uploads, however many wait, never take a reader's thread.
public final class ServedRegistry: @unchecked Sendable {
    public let storePath: String
    public let plan: TargetPlan
    private let threads: NIOThreadPool
    private let lock = NIOLock()
    private var idle: [any RegistryStore] = []
    /// One thread: writes run one after another on it.
    private let writes: NIOThreadPool
    private var writer: (any RegistryStore)?
    /// One thread: uploaded polygons are checked and repaired on it, one file at a time (so that their memory
    /// budgets do not add up), neither on a reader's thread nor on the writer's.
    private let geometry: NIOThreadPool
    private let coverage: CoverageCache

    /// Opens (creating or migrating) the registry at `storePath` (a SQLite file or a postgresql:// address); fails as the command line does for a bad store.
    public init(storePath: String, plan: TargetPlan, threads: Int = 4) throws {
        self.storePath = storePath
        self.plan = plan
        let first = try RegistryLocation.open(storePath)
        idle = [first]
        coverage = CoverageCache(plan: plan)
        self.threads = NIOThreadPool(numberOfThreads: max(2, threads))
        self.threads.start()
        writes = NIOThreadPool(numberOfThreads: 1)
        writes.start()
        geometry = NIOThreadPool(numberOfThreads: 1)
        geometry.start()
    }

    /// Closes every connection and stops the threads.
    public func shutdown() async {
        try? await geometry.shutdownGracefully()
        try? await writes.shutdownGracefully()
        try? await threads.shutdownGracefully()
        lock.withLock {
            idle.forEach { $0.close() }
            idle = []
        }
        writer?.close()
        writer = nil
    }

    /// When each token's last use was last written (at most once a minute, so that reads do not become writes).
    private var usesWritten: [String: UInt64] = [:]

    /// Records that `token` was used, in the store's `last_used_at`, unless that was done less than a minute ago;
    /// the write goes on without the request waiting for it.
    func noteUse(of token: WriteToken) {
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lock.withLock { () -> Bool in
            if let last = usesWritten[token.name], now - last < 60_000_000_000 { return false }
            if usesWritten.count > 10_000 { usesWritten.removeAll() }
            usesWritten[token.name] = now
            return true
        }
        guard due else { return }
        let time = String(ISO8601DateFormatter().string(from: Date()).prefix(16)) + "Z"
        Task { [self] in _ = try? await write { try $0.update { try $0.markTokenUsed(named: token.name, at: time) } } }
    }

    /// Runs `body` (an upload's geometry work) on the geometry thread, after the work of uploads before it.
    func prepare<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await geometry.runIfActive(body)
    }

    /// Runs `body` on a pool thread (a blocking call that needs no connection).
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(body)
    }

    /// Runs `body` on a pool thread with a read connection of its own.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any RegistryStore) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            let store = try lock.withLock { idle.popLast() } ?? RegistryLocation.open(storePath)
            defer { giveBack(store) }
            return try body(store)
        }
    }

    /// Puts a read connection back in the pool, or closes it when the database server has ended it (the next
    /// read opens a new one).
    private func giveBack(_ store: any RegistryStore) {
        if store.isUsable { lock.withLock { idle.append(store) } } else { store.close() }
    }

    /// Runs `body` on the writing thread with the writer connection, one write at a time, then loads the coverage
    /// inputs again before returning: a report asked for after a write sees it. Reads meanwhile are answered
    /// from the previous load.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any RegistryStore) throws -> T) async throws -> T {
        try await writes.runIfActive { [self] in
            if let current = writer, !current.isUsable {
                current.close()
                writer = nil
            }
            if writer == nil { writer = try RegistryLocation.open(storePath) }
            let result = try body(writer!)
            let store = try lock.withLock { idle.popLast() } ?? RegistryLocation.open(storePath)
            defer { giveBack(store) }
            _ = try? coverage.current(store: store, waitForLoad: true)
            return result
        }
    }

    /// The coverage report for `query` as `coverage --format json` writes it, from the inputs in memory (loaded
    /// again when the store has changed since).
    func coverageJSON(_ query: CoverageQuery) async throws -> CachedAnswer {
        try await withEngine { $0.json(query) }
    }

    /// The data of the coverage map page for `query`; the page's own asks for `only` one target's areas and no
    /// facilities (`tiled`: it draws them from `tile`).
    func mapJSON(_ query: CoverageQuery, only: String? = nil, tiled: Bool = false) async throws -> CachedAnswer {
        try await withEngine { $0.mapData(query, only: only, tiled: tiled) }
    }

    /// Tile (`z`, `x`, `y`) of the facilities open on `query`'s day (kinds `hidden` left out, `target`'s drawn
    /// larger), with `target`'s uncovered units when `uncovered`; nil outside the world.
    func tile(z: Int, x: Int, y: Int, query: CoverageQuery, target: Target?, hidden: Set<UInt8>, uncovered: Bool) async throws -> [UInt8]? {
        try await withEngine { try $0.tile(z: z, x: x, y: y, query: query, target: target, hidden: hidden, uncovered: uncovered) }
    }

    /// The engine over the registry as it stands (for exports of the coverage layer).
    func withEngine<T: Sendable>(_ body: @escaping @Sendable (CoverageCache.Loaded) throws -> T) async throws -> T {
        try await read { [coverage] store in
            try body(try coverage.current(store: store))
        }
    }

}

/// The coverage engine over the registry as last loaded, with the reports already computed from it.
final class CoverageCache: @unchecked Sendable {
    let plan: TargetPlan
    private let lock = NIOLock()
    private var loaded: Loaded?
    /// Held while the inputs are loaded: one load at a time.
    private let loading = NSLock()

    init(plan: TargetPlan) { self.plan = plan }

    /// One load of the registry: the engine (not safe for concurrent use: behind a lock) and its rendered reports.
    final class Loaded: @unchecked Sendable {
        let version: Int
        let plan: TargetPlan
        private let engine: CoverageEngine
        /// Held while the engine measures (it is not safe for concurrent use).
        private let engineLock = NIOLock()
        /// Held only to look up or keep an answer: a kept answer never waits for the engine.
        private let cacheLock = NIOLock()
        private var rendered: [String: CachedAnswer] = [:]

        /// The units' codes, in the engine's order: the changed rows' units are positions in it.
        let unitCodes: [String]

        init(version: Int, plan: TargetPlan, engine: CoverageEngine, unitCodes: [String]? = nil) {
            self.version = version
            self.plan = plan
            self.engine = engine
            self.unitCodes = unitCodes ?? engine.units.map(\.code)
        }

        /// The load at `newVersion` when the imports since this one changed only facilities: this engine with the
        /// rows they created or updated read again (an upload of 10,000 rows reads those, not 3,000,000). Nil when a
        /// units import came between or the rows cannot be matched: load anew.
        func updated(store: any RegistryStore, to newVersion: Int) throws -> Loaded? {
            let later = try store.importLog().filter { ($0.number ?? 0) > version }
            guard !later.isEmpty, later.allSatisfy({ $0.layer == "facilities" }) else { return nil }
            let changed = try store.facilityColumns(changedByImportsAfter: version, unitCodes: unitCodes,
                                                    attributes: plan.usesExtraAttributes)
            Trace.mark("coverage inputs: \(changed.count) changed facilities read")
            guard let engine = withEngine({ $0.updated(with: changed) }) else { return nil }
            return Loaded(version: newVersion, plan: plan, engine: engine, unitCodes: unitCodes)
        }

        private func cached(_ key: String, _ make: (CoverageEngine) -> String) -> CachedAnswer {
            if let answer = cacheLock.withLock({ rendered[key] }) { return answer }
            return engineLock.withLock {
                if let answer = cacheLock.withLock({ rendered[key] }) { return answer }
                let answer = CachedAnswer(make(engine))
                cacheLock.withLock {
                    if rendered.count > 64 { rendered.removeAll() }
                    rendered[key] = answer
                }
                return answer
            }
        }

        static func key(_ kind: String, _ query: CoverageQuery) -> String {
            "\(kind)|\(query.year.map(String.init) ?? "")|\(query.asOf?.description ?? "")|\(query.by.rawValue)|\(query.targetID ?? "")"
        }

        func json(_ query: CoverageQuery) -> CachedAnswer {
            cached(Self.key("json", query)) { CoverageFormatter.json($0.report(plan: plan, query: query)) }
        }

        func mapData(_ query: CoverageQuery, only: String? = nil, tiled: Bool = false) -> CachedAnswer {
            let kind = tiled ? "map-tiled|\(only ?? "")" : "map|\(only ?? "")"
            return cached(Self.key(kind, query)) {
                tiled ? CoverageMap.data(engine: $0, plan: plan, query: query, maxFacilities: 0, only: only,
                                         uncoveredLimit: Self.uncoveredDrawn, version: version)
                      : CoverageMap.data(engine: $0, plan: plan, query: query, only: only)
            }
        }

        /// Uncovered units the page gets as shapes (each with its tooltip); past this many, the tiles draw them.
        static let uncoveredDrawn = 5_000

        /// The facilities in Z-order for tiles, made at the first tile asked for.
        private var tiles: FacilityTiles?
        /// Uncovered units of a target on a day, in Z-order, by "target|day".
        private var uncoveredTiles: [String: TiledPoints] = [:]
        private var renderedTiles: [String: [UInt8]] = [:]
        private var renderedBytes = 0

        func tile(z: Int, x: Int, y: Int, query: CoverageQuery, target: Target?, hidden: Set<UInt8>, uncovered: Bool) throws -> [UInt8]? {
            let day = engine.resolve(plan: plan, query: query).asOf
            let key = "\(z)/\(x)/\(y)|\(day)|\(target?.id ?? "")|\(hidden.sorted())|\(uncovered)"
            if let png = cacheLock.withLock({ renderedTiles[key] }) { return png }
            // The indexes are made under the engine's lock, once; tiles are drawn outside it, several at a time.
            let (index, crosses) = engineLock.withLock { () -> (FacilityTiles, TiledPoints?) in
                if tiles == nil { tiles = FacilityTiles(facilities: engine.facilities) }
                var crosses: TiledPoints?
                if uncovered, let target, target.metric == .unitCoverage {
                    let uncoveredKey = "\(target.id)|\(day)"
                    if let known = uncoveredTiles[uncoveredKey] { crosses = known } else {
                        var one = query
                        one.targetID = target.id
                        one.asOf = day
                        let refs = engine.report(plan: plan, query: one).targets.first?.totalUncovered ?? []
                        let byCode = Dictionary(engine.units.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
                        let points = refs.compactMap { byCode[$0.code].flatMap { engine.units[$0].location } }
                        crosses = TiledPoints(points)
                        if uncoveredTiles.count > 16 { uncoveredTiles.removeAll() }
                        uncoveredTiles[uncoveredKey] = crosses
                    }
                }
                return (tiles!, crosses)
            }
            let style = FacilityTiles.Style(day: day.ordinal, hidden: hidden,
                                            emphasized: Set((target?.kinds ?? []).map { UInt8($0.ordinal) }))
            guard let png = index.png(z: z, x: x, y: y, style: style, uncovered: crosses) else { return nil }
            cacheLock.withLock {
                if renderedBytes > 64 << 20 { renderedTiles.removeAll(); renderedBytes = 0 }
                renderedTiles[key] = png
                renderedBytes += png.count
            }
            return png
        }

        // MARK: What OGC API – Features reads from the inputs

        /// The units as loaded (an array never changed: read without the engine's lock).
        var units: [AdministrativeUnit] { engine.units }

        func withUnits<T>(_ body: ([AdministrativeUnit]) throws -> T) rethrows -> T { try body(engine.units) }

        private var derived: [String: Any] = [:]

        /// A value computed once per load, under the cache's lock.
        private func once<T>(_ key: String, _ make: () -> T) -> T {
            // Looked up by presence: a kept nil (no facilities) is an answer too.
            if let known = cacheLock.withLock({ derived[key] }) { return known as! T }
            let value = make()
            cacheLock.withLock { derived[key] = value }
            return value
        }

        /// The box around every facility; nil when there is none.
        var facilityBox: BoundingBox? {
            once("facility-box") { () -> BoundingBox? in
                let points = engine.facilities.location.filter { $0.lon.isFinite && $0.lat.isFinite }
                return points.isEmpty ? nil : BoundingBox(points: points)
            }
        }

        /// The first opening and the last closing day (nil: unknown, or still open).
        var facilityDays: (Day?, Day?)? {
            once("facility-days") { () -> (Day?, Day?)? in
                let f = engine.facilities
                guard !f.opened.isEmpty else { return nil }
                let opened = f.opened.filter { $0 != Int32.min }.min().flatMap(Day.init(ordinal:))
                let closed = f.closed.contains(Int32.max) ? nil : f.closed.max().flatMap(Day.init(ordinal:))
                return (opened, closed)
            }
        }

        /// The box around the units of `level` (every unit: nil).
        func unitBox(_ level: UnitLevel?) -> BoundingBox? {
            once("unit-box-\(level?.rawValue ?? "")") { () -> BoundingBox? in
                var box: BoundingBox?
                for unit in engine.units where level == nil || unit.level == level {
                    let b = unit.boundary?.boundingBox ?? unit.location.map { BoundingBox(points: [$0]) }
                    guard let b, b.minLon.isFinite else { continue }
                    box = box.map { BoundingBox(minLon: min($0.minLon, b.minLon), minLat: min($0.minLat, b.minLat),
                                                maxLon: max($0.maxLon, b.maxLon), maxLat: max($0.maxLat, b.maxLat)) } ?? b
                }
                return box
            }
        }

        /// The positions of the unit `code` and every unit below it; nil when no unit has that code.
        func subtree(of code: String) -> Set<Int>? {
            let children = once("children") { () -> (index: [String: Int], below: [[Int]]) in
                let units = engine.units
                let index = Dictionary(units.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
                var below = [[Int]](repeating: [], count: units.count)
                for (i, unit) in units.enumerated() { if let p = unit.parent.flatMap({ index[$0] }), p != i { below[p].append(i) } }
                return (index, below)
            }
            guard let root = children.index[code] else { return nil }
            var found: Set<Int> = [root], stack = [root]
            while let next = stack.popLast() {
                for child in children.below[next] where found.insert(child).inserted { stack.append(child) }
            }
            return found
        }

        /// One target's coverage features (as `export geojson --layer coverage`), kept per target, year and day.
        func coverageFeatures(target: Target, query: CoverageQuery) -> (members: [(String, GeoJSONProperty)], features: [GeoJSONExport.Feature]) {
            let (asOf, year) = engine.resolve(plan: plan, query: query)
            let key = "coverage|\(target.id)|\(year)|\(asOf)|\(query.by.rawValue)"
            typealias Layer = (members: [(String, GeoJSONProperty)], features: [GeoJSONExport.Feature])
            if let known = cacheLock.withLock({ derived[key] as? Layer }) { return known }
            let layer: Layer = engineLock.withLock {
                GeoJSONExport.coverageFeatures(engine: engine, plan: plan, target: target, query: query)
            }
            cacheLock.withLock {
                if derived.count > 64 { derived = derived.filter { !$0.key.hasPrefix("coverage|") } }
                derived[key] = layer
            }
            return layer
        }

        /// Runs `body` with the engine, alone.
        func withEngine<T>(_ body: (CoverageEngine) throws -> T) rethrows -> T {
            try engineLock.withLock { try body(engine) }
        }
    }

    /// The load for the store as it is now: the one in memory when no import has been recorded since. While
    /// another thread loads a newer one, the previous load answers (unless `waitForLoad`), so reads never wait for
    /// a load they did not start.
    func current(store: any RegistryStore, waitForLoad: Bool = false) throws -> Loaded {
        let version = try store.lastImportNumber()
        let known = lock.withLock { loaded }
        if let known, known.version == version { return known }
        if let known, !waitForLoad, !loading.try() { return known }
        if known == nil || waitForLoad { loading.lock() }
        defer { loading.unlock() }
        let base = lock.withLock { loaded }
        if let base, base.version == version { return base }
        let fresh = try store.read {
            let version = try store.lastImportNumber()
            if let base, base.version < version, let updated = try base.updated(store: store, to: version) {
                Trace.mark("coverage inputs: updated from import \(base.version) to \(version)")
                return updated
            }
            Trace.mark("coverage inputs: loading at import \(version)")
            return Loaded(version: version, plan: plan, engine: try CoverageEngine(store: store, for: plan))
        }
        lock.withLock { loaded = fresh }
        return fresh
    }
}

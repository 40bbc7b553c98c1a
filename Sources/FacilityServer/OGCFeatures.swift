import FacilityCoverage
import FacilityFormats
import FacilityGeometry
import FacilityMapKit
import FacilityModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// OGC API – Features – Part 1: Core (OGC 17-069r4) under `/ogc`, beside the JSON API and from the same reads: the
/// facilities through the registry's `FacilitySelection` (keyset pages, the spatial index), units and coverage from
/// the coverage inputs the server keeps in memory. GeoJSON only, CRS84 only (what the registry stores).
struct OGCFeatures: Sendable {
    let registry: ServedRegistry
    let api: API

    static let root = "/ogc"
    /// Items per page unless `limit` says otherwise, and the most `limit` may ask (stated in the OpenAPI document).
    static let defaultLimit = 100
    static let maximumLimit = 10_000
    static let crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    ]

    // MARK: Addresses

    /// The address the client used to reach the server (behind a proxy, the one it gives in `X-Forwarded-*`).
    static func base(_ request: Request) -> String {
        let forwardedProto = HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] }
        let forwardedHost = HTTPField.Name("X-Forwarded-Host").flatMap { request.headers[$0] }
        let host = forwardedHost ?? request.head.authority ?? "127.0.0.1"
        let scheme = (forwardedProto ?? "http").split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "http"
        return "\(scheme)://\(host)\(root)"
    }

    static func link(_ href: String, _ rel: String, _ type: String, _ title: String? = nil) -> String {
        var members = [("href", JSONText.string(href)), ("rel", JSONText.string(rel)), ("type", JSONText.string(type))]
        if let title { members.append(("title", JSONText.string(title))) }
        return JSONText.object(members)
    }

    static func answer(_ text: String, type: String = "application/json") -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Refuses a parameter the operation does not define (/req/core/query-param-unknown).
    static func only(_ query: API.Query, _ known: Set<String>) throws {
        for key in query.parameters.keys.sorted() where !known.contains(key) {
            throw APIError(.badRequest, "the parameter \(key) is not one of this operation's: \(known.sorted().joined(separator: ", ")) — see \(root)/api")
        }
        if let format = query["f"], !["json", "geojson"].contains(format.lowercased()) {
            throw APIError(.badRequest, "f=\(format) is not a format served here: use json (GeoJSON for items)")
        }
    }

    // MARK: Landing, conformance, API

    func landing(_ request: Request) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        let base = Self.base(request)
        return Self.answer(JSONText.object([
            ("title", JSONText.string(registry.plan.plan + " — FacilityMap")),
            ("description", JSONText.string("The facility registry and its coverage against the plan, as OGC API – Features.")),
            ("links", "[" + [
                Self.link(base, "self", "application/json", "this document"),
                Self.link(base + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
                Self.link(base + "/api.html", "service-doc", "text/html", "the API documentation"),
                Self.link(base + "/conformance", "conformance", "application/json", "the classes this server conforms to"),
                Self.link(base + "/collections", "data", "application/json", "the collections"),
            ].joined(separator: ",\n") + "]"),
        ]) + "\n")
    }

    func conformance(_ request: Request) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        return Self.answer(JSONText.object([("conformsTo", "[" + Self.conformance.map(JSONText.string).joined(separator: ", ") + "]")]) + "\n")
    }

    func documentation(_ request: Request) async throws -> Response {
        try await api.checkRead(request)
        let base = Self.base(request)
        let page = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>FacilityMap — OGC API – Features</title></head>
            <body><h1>OGC API – Features</h1>
            <p>The registry as OGC API – Features – Part 1: Core (GeoJSON, CRS84). The definition: <a href="\(base)/api">\(base)/api</a> (OpenAPI 3.0, JSON).</p>
            <ul><li><a href="\(base)/collections">\(base)/collections</a>: the collections (facilities, units by level, each target's coverage)</li>
            <li>\(base)/collections/{collectionId}/items?limit=&amp;bbox=&amp;datetime=: features, GeoJSON, paged by <code>next</code> links</li>
            <li>\(base)/collections/{collectionId}/items/{featureId}: one feature</li></ul>
            <p>QGIS: Layer → Add Layer → Add WFS / OGC API – Features Layer, the address <code>\(base)</code>. GDAL: <code>ogrinfo OAPIF:\(base)</code>.</p>
            </body></html>
            """
        return Self.answer(page, type: "text/html; charset=utf-8")
    }

    // MARK: Collections

    /// A collection this server offers: the facilities, one unit level, or one target's coverage.
    enum Collection: Equatable {
        case facilities
        case units(UnitLevel)
        case coverage(Target)

        var id: String {
            switch self {
            case .facilities: "facilities"
            case .units(let level): Self.levelCollection(level)
            case .coverage(let target): "coverage-" + target.id
            }
        }

        static func levelCollection(_ level: UnitLevel) -> String {
            switch level {
            case .city: "cities"
            case .district: "districts"
            case .township: "townships"
            case .community: "communities"
            case .village: "villages"
            }
        }
    }

    /// The collections as the registry stands: facilities, each unit level that holds units, each target's coverage.
    func collections(_ loaded: CoverageCache.Loaded) -> [Collection] {
        let levels = Set(loaded.units.map(\.level))
        return [.facilities] + UnitLevel.allCases.filter(levels.contains).map(Collection.units)
            + registry.plan.targets.map(Collection.coverage)
    }

    func collection(named id: String, _ loaded: CoverageCache.Loaded) throws -> Collection {
        guard let found = collections(loaded).first(where: { $0.id == id }) else {
            throw APIError(.notFound, "no collection \(id) — see \(Self.root)/collections")
        }
        return found
    }

    func describe(_ collection: Collection, _ loaded: CoverageCache.Loaded, base: String) -> String {
        let href = base + "/collections/" + collection.id
        var members: [(String, String)] = [("id", JSONText.string(collection.id))]
        let box: BoundingBox?
        var temporal: (Day?, Day?)?
        switch collection {
        case .facilities:
            members.append(("title", JSONText.string("Facilities")))
            members.append(("description", JSONText.string("Every registered facility (kindergartens, schools, hospitals, clinics, elderly care…) with its fields; `datetime` selects those open on a day or in an interval.")))
            box = loaded.facilityBox
            temporal = loaded.facilityDays
        case .units(let level):
            members.append(("title", JSONText.string(level.rawValue.capitalized + " units")))
            members.append(("description", JSONText.string("Administrative units of level \(level.rawValue): polygons where stored, else points.")))
            box = loaded.unitBox(level)
        case .coverage(let target):
            members.append(("title", JSONText.string(target.title)))
            members.append(("description", JSONText.string("Coverage of \(target.id) (\(target.metric.rawValue)) for the next goal year, as `export geojson --layer coverage` gives it; `year` and `as_of` choose another.")))
            box = loaded.unitBox(nil)
        }
        var extent: [(String, String)] = []
        if let box {
            extent.append(("spatial", JSONText.object([
                ("bbox", "[[\(JSONText.value(box.minLon)), \(JSONText.value(box.minLat)), \(JSONText.value(box.maxLon)), \(JSONText.value(box.maxLat))]]"),
                ("crs", JSONText.string(Self.crs84)),
            ])))
        }
        if let (first, last) = temporal {
            extent.append(("temporal", JSONText.object([
                ("interval", "[[\(first.map { JSONText.string($0.description + "T00:00:00Z") } ?? "null"), \(last.map { JSONText.string($0.description + "T00:00:00Z") } ?? "null")]]"),
                ("trs", JSONText.string("http://www.opengis.net/def/uom/ISO-8601/0/Gregorian")),
            ])))
        }
        members += [
            ("extent", JSONText.object(extent)), ("itemType", JSONText.string("feature")),
            ("crs", "[" + JSONText.string(Self.crs84) + "]"), ("storageCrs", JSONText.string(Self.crs84)),
            ("links", "[" + [
                Self.link(href, "self", "application/json", "this collection"),
                Self.link(href + "/items", "items", "application/geo+json", "the features"),
                Self.link(href + "/schema", "describedby", "application/schema+json", "the features' properties and their types"),
            ].joined(separator: ",\n") + "]"),
        ]
        return JSONText.object(members)
    }

    func collectionsPage(_ request: Request) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        let base = Self.base(request)
        let text = try await registry.withEngine { loaded in
            JSONText.object([
                ("links", "[" + Self.link(base + "/collections", "self", "application/json", "this document") + "]"),
                ("collections", "[" + collections(loaded).map { describe($0, loaded, base: base) }.joined(separator: ",\n") + "]"),
            ])
        }
        return Self.answer(text + "\n")
    }

    func collectionPage(_ request: Request, id: String) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        let base = Self.base(request)
        let text = try await registry.withEngine { loaded in
            describe(try collection(named: id, loaded), loaded, base: base)
        }
        return Self.answer(text + "\n")
    }

    // MARK: Items

    /// The items' filters as the request gives them.
    struct ItemsQuery {
        var limit = OGCFeatures.defaultLimit
        var box: BoundingBox?
        var from: Day?, to: Day?
        var kind: FacilityKind?
        var level: String?
        var within: String?
        var after: String?, before: String?

        static let known: Set<String> = ["f", "limit", "bbox", "datetime", "kind", "level", "in", "after", "before", "year", "as_of"]

        /// What only the facilities can be filtered by, refused elsewhere rather than ignored.
        func facilitiesOnly(_ collection: String) throws {
            for (name, given) in [("datetime", from != nil || to != nil), ("kind", kind != nil), ("level", level != nil)] where given {
                throw APIError(.badRequest, "\(name) filters facilities: \(collection) takes limit, bbox, in (and year, as_of for coverage)")
            }
        }

        init(_ query: API.Query) throws {
            try OGCFeatures.only(query, Self.known)
            if let text = query["limit"] {
                guard let value = Int(text), value >= 1 else {
                    throw APIError(.badRequest, "limit=\(text) is not a count from 1 to \(OGCFeatures.maximumLimit)")
                }
                limit = min(value, OGCFeatures.maximumLimit)
            }
            if let text = query["bbox"] {
                let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite == true }) else {
                    throw APIError(.badRequest, "bbox=\(text) is not four numbers: west,south,east,north in degrees (CRS84)")
                }
                let n = numbers.map { $0! }
                let (w, s, e, north) = n.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
                guard s <= north else { throw APIError(.badRequest, "bbox=\(text): its south edge lies north of its north edge") }
                // A box across the antimeridian: this registry lies in one hemisphere, so west > east takes all longitudes.
                box = w <= e ? BoundingBox(minLon: w, minLat: s, maxLon: e, maxLat: north)
                             : BoundingBox(minLon: -180, minLat: s, maxLon: 180, maxLat: north)
            }
            if let text = query["datetime"] {
                func day(_ part: Substring) throws -> Day? {
                    if part == ".." || part.isEmpty { return nil }
                    guard part.count >= 10, let day = Day(parsing: String(part.prefix(10))) else {
                        throw APIError(.badRequest, "datetime=\(text) is not an RFC 3339 date or interval (2025-06-01, 2020-01-01/2025-12-31, ../2025-12-31)")
                    }
                    return day
                }
                let parts = text.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count <= 2 else { throw APIError(.badRequest, "datetime=\(text) is not a date or one interval") }
                from = try day(parts[0])
                to = parts.count == 2 ? try day(parts[1]) : from
                if let from, let to, from > to { throw APIError(.badRequest, "datetime=\(text): the interval ends before it starts") }
            }
            if let text = query["kind"] {
                guard let value = FacilityKind(argument: text) else {
                    throw APIError(.badRequest, "kind=\(text) is not a facility kind — see `facilitymap kinds`")
                }
                kind = value
            }
            level = query["level"]
            within = query["in"]
            after = query["after"]
            before = query["before"]
            if after != nil && before != nil { throw APIError(.badRequest, "after and before together: page one way at a time") }
        }
    }

    /// A page of features and how to go on: the features' JSON members, the keys of its first and last, and whether
    /// there are more either way.
    struct Page {
        var features: [(id: GeoJSONProperty, properties: [(String, GeoJSONProperty)], geometry: Geometry?)] = []
        var first: String?, last: String?
        var hasNext = false, hasPrevious = false
        var matched: Int
        var members: [(String, GeoJSONProperty)] = []
    }

    func items(_ request: Request, id: String) async throws -> Response {
        try await api.checkRead(request)
        let query = try API.Query(request)
        let filters = try ItemsQuery(query)
        let coverageQuery = try query.coverage(plan: registry.plan)
        let base = Self.base(request)
        let (chosen, unitPage) = try await registry.withEngine { loaded -> (Collection, Page?) in
            let named = try collection(named: id, loaded)
            switch named {
            case .facilities: return (named, nil)
            case .units(let level):
                try filters.facilitiesOnly(named.id)
                return (named, try unitsPage(loaded, level: level, filters))
            case .coverage(let target):
                try filters.facilitiesOnly(named.id)
                return (named, try coveragePage(loaded, target: target, query: coverageQuery, filters))
            }
        }
        let page: Page
        if let unitPage { page = unitPage } else { page = try await facilitiesPage(filters) }
        let here = base + "/collections/" + chosen.id + "/items"
        func address(_ change: [String: String?]) -> String {
            var parameters = query.parameters
            for (key, value) in change { parameters[key] = value }
            parameters["limit"] = String(filters.limit)
            let text = parameters.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
                guard !value.isEmpty else { return nil }
                return key + "=" + (value.addingPercentEncoding(withAllowedCharacters: Self.queryValue) ?? value)
            }.joined(separator: "&")
            return here + (text.isEmpty ? "" : "?" + text)
        }
        var links = [Self.link(address([:]), "self", "application/geo+json", "this page"),
                     Self.link(base + "/collections/" + chosen.id, "collection", "application/json", "the collection")]
        if page.hasNext, let last = page.last { links.append(Self.link(address(["after": last, "before": nil]), "next", "application/geo+json", "the next page")) }
        if page.hasPrevious, let first = page.first { links.append(Self.link(address(["before": first, "after": nil]), "prev", "application/geo+json", "the previous page")) }
        let stamp = ISO8601DateFormatter().string(from: Date())
        let writer = try GeoJSONWriter(path: GeoJSONWriter.memory, foreignMembers: page.members + [
            ("timeStamp", .string(stamp)), ("numberMatched", .int(page.matched)), ("numberReturned", .int(page.features.count)),
            ("links", .raw("[" + links.joined(separator: ",\n") + "]")),
        ])
        for feature in page.features { try writer.write(id: feature.id, properties: feature.properties, geometry: feature.geometry) }
        try writer.finish()
        return Response(status: .ok, headers: [.contentType: "application/geo+json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: writer.written)))
    }

    static let queryValue: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return allowed
    }()

    /// One page of facilities through the registry's keyset read (one more than `limit` tells whether another follows).
    func facilitiesPage(_ filters: ItemsQuery) async throws -> Page {
        var selection = FacilitySelection(kind: filters.kind, level: filters.level, within: filters.within, box: filters.box, openFrom: filters.from,
                                          openTo: filters.to, after: filters.after, before: filters.before, limit: filters.limit + 1)
        let within = filters.within
        return try await registry.read { store in
            if let within, try !store.containsUnit(code: within) {
                throw APIError(.notFound, "no unit with code \(within) in the registry — see \(OGCFeatures.root)/collections")
            }
            var facilities: [Facility] = []
            try store.forEachFacility(selection) { facilities.append($0) }
            var page = Page(matched: try OGCFeatures.matched(store, selection))
            let more = facilities.count > filters.limit
            if more { if filters.before != nil { facilities.removeFirst() } else { facilities.removeLast() } }
            page.hasNext = filters.before != nil || more
            page.hasPrevious = filters.before != nil ? more : filters.after != nil
            page.first = facilities.first?.id
            page.last = facilities.last?.id
            page.features = facilities.map { (.string($0.id), GeoJSONExport.allProperties(of: $0), .point($0.location)) }
            selection.limit = nil
            return page
        }
    }

    /// Counts of facilities by registry, version and filters: paging through 3,000,000 counts once.
    private static let counts = NIOLockedValueBox([String: Int]())

    static func matched(_ store: any RegistryStore, _ selection: FacilitySelection) throws -> Int {
        // By registry (several may be served in one process, as the tests do), its version and the filters.
        let key = "\(store.location)|\(try store.lastImportNumber())|\(selection.unpaged)"
        if let known = counts.withLockedValue({ $0[key] }) { return known }
        // Without a place or days to filter by, the registry's own count (its kind index) answers.
        let plain = selection.within == nil && selection.level == nil && selection.box == nil && selection.openFrom == nil && selection.openTo == nil
        let count = plain ? try store.facilityCount(kind: selection.kind) : try store.facilityCount(selection)
        counts.withLockedValue {
            if $0.count > 256 { $0.removeAll() }
            $0[key] = count
        }
        return count
    }

    /// Units of `level` from the coverage inputs, by code (bytes), filtered and paged as the facilities are.
    func unitsPage(_ loaded: CoverageCache.Loaded, level: UnitLevel, _ filters: ItemsQuery) throws -> Page {
        try loaded.withUnits { units in
            var indices = units.indices.filter { units[$0].level == level }
            if let within = filters.within {
                guard let subtree = loaded.subtree(of: within) else {
                    throw APIError(.notFound, "no unit with code \(within) in the registry — see \(OGCFeatures.root)/collections")
                }
                indices = indices.filter { subtree.contains($0) }
            }
            if let box = filters.box { indices = indices.filter { Self.intersects(units[$0], box) } }
            let ordered = indices.map { (code: units[$0].code, index: $0) }.sorted { Array($0.code.utf8).lexicographicallyPrecedes(Array($1.code.utf8)) }
            return Self.page(ordered, filters) { i in
                let unit = units[i]
                return (.string(unit.code), GeoJSONExport.allUnitProperties(unit), GeoJSONExport.geometry(of: unit))
            }
        }
    }

    /// One target's coverage features (as `export geojson --layer coverage`), by code, filtered and paged.
    func coveragePage(_ loaded: CoverageCache.Loaded, target: Target, query: CoverageQuery, _ filters: ItemsQuery) throws -> Page {
        let (members, features) = loaded.coverageFeatures(target: target, query: query)
        var kept = features
        if let within = filters.within {
            guard let subtree = loaded.subtree(of: within) else {
                throw APIError(.notFound, "no unit with code \(within) in the registry — see \(OGCFeatures.root)/collections")
            }
            let codes = loaded.withUnits { units in Set(subtree.map { units[$0].code }) }
            kept = kept.filter { codes.contains($0.code) }
        }
        if let box = filters.box { kept = kept.filter { $0.box.map { $0.intersects(box) } ?? false } }
        let ordered = kept.enumerated().map { (code: $1.code, index: $0) }.sorted { Array($0.code.utf8).lexicographicallyPrecedes(Array($1.code.utf8)) }
        var page = Self.page(ordered, filters) { i in (.string(kept[i].code), kept[i].properties, kept[i].geometry) }
        page.members = members
        return page
    }

    static func intersects(_ unit: AdministrativeUnit, _ box: BoundingBox) -> Bool {
        if let boundary = unit.boundary { return boundary.boundingBox.intersects(box) }
        return unit.location.map(box.contains) ?? false
    }

    /// The page of `ordered` (sorted by code) that `filters`' keyset and limit choose.
    static func page(_ ordered: [(code: String, index: Int)], _ filters: ItemsQuery,
                     feature: (Int) -> (GeoJSONProperty, [(String, GeoJSONProperty)], Geometry?)) -> Page {
        func precedes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        var start = 0, end = ordered.count
        if let after = filters.after { start = ordered.firstIndex { precedes(after, $0.code) } ?? ordered.count }
        if let before = filters.before {
            end = ordered.firstIndex { !precedes($0.code, before) } ?? ordered.count
            start = max(0, end - filters.limit)
        } else {
            end = min(ordered.count, start + filters.limit)
        }
        var page = Page(matched: ordered.count)
        let slice = ordered[start..<end]
        page.features = slice.map { feature($0.index) }
        page.first = slice.first?.code
        page.last = slice.last?.code
        page.hasNext = end < ordered.count
        page.hasPrevious = start > 0
        return page
    }

    // MARK: One feature

    func item(_ request: Request, collection id: String, feature featureID: String) async throws -> Response {
        try await api.checkRead(request)
        let query = try API.Query(request)
        try Self.only(query, ["f", "year", "as_of"])
        let coverageQuery = try query.coverage(plan: registry.plan)
        let base = Self.base(request)
        let found = try await registry.withEngine { loaded -> (Collection, (GeoJSONProperty, [(String, GeoJSONProperty)], Geometry?)?) in
            let named = try collection(named: id, loaded)
            switch named {
            case .facilities: return (named, nil)
            case .units(let level):
                let unit = loaded.withUnits { $0.first { $0.code == featureID && $0.level == level } }
                return (named, unit.map { (.string($0.code), GeoJSONExport.allUnitProperties($0), GeoJSONExport.geometry(of: $0)) })
            case .coverage(let target):
                let feature = loaded.coverageFeatures(target: target, query: coverageQuery).features.first { $0.code == featureID }
                return (named, feature.map { (.string($0.code), $0.properties, $0.geometry) })
            }
        }
        var feature = found.1
        if found.0 == .facilities {
            feature = try await registry.read { try $0.facility(id: featureID) }
                .map { (.string($0.id), GeoJSONExport.allProperties(of: $0), .point($0.location)) }
        }
        guard let feature else {
            throw APIError(.notFound, "no feature \(featureID) in \(id) — see \(Self.root)/collections/\(id)/items")
        }
        let href = base + "/collections/" + id + "/items/" + (featureID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? featureID)
        let links = "[" + [Self.link(href, "self", "application/geo+json", "this feature"),
                           Self.link(base + "/collections/" + id, "collection", "application/json", "the collection")].joined(separator: ",\n") + "]"
        let text = try GeoJSONWriter.feature(id: feature.0, properties: feature.1, geometry: feature.2, members: [("links", .raw(links))])
        return Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension OGCFeatures {
    /// The OpenAPI 3.0 document of the OGC API part (`service-desc`): its paths, parameters (with `limit`'s default
    /// and maximum, which QGIS reads) and answers.
    func openAPI(_ request: Request) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        let base = Self.base(request)
        func parameter(_ name: String, _ place: String, _ schema: String, _ description: String, required: Bool = false, explode: Bool? = nil) -> String {
            var members = [("name", JSONText.string(name)), ("in", JSONText.string(place)), ("required", required ? "true" : "false"),
                           ("description", JSONText.string(description)), ("schema", schema)]
            if let explode { members += [("style", JSONText.string("form")), ("explode", explode ? "true" : "false")] }
            return JSONText.object(members)
        }
        let string = #"{"type": "string"}"#
        let parameters = JSONText.object([
            ("collectionId", parameter("collectionId", "path", string, "facilities, a unit level (districts, townships, communities, villages) or coverage-TARGET", required: true)),
            ("featureId", parameter("featureId", "path", string, "a facility's id or a unit's code", required: true)),
            ("limit", parameter("limit", "query", #"{"type": "integer", "minimum": 1, "maximum": \#(Self.maximumLimit), "default": \#(Self.defaultLimit)}"#,
                                "Features per page (larger asks are cut to the maximum).", explode: false)),
            ("bbox", parameter("bbox", "query", #"{"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}"#,
                               "west,south,east,north in degrees (CRS84).", explode: false)),
            ("datetime", parameter("datetime", "query", string, "A day or an interval (RFC 3339; `..` an open end): the facilities open then.", explode: false)),
            ("kind", parameter("kind", "query", string, "Facilities of this kind (hospital, 幼儿园, …).")),
            ("level", parameter("level", "query", string, "Facilities of this grade (一级, 二级甲等, …).")),
            ("in", parameter("in", "query", string, "Features in this unit's subtree (a unit code).")),
            ("after", parameter("after", "query", string, "The page after this id or code (the `next` link's).")),
            ("before", parameter("before", "query", string, "The page before this id or code (the `prev` link's).")),
            ("year", parameter("year", "query", #"{"type": "integer"}"#, "Coverage collections: the goal year (default: the next).")),
            ("as_of", parameter("as_of", "query", #"{"type": "string", "format": "date"}"#, "Coverage collections: the day facilities are counted on.")),
            ("f", parameter("f", "query", #"{"type": "string", "enum": ["json", "geojson"]}"#, "The format (JSON, GeoJSON for items).")),
        ])
        func ref(_ name: String) -> String { ##"{"$ref": "#/components/parameters/\##(name)"}"## }
        func answers(_ type: String, _ description: String, notFound: Bool = false) -> String {
            var members = [("200", JSONText.object([("description", JSONText.string(description)),
                                                    ("content", JSONText.object([(type, #"{"schema": {"type": "object"}}"#)]))])),
                           ("400", #"{"description": "A parameter this operation does not take, or a bad value."}"#),
                           ("401", #"{"description": "A private registry: send Authorization: Bearer TOKEN."}"#)]
            if notFound { members.append(("404", #"{"description": "No such collection or feature."}"#)) }
            return JSONText.object(members)
        }
        func get(_ id: String, _ summary: String, _ parameters: [String], _ responses: String) -> String {
            JSONText.object([("get", JSONText.object([("operationId", JSONText.string(id)), ("summary", JSONText.string(summary)),
                                                      ("parameters", "[" + parameters.map(ref).joined(separator: ", ") + "]"),
                                                      ("responses", responses)]))])
        }
        let paths = JSONText.object([
            ("/", get("getLandingPage", "The landing page", ["f"], answers("application/json", "Links to the API, conformance and data."))),
            ("/conformance", get("getConformance", "The conformance classes", ["f"], answers("application/json", "The classes."))),
            ("/api", get("getAPI", "This document", ["f"], answers("application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0."))),
            ("/collections", get("getCollections", "The collections", ["f"], answers("application/json", "Every collection."))),
            ("/collections/{collectionId}", get("describeCollection", "One collection", ["collectionId", "f"],
                                                answers("application/json", "The collection.", notFound: true))),
            ("/collections/{collectionId}/items", get("getFeatures", "A page of features", ["collectionId", "limit", "bbox", "datetime", "kind", "level", "in", "after", "before", "year", "as_of", "f"],
                                                      answers("application/geo+json", "A FeatureCollection with links to the next and previous pages.", notFound: true))),
            ("/collections/{collectionId}/items/{featureId}", get("getFeature", "One feature", ["collectionId", "featureId", "year", "as_of", "f"],
                                                                  answers("application/geo+json", "The feature.", notFound: true))),
        ])
        let document = JSONText.object([
            ("openapi", JSONText.string("3.0.3")),
            ("info", JSONText.object([("title", JSONText.string("FacilityMap — OGC API – Features")), ("version", JSONText.string("1.0.0")),
                                      ("description", JSONText.string("The facility registry as OGC API – Features – Part 1: Core."))])),
            ("servers", "[" + JSONText.object([("url", JSONText.string(base))]) + "]"),
            ("paths", paths),
            ("components", JSONText.object([("parameters", parameters)])),
        ])
        return Self.answer(document + "\n", type: "application/vnd.oai.openapi+json;version=3.0")
    }
}

extension OGCFeatures {
    /// Each collection's properties and their JSON types, for the `describedby` schema GDAL and QGIS read to type
    /// their fields (without it they guess from the first page: a count null there would become text).
    func fields(of collection: Collection) -> [(String, String)] {
        let unit = [("code", "string"), ("name", "string"), ("level", "string"), ("parent", "string"), ("population", "integer")]
        switch collection {
        case .facilities:
            return [("id", "string"), ("name", "string"), ("kind", "string"), ("kind_zh", "string"), ("unit", "string")]
                + FacilityCount.allCases.map { ($0.rawValue, "integer") }
                + [("inclusive", "boolean"), ("level", "string"), ("opened", "date"), ("closed", "date")]
        case .units:
            return unit
        case .coverage(let target):
            switch target.metric {
            case .unitCoverage:
                let along = target.isNetwork ? [("network_m", "number"), ("network_min", "number"), ("off_network", "boolean")] : []
                return unit + [("covered", "boolean"), ("nearest_m", "number"), ("facility_count", "integer")] + along
            case .access: return unit + [("people", "number"), ("access", "number"), ("met", "boolean")]
            default:
                return unit + [("numerator", "number"), ("denominator", "number"), ("actual", "number"), ("goal", "number"),
                               ("met", "boolean"), ("shortfall", "number"), ("note", "string")]
            }
        }
    }

    /// `/collections/{id}/schema`: a JSON Schema of the collection's features (their `properties`' types).
    func schema(_ request: Request, id: String) async throws -> Response {
        try await api.checkRead(request)
        try Self.only(try API.Query(request), ["f"])
        let base = Self.base(request)
        let text = try await registry.withEngine { loaded -> String in
            let collection = try collection(named: id, loaded)
            let properties = fields(of: collection).map { name, type -> (String, String) in
                type == "date" ? (name, #"{"type": ["string", "null"], "format": "date"}"#) : (name, #"{"type": ["\#(type)", "null"]}"#)
            }
            return JSONText.object([
                ("$schema", JSONText.string("https://json-schema.org/draft/2019-09/schema")),
                ("$id", JSONText.string(base + "/collections/" + id + "/schema")),
                ("title", JSONText.string(id)), ("type", JSONText.string("object")),
                ("required", #"["type", "geometry", "properties"]"#),
                ("properties", JSONText.object([
                    ("type", #"{"type": "string", "enum": ["Feature"]}"#),
                    ("id", #"{"type": "string"}"#),
                    ("geometry", #"{"type": "object"}"#),
                    ("properties", JSONText.object([("type", JSONText.string("object")), ("properties", JSONText.object(properties))])),
                ])),
            ])
        }
        return Self.answer(text + "\n", type: "application/schema+json")
    }
}

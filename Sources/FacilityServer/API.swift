import FacilityCoverage
import FacilityMapKit
import Foundation
import Hummingbird
import NIOCore

/// The API's handlers: parse the query as the command line parses its options, call FacilityMapKit, answer JSON.
struct API: Sendable {
    let registry: ServedRegistry
    let configuration: RegistryServer.Configuration

    enum Layer: String { case facilities, units }

    static let index = """
        {"name": "FacilityMap registry API", "openapi": "docs/openapi.yaml",
         "paths": ["GET /api/facilities?kind=&in=&after=&limit=", "GET /api/facilities/{id}", "GET /api/facilities/{id}/history",
                   "POST /api/facilities?file=&crs=&encoding=&sheet=&header_row=&strict= (body: the CSV, workbook, GeoJSON or zipped Shapefile; Authorization: Bearer TOKEN)",
                   "GET /api/units?level=&in=&after=&limit=", "GET /api/units/{code}",
                   "POST /api/units?file=&level=&crs=&encoding=&sheet=&header_row=&strict= (body: the GeoJSON, CSV, workbook or zipped Shapefile; Authorization: Bearer TOKEN)",
                   "GET /api/coverage?year=&as_of=&by=&target=", "GET /api/map?year=&as_of=&by=&target=&facilities=",
                   "GET /api/tiles/{z}/{x}/{y}.png?as_of=&year=&target=&hide=&uncovered=&v=", "GET /api/plan",
                   "GET /ogc", "GET /ogc/conformance", "GET /ogc/api", "GET /ogc/api.html", "GET /ogc/collections",
                   "GET /ogc/collections/{collectionId}", "GET /ogc/collections/{collectionId}/schema",
                   "GET /ogc/collections/{collectionId}/items?limit=&bbox=&datetime=&kind=&level=&in=&after=&before=",
                   "GET /ogc/collections/{collectionId}/items/{featureId}",
                   "GET /api/layers/facilities.geojson?kind=&in=&crs=", "GET /api/layers/units.geojson?in=&crs=",
                   "GET /api/layers/coverage.geojson?target=&year=&as_of=&by=&crs=",
                   "GET /api/stats", "GET /api/imports", "GET /api/token"]}

        """

    // MARK: Query parameters

    struct Query {
        let parameters: [String: String]

        init(parameters: [String: String]) {
            self.parameters = parameters
        }

        init(_ request: Request) throws {
            var parameters: [String: String] = [:]
            for (key, value) in request.uri.queryParameters {
                let key = String(key)
                if parameters[key] != nil { throw APIError(.badRequest, "the parameter \(key) is given twice — give it once") }
                parameters[key] = String(value)
            }
            self.parameters = parameters
        }

        subscript(_ key: String) -> String? {
            parameters[key].flatMap { $0.isEmpty ? nil : $0 }
        }

        func kind() throws -> FacilityKind? {
            guard let text = self["kind"] else { return nil }
            guard let kind = FacilityKind(argument: text) else {
                throw APIError(.badRequest, "kind=" + FacilityKind.unknownMessage(text))
            }
            return kind
        }

        func level() throws -> UnitLevel? {
            guard let text = self["level"] else { return nil }
            guard let level = UnitLevel(argument: text) else {
                throw APIError(.badRequest, "level=\(text) is not a level: use city, district (county), township, community or village")
            }
            return level
        }

        func limit() throws -> Int {
            guard let text = self["limit"] else { return 100 }
            guard let limit = Int(text), (1...10_000).contains(limit) else {
                throw APIError(.badRequest, "limit=\(text) is not a whole number from 1 to 10000")
            }
            return limit
        }

        func flag(_ key: String) throws -> Bool {
            guard let text = self[key] else { return false }
            guard let value = YesNo.parse(text) else { throw APIError(.badRequest, "\(key)=\(text) is not yes or no: use \(YesNo.shown)") }
            return value
        }

        func crs(output: Bool) throws -> CoordinateSystem {
            guard let text = self["crs"] else { return .wgs84 }
            guard let system = CoordinateSystem(argument: text), !(output && system == .cgcs2000) else {
                throw APIError(.badRequest, output
                    ? "crs=\(text) is not an output coordinate system: use wgs84, gcj02 or bd09"
                    : "crs=\(text) is not known: use wgs84, cgcs2000, gcj02 or bd09")
            }
            return system
        }

        func encoding() throws -> EncodingChoice {
            guard let text = self["encoding"] else { return .auto }
            guard let choice = EncodingChoice(argument: text) else {
                throw APIError(.badRequest, "encoding=\(text) is not known: use auto, utf-8 or gb18030")
            }
            return choice
        }

        /// `sheet` and `header_row`: which sheet of an uploaded workbook, and where its header is.
        func workbook() throws -> WorkbookOptions {
            var options = WorkbookOptions(sheet: self["sheet"])
            if let text = self["header_row"] {
                guard let row = Int(text), (1...1_048_576).contains(row) else {
                    throw APIError(.badRequest, "header_row=\(text) is not a row number from 1 to 1048576")
                }
                options.headerRow = row
            }
            return options
        }

        /// `year`, `as_of`, `by` and `target`, checked as `coverage` checks its options.
        func coverage(plan: TargetPlan, targetRequired: Bool = false) throws -> CoverageQuery {
            var year: Int?
            if let text = self["year"] {
                guard let value = Int(text), (1900...2200).contains(value) else {
                    throw APIError(.badRequest, "year=\(text) is not a plausible year")
                }
                year = value
            }
            var asOf: Day?
            if let text = self["as_of"] {
                guard text.count == 10, let day = Day(parsing: text) else {
                    throw APIError(.badRequest, "as_of=\(text) is not a date: write YYYY-MM-DD")
                }
                asOf = day
            }
            let byText = self["by"] ?? "district"
            guard let by = UnitLevel(argument: byText), [.city, .district, .township].contains(by) else {
                throw APIError(.badRequest, "by=\(byText) is not an area level: use city, district or township")
            }
            var target = self["target"]
            if let text = target {
                guard let named = plan.target(named: text) else { throw APIError(.badRequest, "target=" + plan.unknownTargetMessage(text)) }
                target = named.id
            }
            if targetRequired && target == nil { target = plan.targets.first?.id }
            return CoverageQuery(year: year, asOf: asOf, by: by, targetID: target)
        }
    }

    // MARK: Tokens

    /// The token the request carries (`Authorization: Bearer SECRET`), or nil when it carries none.
    /// An unknown secret is 401.
    func token(_ request: Request) async throws -> WriteToken? {
        guard request.headers[.authorization] != nil else { return nil }
        guard let secret = Self.bearerSecret(request) else {
            throw unauthorized("the Authorization header must be `Bearer TOKEN` — make a token with `facilitymap token add`")
        }
        let hash = TokenSecret.hash(secret)
        guard let token = try await registry.read({ try $0.token(sha256: hash) }) else {
            throw unauthorized("the token is not known to this registry (removed, or made for another store) — ask for a new one")
        }
        if token.hasExpired(today: Self.today()) {
            throw unauthorized("the token \(token.name) expired on \(token.expiresOn ?? "") — ask for a new one")
        }
        registry.noteUse(of: token)
        AccessLog.noteToken(token.name)
        return token
    }

    /// Today in UTC, YYYY-MM-DD: tokens expire after their last day.
    static func today() -> String {
        String(ISO8601DateFormatter().string(from: Date()).prefix(10))
    }

    /// The secret of an `Authorization: Bearer SECRET` header.
    static func bearerSecret(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, message)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"FacilityMap\""
        return error
    }

    /// With `--private`, every read needs a known token.
    func checkRead(_ request: Request) async throws {
        guard configuration.privateReads else { return }
        guard try await token(request) != nil else {
            throw unauthorized("this registry is private: send `Authorization: Bearer TOKEN`")
        }
    }

    // MARK: Reads

    func facilities(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let query = try Query(request)
        let kind = try query.kind(), limit = try query.limit(), within = query["in"], after = query["after"]
        let (page, known) = try await registry.read { store -> ([Facility], Bool) in
            if let within, try !store.containsUnit(code: within) { return ([], false) }
            return (try store.facilities(kind: kind, within: within, after: after, limit: limit + 1), true)
        }
        if !known { throw APIError(.notFound, "no unit with code \(within ?? "") in the registry — see /api/units") }
        let shown = page.prefix(limit)
        let next = page.count > limit ? JSONText.string(shown.last!.id) : "null"
        return RegistryServer.json("{\"facilities\": [" + shown.map(RegistryText.json).joined(separator: ",\n")
                                   + "],\n\"next\": \(next)}\n")
    }

    func facility(_ request: Request, id: String) async throws -> Response {
        try await checkRead(request)
        guard let facility = try await registry.read({ try $0.facility(id: id) }) else {
            throw APIError(.notFound, "no facility with id \(id) in the registry — see /api/facilities")
        }
        return RegistryServer.json(RegistryText.json(facility) + "\n")
    }

    /// Whether the request carries a known token (401 for an unknown one): only then do import records keep the
    /// server's paths and accounts.
    func holdsToken(_ request: Request) async throws -> Bool {
        try await token(request) != nil
    }

    func history(_ request: Request, id: String) async throws -> Response {
        try await checkRead(request)
        let holder = try await holdsToken(request)
        guard var changes = try await registry.read({ try $0.history(facilityID: id) }) else {
            throw APIError(.notFound, "no facility with id \(id) in the registry — see /api/facilities")
        }
        if !holder { for i in changes.indices { changes[i].importRecord = changes[i].importRecord.withoutHostDetails } }
        return RegistryServer.json(RegistryText.historyJSON(id: id, changes) + "\n")
    }

    func units(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let query = try Query(request)
        let level = try query.level(), limit = try query.limit(), within = query["in"], after = query["after"]
        let page = try await registry.read { store -> [AdministrativeUnit]? in
            if let within, try !store.containsUnit(code: within) { return nil }
            return try store.units(level: level, within: within, after: after, limit: limit + 1)
        }
        guard let page else { throw APIError(.notFound, "no unit with code \(within ?? "") in the registry — see /api/units") }
        let shown = page.prefix(limit)
        let next = page.count > limit ? JSONText.string(shown.last!.code) : "null"
        return RegistryServer.json("{\"units\": [" + shown.map(RegistryText.json).joined(separator: ",\n") + "],\n\"next\": \(next)}\n")
    }

    func unit(_ request: Request, code: String) async throws -> Response {
        try await checkRead(request)
        guard let unit = try await registry.read({ try $0.unit(code: code) }) else {
            throw APIError(.notFound, "no unit with code \(code) in the registry — see /api/units")
        }
        return RegistryServer.json(RegistryText.json(unit) + "\n")
    }

    func coverage(_ request: Request) async throws -> Response {
        try await checkRead(request)
        return Self.answer(try await registry.coverageJSON(try Query(request).coverage(plan: registry.plan)), to: request)
    }

    /// The map page's data. `target=ID`: that target's areas and uncovered units only (the others' totals);
    /// `facilities=tiles`: no facilities (the page draws them from `/api/tiles`).
    func map(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let parsed = try Query(request)
        var query = try parsed.coverage(plan: registry.plan)
        let only = query.targetID
        query.targetID = nil
        let facilities = parsed["facilities"] ?? "all"
        guard ["all", "tiles"].contains(facilities) else {
            throw APIError(.badRequest, "facilities=\(facilities) is not a choice: use all or tiles")
        }
        return Self.answer(try await registry.mapJSON(query, only: only, tiled: facilities == "tiles"), to: request)
    }

    /// `/api/tiles/Z/X/Y.png`: a 256-pixel PNG of the facilities open on the day (`as_of`, else `year`'s as for
    /// coverage), kinds in `hide` (comma-separated) left out, `target`'s kinds drawn larger and, with
    /// `uncovered=true`, its uncovered units as crosses. Cached by the browser for an hour when `v` is the registry's
    /// import number (the map data's `version`), not at all otherwise.
    func tile(_ request: Request, z: String, x: String, y: String) async throws -> Response {
        try await checkRead(request)
        let name = y.hasSuffix(".png") ? String(y.dropLast(4)) : y
        guard let z = Int(z), let x = Int(x), let y = Int(name), (0...22).contains(z), x >= 0, y >= 0, x < 1 << z, y < 1 << z else {
            throw APIError(.notFound, "no tile \(z)/\(x)/\(y): zoom 0 to 22, x and y from 0 to 2^zoom − 1 — /api/tiles/Z/X/Y.png")
        }
        let parsed = try Query(request)
        var query = try parsed.coverage(plan: registry.plan)
        let target = query.targetID.flatMap { registry.plan.target(named: $0) }
        query.targetID = nil
        var hidden = Set<UInt8>()
        for name in (parsed["hide"] ?? "").split(separator: ",") {
            guard let kind = FacilityKind(rawValue: String(name)) else {
                throw APIError(.badRequest, "hide=\(name) is not a facility kind — see /api/plan and `facilitymap kinds`")
            }
            hidden.insert(UInt8(kind.ordinal))
        }
        let uncovered = try parsed.flag("uncovered")
        guard let png = try await registry.tile(z: z, x: x, y: y, query: query, target: target, hidden: hidden, uncovered: uncovered) else {
            throw APIError(.notFound, "no tile \(z)/\(x)/\(y)")
        }
        let current = try await registry.read { try $0.lastImportNumber() }
        let fresh = parsed["v"] == String(current)
        let headers: HTTPFields = [.contentType: "image/png", .cacheControl: fresh ? "private, max-age=3600" : "no-store"]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
    }

    /// A kept answer, gzipped when the client accepts it and it is large enough to gain.
    static func answer(_ cached: CachedAnswer, to request: Request) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .vary: "Accept-Encoding"]
        let accepts = request.headers[values: .acceptEncoding].joined(separator: ",").lowercased()
            .split(separator: ",").contains { coding in
                let parts = coding.replacingOccurrences(of: " ", with: "").split(separator: ";")
                return parts.first == "gzip" && !parts.dropFirst().contains { $0 == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000" }
            }
        if accepts && cached.plain.readableBytes > 8192 {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: cached.gzipped))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: cached.plain))
    }

    func plan(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let plan = registry.plan
        let targets = plan.targets.map { t in
            JSONText.object([("id", JSONText.string(t.id)), ("title", JSONText.string(t.title)),
                             ("metric", JSONText.string(t.metric.rawValue)),
                             ("goals", JSONText.object(t.goals.sorted { $0.key < $1.key }.map { (String($0.key), JSONText.value($0.value)) }))])
        }
        let years = Set(plan.targets.flatMap { $0.goals.keys }).sorted()
        return RegistryServer.json(JSONText.object([
            ("plan", JSONText.string(plan.plan)), ("area", JSONText.value(plan.area)),
            ("years", "[" + years.map(String.init).joined(separator: ",") + "]"),
            ("targets", "[" + targets.joined(separator: ",\n") + "]"),
        ]) + "\n")
    }

    func stats(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let holder = try await holdsToken(request)
        return RegistryServer.json(try await registry.read { store in
            var stats = try StoreStats(store: store)
            if !holder { stats.importLog = stats.importLog.map(\.withoutHostDetails) }
            return stats.json
        })
    }

    func imports(_ request: Request) async throws -> Response {
        try await checkRead(request)
        let holder = try await holdsToken(request)
        return RegistryServer.json(try await registry.read { store in
            let log = try store.importLog()
            return RegistryText.importLogJSON(holder ? log : log.map(\.withoutHostDetails))
        })
    }

    /// The token's holder and scope: lets the page check a token before an upload.
    func whoAmI(_ request: Request) async throws -> Response {
        guard let token = try await token(request) else {
            throw unauthorized("send `Authorization: Bearer TOKEN` to see what the token may write")
        }
        return RegistryServer.json(RegistryText.json(token) + "\n")
    }

    // MARK: GeoJSON layers

    func layer(_ request: Request, name: String) async throws -> Response {
        try await checkRead(request)
        let query = try Query(request)
        let system = try query.crs(output: true)
        let within = query["in"]
        if let within, try await !registry.read({ try $0.containsUnit(code: within) }) {
            throw APIError(.notFound, "no unit with code \(within) in the registry — see /api/units")
        }
        let produce: @Sendable (String) throws -> Void
        switch name {
        case "facilities.geojson", "facilities":
            let kind = try query.kind()
            produce = { [registry] path in
                let store = try RegistryLocation.open(registry.storePath)
                defer { store.close() }
                try GeoJSONExport(store: store, outputPath: path, coordinateSystem: system).facilities(kind: kind, within: within)
            }
        case "units.geojson", "units":
            produce = { [registry] path in
                let store = try RegistryLocation.open(registry.storePath)
                defer { store.close() }
                try GeoJSONExport(store: store, outputPath: path, coordinateSystem: system).units(within: within)
            }
        case "coverage.geojson", "coverage":
            let coverageQuery = try query.coverage(plan: registry.plan, targetRequired: true)
            guard let target = registry.plan.targets.first(where: { $0.id == coverageQuery.targetID }) else {
                throw APIError(.unprocessableContent, "the plan has no targets")
            }
            let loaded = try await registry.withEngine { $0 }
            produce = { [registry] path in
                let store = try RegistryLocation.open(registry.storePath)
                defer { store.close() }
                try loaded.withEngine { engine in
                    _ = try GeoJSONExport(store: store, outputPath: path, coordinateSystem: system)
                        .coverage(engine: engine, plan: registry.plan, target: target, query: coverageQuery)
                }
            }
        default:
            throw APIError(.notFound, "no layer \(name): use facilities.geojson, units.geojson or coverage.geojson")
        }
        return Response(status: .ok, headers: [.contentType: "application/geo+json; charset=utf-8"],
                        body: registry.stream(produce))
    }

    // MARK: Uploads

    func upload(_ request: Request, context: RegistryRequestContext, layer: Layer) async throws -> Response {
        guard let token = try await token(request) else {
            throw unauthorized("uploads need a token: send `Authorization: Bearer TOKEN` (made with `facilitymap token add`)")
        }
        var query = try Query(request)
        _ = (try query.crs(output: false), try query.encoding(), try query.flag("strict"), try query.workbook(),
             layer == .units ? try query.level() : nil)
        if layer == .units && !(token.unit == nil && token.kinds.isEmpty) {
            throw APIError(.forbidden, "the token \(token.name) may write \(RegistryText.scope(of: token)); only a token for every kind everywhere may upload units")
        }
        let contentType = request.headers[.contentType] ?? ""
        let isForm = contentType.lowercased().hasPrefix("multipart/form-data")
        if contentType.lowercased().hasPrefix("multipart/") && !isForm {
            throw APIError(.unsupportedMediaType, "\(contentType.split(separator: ";")[0]) is not taken: send the file itself as the body, or a multipart/form-data form")
        }
        let boundary = isForm ? try MultipartForm.boundary(of: contentType) : nil
        var name = Self.fileName(query["file"], layer: layer)
        // A browser's form is parsed as it streams in: only its file part is saved (as `.part`, named below).
        let form = boundary.map(MultipartForm.init(boundary:))
        var upload = try await Upload.receive(request.body, name: isForm ? ".part" : name, limit: configuration.maxUploadBytes,
                                              declaredLength: request.headers[.contentLength].flatMap(Int.init),
                                              minimumRate: configuration.minimumUploadRate, grace: configuration.uploadGraceSeconds,
                                              form: form)
        if let form {
            // The file part is the upload; the form's text fields fill in what the query does not give.
            do {
                name = Self.fileName(query["file"] ?? form.fileName, layer: layer)
                upload = try upload.renamed(name)
                query = Query(parameters: form.fields.merging(query.parameters) { $1 })
            } catch {
                upload.remove()
                throw error
            }
        }
        let system = try query.crs(output: false), encoding = try query.encoding(), strict = try query.flag("strict")
        let workbook = try query.workbook()
        let level = layer == .units ? try query.level() : nil
        let (saved, sourceName) = (upload, name)
        defer { saved.remove() }
        do {
            // The token is looked up again inside the import's transaction: one removed meanwhile commits nothing.
            let hash = TokenSecret.hash(Self.bearerSecret(request) ?? "")
            let stillKnown: @Sendable (any RegistryStore) throws -> Void = { [token] store in
                guard try store.token(sha256: hash) != nil else {
                    throw APIError(.unauthorized, "the token \(token.name) was removed while its upload came in — nothing was imported; ask for a new token")
                }
            }
            var units = UnitImporter(level: level, coordinateSystem: system, encoding: encoding, strict: strict)
            units.commitCheck = stillKnown
            units.author = token.name
            units.sourceName = sourceName
            units.geometryLimits = configuration.geometryLimits
            units.workbook = workbook
            // A GeoJSON's polygons are read, checked and repaired before the write, on a thread of their own: the
            // writer (and every other bureau's upload) never waits for GEOS.
            let prepared = layer == .units ? try await registry.prepare { [units] in try units.prepare(path: saved.path) } : nil
            let summary = try await registry.write { [units] store -> ImportSummary in
                switch layer {
                case .facilities:
                    var importer = FacilityImporter(coordinateSystem: system, encoding: encoding, strict: strict)
                    importer.commitCheck = stillKnown
                    importer.author = token.name
                    importer.sourceName = sourceName
                    importer.workbook = workbook
                    if token.unit != nil || !token.kinds.isEmpty { importer.scope = try WriteScope(token: token, store: store) }
                    return try importer.run(path: saved.path, into: store)
                case .units:
                    return try units.run(path: saved.path, into: store, prepared: prepared)
                }
            }
            let status: HTTPResponse.Status = summary.committed && summary.rejected == 0 ? .ok : .unprocessableContent
            return RegistryServer.json(saved.named(RegistryText.json(summary, layer: layer.rawValue)), status: status)
        } catch {
            let api = APIError.from(error)
            throw APIError(api.status, saved.named(api.message))
        }
    }

    /// The name an upload goes by in messages and the import log: the `file` parameter's last path component.
    static func fileName(_ given: String?, layer: Layer) -> String {
        let base = (given ?? "").split(separator: "/").last.map(String.init) ?? ""
        // At most 200 bytes of UTF-8, cut between characters (a file name may have 255 bytes: 200 Chinese
        // characters are 600).
        var clean = ""
        var bytes = 0
        for character in String(String.UnicodeScalarView(base.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\\" })) {
            bytes += character.utf8.count
            if bytes > 200 { break }
            clean.append(character)
        }
        if clean.isEmpty || clean == "." || clean == ".." { return layer == .facilities ? "upload.csv" : "upload.geojson" }
        return clean
    }
}

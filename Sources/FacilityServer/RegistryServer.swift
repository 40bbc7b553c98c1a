import FacilityCoverage
import FacilityMapKit
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `facilitymap serve`: the registry over HTTP — a JSON API, GeoJSON layers, uploads with write tokens, and the
/// coverage page at `/`. Every answer comes from the same FacilityMapKit use cases as the command line.
public struct RegistryServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 takes any free port (`onReady` is told which).
        public var port = 8080
        /// Reads need a token too.
        public var privateReads = false
        /// The largest upload taken; a larger one gets 413.
        public var maxUploadBytes = 512 << 20
        /// What an uploaded units file's polygons may hold and spend (422 naming the feature beyond them).
        public var geometryLimits = GeometryLimits()
        /// A connection that sends nothing for this long is closed (a stalled client).
        public var idleTimeoutSeconds: Int64 = 60
        /// An upload slower than `minimumUploadRate` bytes a second after `uploadGraceSeconds` gets 408.
        public var minimumUploadRate: Double = 10_000
        public var uploadGraceSeconds: Double = 60
        /// Where each request's line goes (`AccessLog`); nil writes none.
        public var accessLog: AccessLog?
        /// Log only what stops the server (the tests stop it by cancelling, which Hummingbird logs as errors).
        public var quiet = false
        /// XYZ tiles under the page's map (`--basemap`); nil: none.
        public var basemap: Basemap?

        public init() {}
    }

    public let registry: ServedRegistry
    public let configuration: Configuration

    public init(registry: ServedRegistry, configuration: Configuration) {
        self.registry = registry
        self.configuration = configuration
    }

    /// The router with every route; the tests call it through a real server as well.
    func router() -> Router<RegistryRequestContext> {
        let router = Router(context: RegistryRequestContext.self)
        // A private registry's page names nothing of it before sign-in.
        let page = RegistryPage.html(title: configuration.privateReads ? "FacilityMap" : registry.plan.plan, basemap: configuration.basemap)
        if let accessLog = configuration.accessLog { router.add(middleware: AccessLogMiddleware(log: accessLog)) }
        router.add(middleware: HTTPHygieneMiddleware<RegistryRequestContext>(
            pageScriptHashes: pageScriptHashes(of: page), imageSources: [try? configuration.basemap?.cspSource()].compactMap { $0 ?? nil }))
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: LoginThrottleMiddleware(throttle: LoginThrottle()))
        let api = API(registry: registry, configuration: configuration)
        // The page in the language the browser asks for first (`Accept-Language`); the reader may pick another on it.
        let pages = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, CoverageMap.withLanguage(page, $0)) })
        let chosen: @Sendable (Request) -> Response = { request in
            let language = request.headers[.acceptLanguage].flatMap(Language.accepted) ?? .en
            var response = Self.html(pages[language] ?? page)
            response.headers[.vary] = "Accept-Language"
            return response
        }
        router.read("/") { request, _ in chosen(request) }
        router.read("/index.html") { request, _ in chosen(request) }
        router.read("/api") { request, _ in
            try await api.checkRead(request)
            return Self.json(API.index)
        }
        router.read("/api/facilities") { request, _ in try await api.facilities(request) }
        router.post("/api/facilities") { request, context in try await api.upload(request, context: context, layer: .facilities) }
        router.read("/api/facilities/:id") { request, context in try await api.facility(request, id: try Self.parameter("id", context)) }
        router.read("/api/facilities/:id/history") { request, context in
            try await api.history(request, id: try Self.parameter("id", context))
        }
        router.read("/api/units") { request, _ in try await api.units(request) }
        router.post("/api/units") { request, context in try await api.upload(request, context: context, layer: .units) }
        router.read("/api/units/:code") { request, context in try await api.unit(request, code: try Self.parameter("code", context)) }
        router.read("/api/coverage") { request, _ in try await api.coverage(request) }
        router.read("/api/map") { request, _ in try await api.map(request) }
        // OGC API – Features (OGCFeatures): the same reads for GIS clients (QGIS, GDAL, ArcGIS, OWSLib).
        let ogc = OGCFeatures(registry: registry, api: api)
        router.read("/ogc") { request, _ in try await ogc.landing(request) }
        router.read("/ogc/conformance") { request, _ in try await ogc.conformance(request) }
        router.read("/ogc/api") { request, _ in try await ogc.openAPI(request) }
        router.read("/ogc/api.html") { request, _ in try await ogc.documentation(request) }
        router.read("/ogc/collections") { request, _ in try await ogc.collectionsPage(request) }
        router.read("/ogc/collections/:collection") { request, context in
            try await ogc.collectionPage(request, id: try Self.parameter("collection", context))
        }
        router.read("/ogc/collections/:collection/schema") { request, context in
            try await ogc.schema(request, id: try Self.parameter("collection", context))
        }
        router.read("/ogc/collections/:collection/items") { request, context in
            try await ogc.items(request, id: try Self.parameter("collection", context))
        }
        router.read("/ogc/collections/:collection/items/:feature") { request, context in
            try await ogc.item(request, collection: try Self.parameter("collection", context), feature: try Self.parameter("feature", context))
        }
        router.read("/api/tiles/:z/:x/:y") { request, context in
            try await api.tile(request, z: try Self.parameter("z", context), x: try Self.parameter("x", context), y: try Self.parameter("y", context))
        }
        router.read("/api/plan") { request, _ in try await api.plan(request) }
        router.read("/api/stats") { request, _ in try await api.stats(request) }
        router.read("/api/imports") { request, _ in try await api.imports(request) }
        router.read("/api/token") { request, _ in try await api.whoAmI(request) }
        router.read("/api/layers/:layer") { request, context in try await api.layer(request, name: try Self.parameter("layer", context)) }
        return router
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight and returns. `onReady` gets the port.
    public func run(onReady: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "facilitymap")
        logger.logLevel = configuration.quiet ? .critical
            : ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let app = Application(
            router: router(),
            server: .guardedHTTP1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "FacilityMap"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await app.runService()
        } catch {
            await registry.shutdown()
            throw error
        }
        await registry.shutdown()
    }

    /// A path parameter as the client meant it: percent-decoded (`%E6%B5%8B%E8%AF%95%201` is `测试 1`, `A%2FB` is
    /// `A/B`); 400 when its escapes are not UTF-8.
    static func parameter(_ name: String, _ context: RegistryRequestContext) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError(.badRequest, "the path holds \(raw), whose %-escapes are not UTF-8 — percent-encode the id's UTF-8 bytes")
        }
        return decoded
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}

extension Router {
    /// GET `path`, and HEAD answered by the same handler (`HTTPHygieneMiddleware` sends HEAD's headers without the body).
    @discardableResult
    func read(_ path: RouterPath, use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator) -> Self {
        on(path, method: .get, use: handler)
        return on(path, method: .head, use: handler)
    }
}

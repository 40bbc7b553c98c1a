import ArgumentParser
import FacilityMapKit
import FacilityServer
import Foundation
import Synchronization

struct Serve: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.serve").text(),
        discussion: """
            Open http://HOST:PORT/ for the coverage map, the per-target table and the upload form; the API is under \
            /api (docs/openapi.yaml). Reads need no token unless --private; uploads need a token made with \
            `facilitymap token add`. Stops cleanly on SIGTERM or SIGINT (requests in flight are finished).
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp(Message("option.a-targets-yaml-file-default-the-built-in-luoyang").text(), valueName: "file"))
    var targets: String?
    @Option(help: ArgumentHelp(Message("option.the-address-to-listen-on-0-0-0-0-for-every-inter").text())) var host: String = "127.0.0.1"
    @Option(help: ArgumentHelp(Message("option.the-port-0-any-free-port-printed-when-ready").text())) var port: Int = 8080
    @Flag(help: ArgumentHelp(Message("option.reads-need-a-token-too").text())) var `private` = false
    @Option(name: .customLong("max-upload-mb"), help: ArgumentHelp(Message("option.the-largest-upload-taken-in-mib").text())) var maxUploadMB: Int = 512
    @Option(name: .customLong("access-log"), help: ArgumentHelp(
        Message("option.append-the-access-log-a-line-a-request-time-addr").text(),
        valueName: "file"))
    var accessLog: String?
    @Flag(name: .customLong("no-access-log"), help: ArgumentHelp(Message("option.write-no-access-log").text())) var noAccessLog = false
    @OptionGroup(title: "Limits on uploaded units' polygons") var geometry: GeometryLimitOptions
    @OptionGroup(title: Message("option.group.basemap").text()) var basemap: BasemapOptions

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port \(port) is not a port: use 0 to 65535") }
        if maxUploadMB < 1 { throw ValidationError("--max-upload-mb must be at least 1") }
    }

    func run() throws {
        try storeOptions.requireExisting()
        let plan = try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022
        let registry = try ServedRegistry(storePath: storeOptions.path, plan: plan)
        var configuration = RegistryServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.privateReads = `private`
        configuration.maxUploadBytes = maxUploadMB << 20
        configuration.geometryLimits = geometry.limits
        configuration.basemap = try basemap.basemap()
        if !noAccessLog {
            do {
                configuration.accessLog = try accessLog.map { try AccessLog(path: $0) } ?? AccessLog()
            } catch let error as AccessLogError {
                printError("facilitymap: " + Message("serve.access-log-unwritable").text(error.path))
                throw Exit(status: 2)
            } catch {
                printError("facilitymap: \(error)")
                throw Exit(status: 2)
            }
        }
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            printError(Message("cli.plain-http").text(host))
        }
        let server = RegistryServer(registry: registry, configuration: configuration)
        let path = PostgresConnection.withoutPassword(storeOptions.path)
        let failure = ServeFailure()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { port in
                    print("serving \(path) at http://\(host):\(port)/ (Ctrl-C stops)")
                    fflush(stdout)
                }
            } catch {
                failure.error.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error.withLock({ $0 }) {
            printError("facilitymap serve: " + Message("cli.port-taken").text("\(error)", String(port)))
            throw Exit(status: 1)
        }
    }
}

/// What stopped the server's task, read after it signalled.
private final class ServeFailure: Sendable {
    let error = Mutex<(any Error)?>(nil)
}

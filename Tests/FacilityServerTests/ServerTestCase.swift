import FacilityMapKit
@testable import FacilityServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// Runs a real server on a loopback port over a copy of the Luoyang demo store, and talks to it over HTTP.
class ServerTestCase: XCTestCase {
    var folder: URL!
    var storePath: String { folder.appendingPathComponent("store.sqlite").path }
    /// The registry the server runs on: the SQLite copy, or (`PostGISServerTests`) a PostgreSQL address.
    var storeLocation: String { storePath }
    var base: URL!
    private var serverTask: Task<Void, Error>?

    /// The demo store, built once for all tests and copied for each.
    static let demoStore: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-server-demo-\(UUID().uuidString)")
        _ = try! Demo(folder: folder, year: 2025).run(log: { _ in })
        return folder.appendingPathComponent("facilitymap.sqlite")
    }()

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.demoStore.path, toPath: storePath)
    }

    override func tearDown() async throws {
        serverTask?.cancel()
        _ = try? await serverTask?.value
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts the server on a free port; `base` is its address.
    func startServer(plan: TargetPlan = .luoyang2022, _ configure: (inout RegistryServer.Configuration) -> Void = { _ in }) async throws {
        var configuration = RegistryServer.Configuration()
        configuration.port = 0
        configuration.quiet = true
        configure(&configuration)
        let server = RegistryServer(registry: try ServedRegistry(storePath: storeLocation, plan: plan), configuration: configuration)
        let port = AsyncStream<Int>.makeStream()
        serverTask = Task { try await server.run { port.continuation.yield($0) } }
        for await value in port.stream {
            base = URL(string: "http://127.0.0.1:\(value)")!
            break
        }
    }

    /// Adds a write token to the store and returns its secret.
    func addToken(name: String, kinds: [FacilityKind] = [], in unit: String? = nil) throws -> String {
        let secret = TokenSecret.generate()
        let store = try RegistryLocation.open(storeLocation)
        defer { store.close() }
        try store.update { try $0.addToken(WriteToken(name: name, kinds: kinds, unit: unit, createdAt: "2026-12-03T00:00:00Z"),
                                           sha256: TokenSecret.hash(secret)) }
        return secret
    }

    struct Answer {
        let status: Int
        let body: Data
        let headers: [String: String]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any { (try? JSONSerialization.jsonObject(with: body)) ?? [:] }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var error: String { object["error"] as? String ?? "" }
    }

    /// One request; `path` may hold a query (already percent-encoded).
    func request(_ path: String, method: String = "GET", body: Data? = nil, token: String? = nil,
                 headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                let http = response as! HTTPURLResponse
                var fields: [String: String] = [:]
                for (key, value) in http.allHeaderFields { fields[String(describing: key).lowercased()] = String(describing: value) }
                continuation.resume(returning: Answer(status: http.statusCode, body: data ?? Data(), headers: fields))
            }.resume()
        }
    }

    func upload(_ csv: String, to layer: String = "facilities", name: String, token: String?, query: String = "") async throws -> Answer {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        return try await request("/api/\(layer)?file=\(encoded)\(query)", method: "POST", body: Data(csv.utf8), token: token,
                                 headers: ["Content-Type": "text/csv"])
    }

    /// Sends `bytes` on a new TCP connection to the server and returns what comes back until the server closes
    /// the connection or `seconds` pass (a client that writes what it likes, as a broken or hostile one would).
    func raw(_ bytes: String, waitingUpTo seconds: Double) throws -> (answer: String, closedBy: Double?) {
        let (data, closedBy) = try rawExchange(bytes, waitingUpTo: seconds)
        return (String(decoding: data, as: UTF8.self), closedBy)
    }

    /// The bytes of the answer to `bytes`, until the server closes the connection.
    func rawBytes(_ bytes: String) throws -> Data {
        try rawExchange(bytes, waitingUpTo: 30).data
    }

    private func rawExchange(_ bytes: String, waitingUpTo seconds: Double) throws -> (data: Data, closedBy: Double?) {
        let fd = try connectRaw()
        defer { close(fd) }
        sendRaw(fd, bytes)
        let start = Date()
        let data = receiveRaw(fd, seconds: seconds)
        let elapsed = Date().timeIntervalSince(start)
        return (data, elapsed < seconds ? elapsed : nil)
    }

    /// A TCP connection to the server.
    func connectRaw() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(base.port!).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func sendRaw(_ fd: Int32, _ bytes: String) {
        _ = bytes.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives until the server closes the connection or `seconds` pass.
    func receiveRaw(_ fd: Int32, seconds: Double) -> Data {
        var received = [UInt8]()
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date().timeIntervalSince(start) < seconds {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received += buffer[..<n]; continue }
            if n == 0 { break }
        }
        return Data(received)
    }

    /// The store as it is now, opened by the test.
    func withStore<T>(_ body: (any RegistryStore) throws -> T) throws -> T {
        let store = try RegistryLocation.open(storeLocation)
        defer { store.close() }
        return try body(store)
    }
}

import Foundation
import XCTest

/// The README's HTTPS recipe (docs/nginx-facilitymap.conf) run as it is, ports and paths replaced: Debian's nginx
/// with a throw-away certificate in front of a real `facilitymap serve`, an upload with a token over HTTPS.
final class TLSProxyCLITests: XCTestCase {
    var folder: URL!
    var store: String { folder.appendingPathComponent("store.sqlite").path }
    var processes: [Process] = []

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for process in processes where process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": store])
    }

    /// A free port on the loopback address.
    func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func start(_ path: String, _ arguments: [String], stdout: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        return process
    }

    /// curl's answer: the HTTP status (0 when it could not connect) and the body.
    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl (Debian: curl, installed by Scripts/setup)")
        let pipe = Pipe()
        let process = try start("/usr/bin/curl", ["-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", "30"] + arguments, stdout: pipe)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func testAnUploadThroughTheREADMEsNginxRecipeOverHTTPSIsStored() throws {
        let nginx = try XCTUnwrap(["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "nginx is not installed (Scripts/setup installs Debian's nginx)")
        XCTAssertEqual(try run(["demo", "--out", "demo", "--year", "2025"]).status, 0)
        try FileManager.default.moveItem(atPath: folder.appendingPathComponent("demo/facilitymap.sqlite").path, toPath: store)
        let made = try run(["token", "add", "--name", "市卫健委"])
        let secret = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // A throw-away certificate for 127.0.0.1.
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        _ = try CLITests.tool(["/usr/bin/openssl"], ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                     "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                              missing: "openssl")

        // serve on a loopback port.
        let out = Pipe()
        _ = try start(CLITests.binary.path, ["serve", "--store", store, "--port", "0"], stdout: out)
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("\n") && Date() < deadline { seen += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self) }
        let servePort = try XCTUnwrap(seen.range(of: #"127\.0\.0\.1:([0-9]+)"#, options: .regularExpression)
            .map { Int(seen[$0].split(separator: ":")[1])! }, seen)

        // The recipe, as the README gives it, with this test's ports and files.
        let recipe = try String(contentsOf: CLITests.repository.appendingPathComponent("docs/nginx-facilitymap.conf"), encoding: .utf8)
        let httpsPort = freePort(), httpPort = freePort()
        var site = recipe
        for (old, new) in [("listen 443 ssl;", "listen 127.0.0.1:\(httpsPort) ssl;"), ("listen 80;", "listen 127.0.0.1:\(httpPort);"),
                           ("/etc/ssl/facilitymap/fullchain.pem", cert), ("/etc/ssl/facilitymap/privkey.pem", key),
                           ("proxy_pass http://127.0.0.1:8080;", "proxy_pass http://127.0.0.1:\(servePort);")] {
            XCTAssertTrue(site.contains(old), "the recipe has \(old)")
            site = site.replacingOccurrences(of: old, with: new)
        }
        let dir = folder.path
        let conf = """
            daemon off;
            master_process off;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log;
            events { worker_connections 64; }
            http {
                access_log \(dir)/access.log;
                client_body_temp_path \(dir)/body;
                proxy_temp_path \(dir)/proxy;
                fastcgi_temp_path \(dir)/fastcgi;
                uwsgi_temp_path \(dir)/uwsgi;
                scgi_temp_path \(dir)/scgi;
            \(site)
            }
            """
        try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
        let proxy = try start(nginx, ["-p", dir, "-c", dir + "/nginx.conf"])
        let base = "https://127.0.0.1:\(httpsPort)"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? curl(["--cacert", cert, base + "/api/plan"]).status) == 200
            if !ready { Thread.sleep(forTimeInterval: 0.1) }
        }
        XCTAssertTrue(ready, "nginx answers over HTTPS: \((try? String(contentsOfFile: dir + "/error.log", encoding: .utf8)) ?? "")")
        XCTAssertTrue(proxy.isRunning)

        let csv = folder.appendingPathComponent("tls.csv").path
        try "id,name,kind,lon,lat,unit,beds\nTLS-1,加密上报医院,hospital,112.43,34.67,410303001,120\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let upload = try curl(["--cacert", cert, "-H", "Authorization: Bearer \(secret)", "--data-binary", "@\(csv)",
                               base + "/api/facilities?file=tls.csv"])
        XCTAssertEqual(upload.status, 200, upload.body)
        let stored = try curl(["--cacert", cert, base + "/api/facilities/TLS-1"])
        XCTAssertEqual(stored.status, 200)
        XCTAssertTrue(stored.body.contains("加密上报医院"), stored.body)
        // The certificate is checked (no --cacert: refused), and plain HTTP only redirects to HTTPS.
        let unchecked = try start("/usr/bin/curl", ["-sS", "--max-time", "10", base + "/api/plan"])
        unchecked.waitUntilExit()
        XCTAssertNotEqual(unchecked.terminationStatus, 0, "curl refuses the throw-away certificate without --cacert")
        let plain = try curl(["http://127.0.0.1:\(httpPort)/api/plan"])
        XCTAssertEqual(plain.status, 301)
        // A refused token is throttled by the client's address that nginx passes on, not the proxy's.
        for _ in 0..<10 { _ = try curl(["--cacert", cert, "-H", "Authorization: Bearer fm_wrong", base + "/api/token"]) }
        XCTAssertEqual(try curl(["--cacert", cert, "-H", "Authorization: Bearer fm_wrong", base + "/api/token"]).status, 429)
    }
}

// A fresh PostgreSQL database for a test, shared by the test targets that run against PostGIS.
import FacilityPostGIS
import Foundation
import XCTest

/// A new database on the test server, dropped by `drop()`. The server: `FACILITYMAP_TEST_POSTGRES`, which
/// `Scripts/test` (the README's test command) and `.ci/run` set after `Scripts/postgres start`; else the address
/// `Scripts/postgres start` prints. `init` skips the test, saying why, when no server answers there.
public final class TestDatabase {
    public let url: String
    let name: String
    let admin: PostgresConnection

    public init() throws {
        let base = ProcessInfo.processInfo.environment["FACILITYMAP_TEST_POSTGRES"] ?? "postgresql://postgres@127.0.0.1:54329/facilitymap"
        do {
            admin = try PostgresConnection(url: base)
        } catch {
            throw XCTSkip("no PostgreSQL with PostGIS at \(base) (\(error)) — run the tests with Scripts/test, which starts one (Scripts/postgres start), or set FACILITYMAP_TEST_POSTGRES")
        }
        name = "fm_test_\(UUID().uuidString.prefix(8).lowercased())"
        try admin.execute("CREATE DATABASE \(name)")
        let slash = try XCTUnwrap(base.range(of: "/", options: .backwards))
        url = String(base[..<slash.upperBound]) + name
    }

    /// Ends every connection to the database from the server's side, as a restart of the server would.
    public func endConnections() throws {
        try admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name])
    }

    /// Drops the database, closing its connections.
    public func drop() {
        try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest
import Yams

/// docs/openapi.yaml against the running server: every documented operation is served, every served address is
/// documented, and the answers have the members the document requires.
final class OpenAPITests: ServerTestCase {
    static let document: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        let text = try! String(contentsOf: url, encoding: .utf8)
        return try! Yams.load(yaml: text) as! [String: Any]
    }()

    var paths: [String: [String: Any]] { Self.document["paths"] as! [String: [String: Any]] }

    /// `#/components/schemas/X` resolved.
    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String else { return schema }
        var node: Any = Self.document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as! [String: Any])[String(part)]! }
        return resolve(node as! [String: Any])
    }

    /// Checks that `value` has the members `schema` requires, recursively through objects and arrays.
    func check(_ value: Any, against schema: [String: Any], at path: String) {
        let schema = resolve(schema)
        if value is NSNull { return }
        if let required = schema["required"] as? [String] {
            guard let object = value as? [String: Any] else { return XCTFail("\(path): not an object") }
            for key in required { XCTAssertNotNil(object[key], "\(path): no member \(key)") }
        }
        if let properties = schema["properties"] as? [String: [String: Any]], let object = value as? [String: Any] {
            for (key, sub) in properties { if let member = object[key] { check(member, against: sub, at: "\(path).\(key)") } }
        }
        if let items = schema["items"] as? [String: Any], let array = value as? [Any] {
            for (i, item) in array.prefix(20).enumerated() { check(item, against: items, at: "\(path)[\(i)]") }
        }
    }

    func testEveryDocumentedOperationIsServedAndEveryServedAddressDocumented() async throws {
        try await startServer()
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        // The addresses the API lists for itself, without their query.
        let served = Set(API.index.components(separatedBy: "\"").filter { $0.hasPrefix("GET ") || $0.hasPrefix("POST ") }
            .map { $0.components(separatedBy: "?")[0].components(separatedBy: " (")[0] }
            .map { $0.replacingOccurrences(of: "/api/layers/facilities.geojson", with: "/api/layers/{layer}")
                .replacingOccurrences(of: "/api/layers/units.geojson", with: "/api/layers/{layer}")
                .replacingOccurrences(of: "/api/layers/coverage.geojson", with: "/api/layers/{layer}") })
        XCTAssertEqual(documented.subtracting(["GET /api"]), served)
        for operation in documented {
            let parts = operation.split(separator: " ")
            let path = String(parts[1]).replacingOccurrences(of: "{id}", with: "LY-HLT-000001")
                .replacingOccurrences(of: "{code}", with: "410303").replacingOccurrences(of: "{layer}", with: "units.geojson")
                .replacingOccurrences(of: "{z}/{x}/{y}", with: "9/415/203")
                .replacingOccurrences(of: "{collectionId}", with: "districts").replacingOccurrences(of: "{featureId}", with: "410303")
            let answer = try await request(path, method: String(parts[0]))
            XCTAssertFalse(answer.error.hasPrefix("no such address"), "\(operation) is served")
            let statuses = ((paths[String(parts[1])]?[String(parts[0]).lowercased()] as? [String: Any])?["responses"] as? [String: Any])?.keys
            XCTAssertTrue(statuses?.contains(String(answer.status)) == true, "\(operation) answered \(answer.status), which the document lists")
        }
    }

    func testAnswersHaveTheMembersTheDocumentRequires() async throws {
        let token = try addToken(name: "市卫健委")
        try await startServer()
        let reads = ["/api/facilities?limit=5": "/api/facilities", "/api/facilities/LY-HLT-000001": "/api/facilities/{id}",
                     "/api/facilities/LY-HLT-000001/history": "/api/facilities/{id}/history", "/api/units?limit=5": "/api/units",
                     "/api/units/410303": "/api/units/{code}", "/api/coverage?year=2025": "/api/coverage",
                     "/api/map?year=2023": "/api/map", "/api/plan": "/api/plan", "/api/stats": "/api/stats",
                     "/api/imports": "/api/imports", "/api/layers/units.geojson?in=410303": "/api/layers/{layer}"]
        for (address, path) in reads {
            let answer = try await request(address, token: token)
            XCTAssertEqual(answer.status, 200, address)
            let operation = paths[path]!["get"] as! [String: Any]
            let ok = (operation["responses"] as! [String: Any])["200"] as! [String: Any]
            let content = ok["content"] as! [String: [String: Any]]
            let (type, media) = content.first!
            XCTAssertTrue(answer.headers["content-type"]?.hasPrefix(type) == true, "\(address): \(answer.headers["content-type"] ?? "")")
            check(answer.json, against: media["schema"] as! [String: Any], at: address)
        }
        let me = try await request("/api/token", token: token)
        check(me.json, against: ["$ref": "#/components/schemas/Token"], at: "/api/token")
        let upload = try await upload("id,name,kind,lon,lat\nN1,新医院,hospital,112.43,34.67\nN2,坏,hospital,x,34.6\n", name: "a.csv", token: token)
        XCTAssertEqual(upload.status, 422)
        check(upload.json, against: ["$ref": "#/components/schemas/ImportSummary"], at: "upload")
        let error = try await request("/api/coverage?by=x")
        check(error.json, against: ["$ref": "#/components/schemas/Error"], at: "error")
    }
}

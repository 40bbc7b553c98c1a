import FacilityCoverage
import FacilityGeometry
import FacilityModel
import Foundation
import XCTest

/// Two-step floating catchment: by hand on a tiny case, against PySAL access on a small one, and through a target.
final class AccessTests: XCTestCase {
    func testTwoStepFloatingCatchmentByHand() {
        // Two villages of 1,000 and 3,000 people 1 km apart; a clinic with 8 beds beside the first reaches both
        // within 2 km, a hospital with 40 beds 5 km away reaches neither.
        let demand = [LonLat(112.0, 34.0), LonLat(112.0109, 34.0)]
        let supply = [LonLat(112.0001, 34.0), LonLat(112.06, 34.0)]
        let cost = GreatCircleCost(demand: demand, supply: supply, limit: 2_000)
        let (access, ratio) = TwoStepFloatingCatchment.access(people: [1_000, 3_000], supply: [8, 40], cost: cost, within: 2_000)
        XCTAssertEqual(ratio[0]!, 8.0 / 4_000, accuracy: 1e-15)
        XCTAssertNil(ratio[1], "no one in reach")
        XCTAssertEqual(access, [8.0 / 4_000, 8.0 / 4_000])
    }

    /// The same data through Swift and through PySAL access (`Tests/python/access_2sfca.py`), without and with a
    /// Gaussian decay: equal within 1e-9 relative.
    func testAgreesWithPySALAccess() throws {
        // A seeded spread: 60 demand points and 15 supply points over about 20 × 20 km.
        var state: UInt64 = 0x5eed_2026
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let demand = (0..<60).map { _ in LonLat(112.3 + next() * 0.22, 34.6 + next() * 0.18) }
        let people = (0..<60).map { _ in Double(200 + Int(next() * 5_000)) }
        let supply = (0..<15).map { _ in LonLat(112.3 + next() * 0.22, 34.6 + next() * 0.18) }
        let amount = (0..<15).map { _ in Double(5 + Int(next() * 300)) }
        let limit = 5_000.0, sigma = 2_000.0

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-2sfca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try ("id,people\n" + demand.indices.map { "d\($0),\(people[$0])" }.joined(separator: "\n") + "\n")
            .write(to: folder.appendingPathComponent("demand.csv"), atomically: true, encoding: .utf8)
        try ("id,amount\n" + supply.indices.map { "s\($0),\(amount[$0])" }.joined(separator: "\n") + "\n")
            .write(to: folder.appendingPathComponent("supply.csv"), atomically: true, encoding: .utf8)
        // Every pair's great-circle metres, as Swift computes them: the comparison is of the method, not the distance.
        var cost = "origin,dest,cost\n"
        for i in demand.indices { for j in supply.indices { cost += "d\(i),s\(j),\(haversineMetres(demand[i], supply[j]))\n" } }
        try cost.write(to: folder.appendingPathComponent("cost.csv"), atomically: true, encoding: .utf8)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/access_2sfca.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path, String(limit), String(sigma)]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 { throw XCTSkip(message.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(process.terminationStatus, 0, message)
        let pysal = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])

        let grid = GreatCircleCost(demand: demand, supply: supply, limit: limit)
        for (name, decay) in [("none", DistanceDecay.none), ("gaussian", DistanceDecay.gaussian(sigmaMetres: sigma))] {
            let swift = TwoStepFloatingCatchment.access(people: people, supply: amount, cost: grid, within: limit, decay: decay).access
            let theirs = try XCTUnwrap(pysal[name])
            var compared = 0
            for i in demand.indices {
                // PySAL leaves out the points nothing reaches; Swift gives them 0.
                guard let value = theirs["d\(i)"] as? Double else { XCTAssertEqual(swift[i], 0, "d\(i)"); continue }
                XCTAssertEqual(swift[i], value, accuracy: 1e-9 * max(abs(value), 1e-300), "\(name) d\(i)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 40, "most points reach something within 5 km")
            XCTAssertTrue(swift.contains { $0 > 0 })
        }
    }

    func testAnAccessTargetReportsBedsPerThousandWithinReachPerArea() throws {
        let units: [AdministrativeUnit] = [
            AdministrativeUnit(code: "410300", name: "市", level: .city),
            AdministrativeUnit(code: "410301", name: "甲区", level: .district, parent: "410300"),
            AdministrativeUnit(code: "410301001", name: "甲镇", level: .township, parent: "410301"),
            AdministrativeUnit(code: "410301001201", name: "一村", level: .village, parent: "410301001", population: 1_000, location: LonLat(112.0, 34.0)),
            AdministrativeUnit(code: "410301001202", name: "二村", level: .village, parent: "410301001", population: 3_000, location: LonLat(112.0109, 34.0)),
        ]
        let clinic = Facility(id: "c", name: "诊所", kind: .townshipHealthCenter, location: LonLat(112.0001, 34.0), unit: "410301001201", beds: 8)
        let target = Target(id: "beds-2sfca", title: "床位可达", metric: .access, kinds: [.townshipHealthCenter], withinMetres: 2_000,
                            field: .beds, per: 1_000, goals: [2025: 2.5])
        let plan = TargetPlan(plan: "测试", area: "410300", targets: [target])
        let engine = CoverageEngine(units: units, facilities: [clinic])
        let report = engine.report(plan: plan, query: CoverageQuery(year: 2025))
        // Everyone reaches 8 beds shared by 4,000 people: 2 per 1,000, short of 2.5 by 2 beds.
        XCTAssertEqual(report.targets[0].total.actual ?? 0, 2.0, accuracy: 1e-12)
        XCTAssertEqual(report.targets[0].total.met, false)
        XCTAssertEqual(report.targets[0].total.shortfall, 2)
        XCTAssertEqual(report.targets[0].areas.map(\.area.code), ["410301"])
        let perUnit = engine.unitAccess(of: target, plan: plan, query: CoverageQuery(year: 2025))
        XCTAssertEqual(perUnit.map(\.unit.code), ["410301001201", "410301001202"])
        XCTAssertEqual(perUnit[1].access, 2.0, accuracy: 1e-12)
    }
}

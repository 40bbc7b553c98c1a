import FacilityGEOS
import FacilityGeometry
import XCTest

final class PolygonRepairTests: XCTestCase {
    let square = Polygon(exterior: [LonLat(112.40, 34.60), LonLat(112.41, 34.60), LonLat(112.41, 34.61),
                                    LonLat(112.40, 34.61), LonLat(112.40, 34.60)])
    /// A figure eight: its ring crosses itself at (112.405, 34.605).
    let bowtie = Polygon(exterior: [LonLat(112.40, 34.60), LonLat(112.41, 34.61), LonLat(112.41, 34.60),
                                    LonLat(112.40, 34.61), LonLat(112.40, 34.60)])

    /// A ring of `teeth` zigzags out and back that crosses itself at every tooth (the 20,000-vertex upload).
    static func zigzag(teeth: Int) -> Polygon {
        var ring: [LonLat] = []
        for i in 0..<teeth { ring.append(LonLat(112.4 + 0.1 * Double(i) / Double(teeth), 34.6 + (i % 2 == 0 ? -0.01 : 0.01))) }
        for i in 0..<teeth { ring.append(LonLat(112.5 - 0.1 * Double(i) / Double(teeth), 34.6 + (i % 2 == 0 ? -0.012 : 0.012))) }
        ring.append(ring[0])
        return Polygon(exterior: ring)
    }

    func testAValidSquareIsValid() throws {
        let validity = try PolygonRepair().validity(of: MultiPolygon([square]))
        XCTAssertEqual(validity, PolygonValidity(isValid: true, reason: nil))
    }

    func testABowtieIsInvalidWithGEOSReasonAndRepairsIntoTwoTrianglesOfTheSameArea() throws {
        let repair = PolygonRepair()
        let validity = try repair.validity(of: MultiPolygon([bowtie]))
        XCTAssertFalse(validity.isValid)
        XCTAssertTrue(validity.reason?.hasPrefix("Self-intersection") ?? false, validity.reason ?? "nil")
        let repaired = try XCTUnwrap(try repair.makeValid(MultiPolygon([bowtie])))
        XCTAssertEqual(repaired.polygons.count, 2)
        XCTAssertTrue(try repair.validity(of: repaired).isValid)
        let area = repaired.polygons.map { abs(signedAreaSquareDegrees($0.exterior)) }.reduce(0, +)
        XCTAssertEqual(area, 0.00005, accuracy: 1e-12)  // two triangles, each a quarter of the 0.01° square
    }

    func testOneTriangleRepeated50000TimesRepairsToOneTriangleQuicklyAndInLittleMemory() throws {
        let triangle = Polygon(exterior: [LonLat(112.40, 34.60), LonLat(112.41, 34.60), LonLat(112.405, 34.61), LonLat(112.40, 34.60)])
        let repair = PolygonRepair(budget: GeometryBudget(seconds: 20, memoryBytes: 512 << 20))
        let many = MultiPolygon(Array(repeating: triangle, count: 50_000))
        XCTAssertFalse(try repair.validity(of: many).isValid)
        let repaired = try XCTUnwrap(try repair.makeValid(many))
        XCTAssertEqual(repaired.polygons.count, 1)
        XCTAssertEqual(abs(signedAreaSquareDegrees(repaired.polygons[0].exterior)), 0.00005, accuracy: 1e-12)
    }

    func testAZigzagRingOf20000VerticesRepairsInAFractionOfASecond() throws {
        let repair = PolygonRepair(budget: GeometryBudget(seconds: 10, memoryBytes: 512 << 20))
        let started = Date()
        let repaired = try XCTUnwrap(try repair.makeValid(MultiPolygon([Self.zigzag(teeth: 10_000)])))
        XCTAssertGreaterThan(repaired.polygons.count, 9_000)
        XCTAssertTrue(try repair.validity(of: repaired).isValid)
        // SpatiaLite's ST_MakeValid took 16 s here; GEOS's structure method well under one (a debug build).
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testAnExhaustedTimeBudgetInterruptsGEOSAndSaysWhich() throws {
        let repair = PolygonRepair(budget: GeometryBudget(seconds: 0.05, memoryBytes: 1 << 30))
        let big = MultiPolygon([Self.zigzag(teeth: 200_000)])
        let started = Date()
        XCTAssertThrowsError(try repair.makeValid(big)) { error in
            XCTAssertEqual((error as? GeometryBudgetExceeded)?.resource, .time, "\(error)")
            XCTAssertEqual("\(error)", "checking and repairing the polygons took more than 0.05 s")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "GEOS was not interrupted")
        // Spent is spent: the next call does not start.
        XCTAssertThrowsError(try repair.validity(of: MultiPolygon([square])))
        // Another repair on the same thread has its own budget, and GEOS is not left interrupted.
        XCTAssertTrue(try PolygonRepair().validity(of: MultiPolygon([square])).isValid)
    }

    func testAnExhaustedMemoryBudgetInterruptsGEOS() throws {
        let repair = PolygonRepair(budget: GeometryBudget(seconds: 60, memoryBytes: 1 << 20))
        XCTAssertThrowsError(try repair.makeValid(MultiPolygon([Self.zigzag(teeth: 200_000)]))) { error in
            XCTAssertEqual((error as? GeometryBudgetExceeded)?.resource, .memory, "\(error)")
        }
    }

    func testRepairsOnTwoThreadsKeepTheirOwnBudgets() throws {
        // One thread's spent budget interrupts its own work only.
        let group = DispatchGroup()
        let results = ResultBox()
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            let repair = PolygonRepair(budget: GeometryBudget(seconds: 0.02, memoryBytes: 1 << 30))
            results.set(0, Result { try repair.makeValid(MultiPolygon([Self.zigzag(teeth: 200_000)])) != nil })
        }
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            let repair = PolygonRepair(budget: GeometryBudget(seconds: 60, memoryBytes: 1 << 30))
            results.set(1, Result { try (0..<20).allSatisfy { _ in try repair.makeValid(MultiPolygon([Self.zigzag(teeth: 2_000)])) != nil } })
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertThrowsError(try results.get(0).get())
        XCTAssertEqual(try results.get(1).get(), true)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: Result<Bool, Error>] = [:]
    func set(_ key: Int, _ value: Result<Bool, Error>) { lock.withLock { values[key] = value } }
    func get(_ key: Int) -> Result<Bool, Error> { lock.withLock { values[key]! } }
}


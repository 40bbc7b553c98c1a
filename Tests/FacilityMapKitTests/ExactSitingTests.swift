import FacilityCoverage
@testable import FacilityMapKit
import XCTest

/// `suggest --exact`: GLPK's optimum against the greedy, on a case where the greedy is not optimal.
final class ExactSitingTests: XCTestCase {
    //  units 0…5; candidate 0 covers {0,1,2,3}, 1 covers {0,1,4}, 2 covers {2,3,5}: to cover all six the greedy takes 0
    //  (four at once) and then needs 1 and 2 as well; the optimum is 1 and 2.
    let sets = [[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]]
    let weights = [Double](repeating: 1, count: 6)

    func problem(needed: Int, maxNew: Int? = nil) -> SitingProblem {
        SitingProblem(area: UnitReference(code: "410301", name: "甲区"), sets: sets, needed: needed, maxNew: maxNew)
    }

    func testGLPKFindsTheOptimumTheGreedyMisses() throws {
        XCTAssertEqual(CoverageEngine.greedyCover(sets: sets, weights: weights, needed: 6), [0, 1, 2])
        let exact = try XCTUnwrap(try ExactSiting.solve(problem(needed: 6)), "Scripts/setup installs glpk-utils")
        XCTAssertEqual(exact.sorted(), [1, 2])
        // Four units: one site does it, both ways.
        XCTAssertEqual(try ExactSiting.solve(problem(needed: 4))?.count, 1)
        XCTAssertEqual(CoverageEngine.greedyCover(sets: sets, weights: weights, needed: 4), [0])
    }

    func testAnImpossibleCapAndATooLargeProblemAreSaidSo() throws {
        XCTAssertNil(try ExactSiting.solve(problem(needed: 6, maxNew: 1)), "no single site covers six units")
        let huge = SitingProblem(area: UnitReference(code: "1", name: "大"), sets: [Array(0..<(ExactSiting.maxNonZeros + 1))],
                                 needed: 1, maxNew: nil)
        XCTAssertThrowsError(try ExactSiting.solve(huge)) {
            XCTAssertTrue("\($0)".hasPrefix("--exact solves small cases: 大 (1) has 1 candidates reaching"), "\($0)")
        }
        let lp = ExactSiting.lp(problem(needed: 6, maxNew: 2))
        XCTAssertTrue(lp.hasPrefix("Minimize\n obj: x0 + x1 + x2\nSubject To\n c0: y0 - x0 - x1 <= 0\n"), lp)
        XCTAssertTrue(lp.contains(" need: y0 + y1 + y2 + y3 + y4 + y5 >= 6\n most: x0 + x1 + x2 <= 2\nBinary\n"), lp)
    }
}

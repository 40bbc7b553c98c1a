@testable import FacilityMapKit
import Foundation
import XCTest

final class CoverageWorkbookTests: XCTestCase {
    /// A plan of one count target over an empty registry: the total is 0 of 3, not met.
    func report(title: String) -> CoverageReport {
        let target = Target(id: "kindergartens", title: title, metric: .count, kinds: [.kindergarten], goals: [2025: 3])
        return CoverageEngine(units: [], facilities: [Facility]())
            .report(plan: TargetPlan(plan: "p", area: nil, targets: [target]), query: CoverageQuery(year: 2025))
    }

    func testASummaryRowPerTargetAndASheetNamedByItsTitle() throws {
        let report = report(title: "汇总")
        let sheets = CoverageWorkbook.sheets(report, language: .zh)
        XCTAssertEqual(sheets.map(\.name), ["汇总", "汇总 (2)"], "a title that is the summary's name gets a sheet of its own")
        let english = CoverageWorkbook.sheets(report, language: .en)
        XCTAssertEqual(english.map(\.name), ["Summary", "汇总"])
        XCTAssertEqual(english[0].header.first, "Target")
        XCTAssertEqual(english[0].rows.first?.cells[6], .text("NO"))
        let summary = try XCTUnwrap(sheets[0].rows.first)
        XCTAssertEqual(sheets[0].rows.count, 1)
        XCTAssertEqual(summary.cells[0], .text("kindergartens"))
        XCTAssertEqual(summary.cells[4], .number(3, .whole), "the goal, a count")
        XCTAssertEqual(summary.cells[5], .number(0, .whole))
        XCTAssertEqual(summary.cells[6], .text("未达标"))
        XCTAssertEqual(summary.cells[7], .number(3, .whole), "the shortfall")
        XCTAssertEqual(summary.cells[9], .text("汇总 (2)"), "the summary names the target's sheet")
        XCTAssertTrue(summary.highlighted)
        let total = try XCTUnwrap(sheets[1].rows.last)
        XCTAssertTrue(total.bold && total.highlighted)
        XCTAssertEqual(total.cells[2], .text("是"))
        // Through the formatter too: a workbook's bytes (a zip).
        XCTAssertEqual(Array(try CoverageFormatter.data(report, as: .xlsx).prefix(4)), [0x50, 0x4B, 0x03, 0x04])
    }

    func testUncoveredUnitsAreCutToFitACellSayingHowManyThereAre() {
        let few = [UnitReference(code: "1", name: "小李村"), UnitReference(code: "2", name: "王庄村")]
        XCTAssertEqual(CoverageWorkbook.unitNames(few, .init(.zh)), "小李村、王庄村")
        let many = (1...5_000).map { UnitReference(code: "\($0)", name: "第\($0)村民委员会") }
        let text = CoverageWorkbook.unitNames(many, .init(.zh))
        XCTAssertLessThanOrEqual(text.utf16.count, 32_767)
        XCTAssertGreaterThan(text.utf16.count, 32_000)
        XCTAssertTrue(text.hasPrefix("第1村民委员会、第2村民委员会、"))
        XCTAssertTrue(text.hasSuffix("村民委员会…等 5000 个"), String(text.suffix(30)))
    }
}

final class CoverageNoteTests: XCTestCase {
    /// The engine's notes are said from their keys in every language; JSON and CSV keep the English.
    func testNotesAreSaidInTheChosenLanguageFromTheEnginesKeys() {
        let notes: [CoverageNote] = [.noPopulation, .noPeopleAtPoint, .noFacilities, .noField(.beds), .noPeopleIn(.village), .noUnits(.community)]
        XCTAssertEqual(notes.map { CoverageFormatter.note($0, in: .en) }, notes.map(\.text), "English as the JSON gives it")
        XCTAssertEqual(notes.map { CoverageFormatter.note($0, in: .zh) },
                       ["无人口数据", "单位点位上无人口", "无设施", "无床位数", "行政村单位无人口", "无社区单位"])
        let result = CoverageResult(numerator: 0, denominator: 0, actual: nil, goal: 1, met: nil, shortfall: nil, note: .noUnits(.community))
        XCTAssertEqual(result.note, "no community units")
        XCTAssertEqual(CoverageMap.reason(.noUnits(.community)),
                       #"{"key": "note.no-units", "arguments": [{"key": "level.community", "arguments": []}]}"#)
    }
}

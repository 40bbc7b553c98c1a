@testable import FacilityMapKit
import XCTest

final class JSONTextTests: XCTestCase {
    func testStringsAreEscapedOnlyWhereJSONNeedsItAndChineseStaysUTF8() {
        let cases: [(String, String)] = [
            ("洛阳市老城区", #""洛阳市老城区""#),
            ("say \"hi\"\\", #""say \"hi\"\\""#),
            ("line\nbreak\ttab\r\u{1}", #""line\nbreak\ttab\r\u0001""#),
            ("\u{2028}\u{2029}", #""\u2028\u2029""#),
            ("€ and — stay", "\"€ and — stay\""),
            ("", #""""#),
        ]
        for (text, json) in cases {
            XCTAssertEqual(JSONText.string(text), json)
            var bytes: [UInt8] = Array("x".utf8)
            JSONText.append(string: text, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "x" + json)
        }
    }

    func testUnitReferencesAreOneJSONArray() {
        XCTAssertEqual(CoverageFormatter.references([]), "[]")
        XCTAssertEqual(CoverageFormatter.references([UnitReference(code: "410302001001", name: "金业路社区"),
                                                     UnitReference(code: "4103\"02", name: "甲\n乙")]),
                       #"[{"code": "410302001001", "name": "金业路社区"}, {"code": "4103\"02", "name": "甲\n乙"}]"#)
    }

    func testConcurrentMapKeepsOrder() {
        XCTAssertEqual(Concurrently.map(Array(0..<100)) { $0 * 2 }, Array(0..<100).map { $0 * 2 })
        XCTAssertEqual(Concurrently.map([Int]()) { $0 }, [])
    }
}

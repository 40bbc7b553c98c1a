@testable import FacilityText
import Foundation
import XCTest

/// Every message in every language, with the same placeholders; the language chosen as the issue says.
final class CatalogTests: XCTestCase {
    func testEveryKeyHasEveryLanguageWithTheSamePlaceholders() throws {
        let english = Catalog.en.messages, chinese = Catalog.zh.messages
        XCTAssertGreaterThan(english.count, 40, "the catalogue was read")
        XCTAssertEqual(Set(english.keys).subtracting(chinese.keys), [], "keys without Chinese")
        XCTAssertEqual(Set(chinese.keys).subtracting(english.keys), [], "keys without English")
        for (key, text) in english {
            XCTAssertEqual(Catalog.placeholders(text), Catalog.placeholders(chinese[key] ?? ""), "placeholders of \(key)")
            let numbers = Catalog.placeholders(text)
            XCTAssertEqual(numbers, Set(numbers.isEmpty ? [] : Array(1...numbers.max()!)), "\(key) numbers its placeholders from 1 without gaps")
        }
        // No English left in a Chinese message, but for what stays as it is (options, commands, file names, sha256).
        for (key, text) in chinese {
            let words = text.replacingOccurrences(of: "%[0-9]+\\$@", with: "", options: .regularExpression)
                .replacingOccurrences(of: "`[^`]*`|--[a-z-]+|postgresql://\\S*|[\\w./-]+\\.(sqlite|csv|json|xlsx|xls|shp|yaml|md)\\b|\\$?\\b[A-Z][A-Z0-9_-]+\\b", with: "", options: .regularExpression)
                .replacingOccurrences(of: "\\.(xlsx|xls|shp|dbf|prj|zip|ods|cpg)\\b|\\bzh_|\\b(csv|json|sha256|zh|en|suggest|FacilityMap|Excel|GeoJSON|Shapefile|SpatiaLite|PostGIS|PostgreSQL|SQLite|English|LibreOffice|OpenDocument|FreeXL|MiB|EPSG|Web)\\b", with: "", options: .regularExpression)
            XCTAssertNil(words.range(of: "[A-Za-z]{2,}", options: .regularExpression), "English in zh.strings \(key): \(text)")
        }
    }

    func testTheCatalogueFileIsStringsAndItsErrorsArePlaced() throws {
        let parsed = try Catalog.parse(#"""
            /* a comment */ "a" = "one \"quoted\" word";
            // a line comment
            "b"="%2$@ before %1$@, 100%%";
            """#)
        XCTAssertEqual(parsed, ["a": "one \"quoted\" word", "b": "%2$@ before %1$@, 100%%"])
        XCTAssertEqual(Catalog.fill(parsed["b"]!, ["x", "y"]), "y before x, 100%")
        XCTAssertThrowsError(try Catalog.parse(#""a" = "x""#))
        XCTAssertThrowsError(try Catalog.parse(#""a" = "x"; "a" = "y";"#))
    }

    func testTheLanguageIsLangElseTheLocaleElseEnglish() {
        func chosen(_ arguments: [String], _ environment: [String: String]) -> Language? {
            try? Language.chosen(by: arguments, environment: environment).get()
        }
        XCTAssertEqual(chosen(["coverage"], [:]), .en)
        XCTAssertEqual(chosen(["coverage"], ["LANG": "zh_CN.UTF-8"]), .zh)
        XCTAssertEqual(chosen(["coverage"], ["LANG": "zh_CN.UTF-8", "LC_ALL": "C"]), .en, "LC_ALL before LANG")
        XCTAssertEqual(chosen(["coverage"], ["LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"]), .zh)
        XCTAssertEqual(chosen(["coverage", "--lang", "en"], ["LANG": "zh_CN.UTF-8"]), .en, "--lang before the locale")
        XCTAssertEqual(chosen(["--lang=zh-CN", "list"], [:]), .zh)
        XCTAssertNil(chosen(["--lang", "fr"], [:]))
        XCTAssertEqual(Language.accepted("zh-CN,zh;q=0.9,en;q=0.8"), .zh)
        XCTAssertEqual(Language.accepted("en-US,en;q=0.9,zh-CN;q=0.95"), .en, "an unweighted tag weighs 1")
        XCTAssertEqual(Language.accepted("fr-FR, zh;q=0.2, en;q=0.5"), .en)
        XCTAssertNil(Language.accepted("fr, de;q=0.8"))
    }
}

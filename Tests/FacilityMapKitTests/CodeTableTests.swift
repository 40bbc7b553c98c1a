import FacilityMapKit
import XCTest

/// `CodeTable` numbers codes in the order first added and finds them by their bytes; an `ordered` table only appends
/// while codes come in increasing byte order. Both must number every sequence as a dictionary of first positions does.
final class CodeTableTests: XCTestCase {
    /// Adds `codes` to a table and to a dictionary; checks each number and every lookup against the dictionary.
    private func check(_ codes: [String], ordered: Bool, file: StaticString = #filePath, line: UInt = #line) {
        var table = CodeTable(minimumCapacity: 4, ordered: ordered)
        var reference: [[UInt8]: Int] = [:]
        for code in codes {
            let expected = reference[Array(code.utf8)] ?? reference.count
            reference[Array(code.utf8)] = expected
            XCTAssertEqual(table.insert(code), expected, "insert \(code) (ordered: \(ordered))", file: file, line: line)
        }
        XCTAssertEqual(table.count, reference.count, file: file, line: line)
        for (bytes, number) in reference {
            let code = String(decoding: bytes, as: UTF8.self)
            XCTAssertEqual(table.number(of: code), number, "number of \(code)", file: file, line: line)
            XCTAssertEqual(table[number], code, file: file, line: line)
        }
        for absent in ["F9", "F00000000", "医院-", "zz"] where reference[Array(absent.utf8)] == nil {
            XCTAssertNil(table.number(of: absent), "\(absent) is absent", file: file, line: line)
        }
    }

    func testOrderedAndHashedTablesNumberEverySequenceAlike() {
        // A sorted run (prefixes, an empty code, Chinese bytes after ASCII), a repeat from inside it, then codes out of
        // order (the slots are built), then repeats of both parts.
        let sorted = ["", "F1", "F10", "F100", "F2", "G", "医院1", "医院2"]
        let sequences = [
            sorted,
            sorted + ["F10"],
            sorted + ["F10", "A", "F10", "医院2", "B", "A", ""],
            ["F3", "F2", "F1", "F3"],
            ["F1", "F1", "F1"],
        ]
        for codes in sequences {
            check(codes, ordered: true)
            check(codes, ordered: false)
        }
        // Many codes, some repeated, in random order and sorted: the hashed slots grow past their first size.
        var generator = SystemRandomNumberGenerator()
        let random = (0..<5_000).map { _ in "F\(Int.random(in: 0..<3_000, using: &generator))" }
        check(random, ordered: true)
        check(random, ordered: false)
        check(random.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, ordered: true)
    }
}

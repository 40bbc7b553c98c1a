import Foundation
import XCTest
@testable import FacilityFormats

final class CSVWriterTests: XCTestCase {
    var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    private func contents(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testTrickyFieldsRoundTripThroughTheReader() throws {
        let path = folder.path("roundtrip.csv")
        let header = ["名称", "note", "x"]
        let rows: [[String]] = [
            ["协和医院", "He said \"hi\"", "a,b"],
            ["multi\nline", "cr\rlf\r\n", "  leading"],
            ["trailing ", "\ttab", ""],
            ["\"", "\"\"", ","],
            ["𠀀 emoji 🏥", "", "plain"],
            [""],
            ["only"],
        ]
        let writer = try CSVWriter(path: path)
        try writer.write(header)
        for row in rows { try writer.write(row) }
        try writer.close()

        let reader = try CSVReader(path: path)
        XCTAssertEqual(reader.encoding, .utf8)
        XCTAssertEqual(reader.header, header)
        let read = try readAll(reader)
        XCTAssertEqual(read.map(\.fields), rows)
        XCTAssertTrue(read.allSatisfy { $0.problems.isEmpty })
    }

    func testFieldsAreQuotedOnlyWhenNeeded() throws {
        let path = folder.path("quoting.csv")
        let writer = try CSVWriter(path: path)
        try writer.write(["plain", "a,b", "say \"x\"", "line\nbreak", "cr\r", " lead", "trail ", "in side", ""])
        try writer.close()
        let expected = "plain,\"a,b\",\"say \"\"x\"\"\",\"line\nbreak\",\"cr\r\",\" lead\",\"trail \",in side,\n"
        XCTAssertEqual(String(decoding: try contents(path), as: UTF8.self), expected)
    }

    func testSingleEmptyFieldIsWrittenAsQuotesSoItIsNotABlankLine() throws {
        let path = folder.path("single.csv")
        let writer = try CSVWriter(path: path)
        try writer.write(["h"])
        try writer.write([""])
        try writer.close()
        XCTAssertEqual(try contents(path), Array("h\n\"\"\n".utf8))
    }

    func testByteOrderMarkIsWrittenOnlyWhenAsked() throws {
        let withBOM = folder.path("bom.csv")
        let writer = try CSVWriter(path: withBOM, byteOrderMark: true)
        try writer.write(["名称"])
        try writer.close()
        XCTAssertEqual(try contents(withBOM), [0xEF, 0xBB, 0xBF] + Array("名称\n".utf8))
        let reader = try CSVReader(path: withBOM)
        XCTAssertTrue(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header, ["名称"])

        let without = folder.path("nobom.csv")
        let plain = try CSVWriter(path: without)
        try plain.write(["名称"])
        try plain.close()
        XCTAssertEqual(try contents(without), Array("名称\n".utf8))
    }

    func testLargeOutputIsFlushedInPiecesAndComplete() throws {
        let path = folder.path("large.csv")
        let writer = try CSVWriter(path: path)
        try writer.write(["i", "text"])
        for i in 0..<50_000 { try writer.write(["\(i)", "医院, \"\(i)\""]) }
        try writer.close()
        let reader = try CSVReader(path: path)
        var count = 0
        while let row = try reader.next() {
            XCTAssertEqual(row.fields, ["\(count)", "医院, \"\(count)\""])
            count += 1
        }
        XCTAssertEqual(count, 50_000)
    }

    func testCreatingAFileInAMissingFolderNamesThePath() throws {
        let path = folder.path("no/such/folder/out.csv")
        XCTAssertThrowsError(try CSVWriter(path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(path): cannot create the file"), text)
        }
    }

    func testWritingAfterCloseThrows() throws {
        let path = folder.path("closed.csv")
        let writer = try CSVWriter(path: path)
        try writer.write(["a"])
        try writer.close()
        XCTAssertThrowsError(try writer.write(["b"]))
        XCTAssertNoThrow(try writer.close())
        XCTAssertEqual(try contents(path), Array("a\n".utf8))
    }

    func testWriterOnAFileHandleLeavesTheHandleOpen() throws {
        let path = folder.path("handle.csv")
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let writer = CSVWriter(fileHandle: handle)
        try writer.write(["a", "b,c"])
        try writer.close()
        try handle.write(contentsOf: Data("tail\n".utf8))
        try handle.close()
        XCTAssertEqual(String(decoding: try contents(path), as: UTF8.self), "a,\"b,c\"\ntail\n")
    }
}

import Foundation
import XCTest
@testable import FacilityFormats

/// A fresh folder under the system temporary directory, removed by `remove()`.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("FacilityFormatsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to a file named `name` and returns its path.
    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let fileURL = url.appendingPathComponent(name)
        try Data(bytes).write(to: fileURL)
        return fileURL.path
    }

    /// Writes `text` as UTF-8 to a file named `name` and returns its path.
    func file(_ name: String, text: String) throws -> String {
        try file(name, bytes: Array(text.utf8))
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// GB18030 bytes of a few words (checked against `iconv -t GB18030`).
enum GB {
    static let name: [UInt8] = [0xC3, 0xFB, 0xB3, 0xC6]           // 名称
    static let address: [UInt8] = [0xB5, 0xD8, 0xD6, 0xB7]        // 地址
    static let beijing: [UInt8] = [0xB1, 0xB1, 0xBE, 0xA9, 0xCA, 0xD0]  // 北京市
    static let hospital: [UInt8] = [0xD2, 0xBD, 0xD4, 0xBA]       // 医院 (by chance also valid UTF-8: "ҽԺ")
    static let supplementary: [UInt8] = [0x95, 0x32, 0x82, 0x36]  // 𠀀 U+20000 (four-byte form)
}

func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

/// All remaining rows of a reader.
func readAll(_ reader: CSVReader) throws -> [CSVRow] {
    var rows: [CSVRow] = []
    while let row = try reader.next() { rows.append(row) }
    return rows
}

final class CSVReaderTests: XCTestCase {
    var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    // MARK: Encodings

    func testUTF8WithBOMIsDetectedAndTheBOMIsNotPartOfTheFirstHeaderName() throws {
        let path = try folder.file("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + ascii("名称,地址\n协和医院,北京市\n"))
        let reader = try CSVReader(path: path)
        XCTAssertEqual(reader.encoding, .utf8)
        XCTAssertTrue(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header, ["名称", "地址"])
        XCTAssertEqual(reader.headerLine, 1)
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.fields), [["协和医院", "北京市"]])
        XCTAssertEqual(rows.first?.line, 2)
        XCTAssertEqual(rows.first?.problems, [])
    }

    func testUTF8WithoutBOMIsDetectedWhenTheWholeFileIsValid() throws {
        let path = try folder.file("plain.csv", text: "名称,类型\n第一医院,医院\n")
        let reader = try CSVReader(path: path)
        XCTAssertEqual(reader.encoding, .utf8)
        XCTAssertFalse(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header, ["名称", "类型"])
        XCTAssertEqual(try readAll(reader).map(\.fields), [["第一医院", "医院"]])
    }

    func testGB18030FileWithChineseHeadersDecodes() throws {
        let bytes = GB.name + ascii(",") + GB.address + ascii("\r\n")
            + GB.hospital + ascii(",") + GB.beijing + ascii("\r\n")
            + ascii("\"") + GB.beijing + ascii(", ") + GB.supplementary + ascii("\",x\r\n")
        let path = try folder.file("gb.csv", bytes: bytes)
        let reader = try CSVReader(path: path)
        XCTAssertEqual(reader.encoding, .gb18030)
        XCTAssertFalse(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header, ["名称", "地址"])
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.fields), [["医院", "北京市"], ["北京市, 𠀀", "x"]])
        XCTAssertEqual(rows.map(\.line), [2, 3])
        XCTAssertTrue(rows.allSatisfy { $0.problems.isEmpty })
    }

    func testAutoDetectionChecksTheWholeFileNotJustTheStart() throws {
        var bytes = ascii("id,name\n")
        for i in 0..<5000 { bytes += ascii("\(i),plain ascii text\n") }
        bytes += ascii("5000,") + GB.beijing + ascii("\n")
        let reader = try CSVReader(path: try folder.file("late.csv", bytes: bytes))
        XCTAssertEqual(reader.encoding, .gb18030)
        let rows = try readAll(reader)
        XCTAssertEqual(rows.count, 5001)
        XCTAssertEqual(rows.last?.fields, ["5000", "北京市"])
    }

    func testExplicitUTF8OnGB18030FileGivesFieldProblemsNamingTheLine() throws {
        let bytes = ascii("id,name,city\n1,") + GB.name + ascii(",ok\n\n2,\"a\n") + GB.beijing + ascii("\",ok\n")
        let reader = try CSVReader(path: try folder.file("gb-as-utf8.csv", bytes: bytes), encoding: .utf8)
        XCTAssertEqual(reader.encoding, .utf8)
        let rows = try readAll(reader)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].problems, [CSVFieldProblem(
            column: 1, line: 2, message: "bytes that are not valid UTF-8 (at byte offset 0 of the field)")])
        XCTAssertTrue(rows[0].fields[1].contains("\u{FFFD}"))
        XCTAssertEqual(rows[0].fields[2], "ok")
        XCTAssertEqual(rows[1].line, 4)
        XCTAssertEqual(rows[1].problems, [CSVFieldProblem(
            column: 1, line: 4, message: "bytes that are not valid UTF-8 (at byte offset 2 of the field)")])
        XCTAssertEqual(rows[1].problems.first?.description,
                       "line 4, column 2: bytes that are not valid UTF-8 (at byte offset 2 of the field)")
    }

    func testExplicitUTF8WithGB18030HeaderIsAnInvalidHeader() throws {
        let path = try folder.file("gbheader.csv", bytes: ascii("id,") + GB.name + ascii("\n1,2\n"))
        XCTAssertThrowsError(try CSVReader(path: path, encoding: .utf8)) { error in
            guard case let CSVError.invalidHeader(errorPath, line, reason)? = error as? CSVError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(errorPath, path)
            XCTAssertEqual(line, 1)
            XCTAssertTrue(reason.contains("column 2"), reason)
            XCTAssertTrue(reason.contains("gb18030"), reason)
        }
    }

    func testInvalidUTF8InUTF8ModeGivesAProblemWithTheOffsetAndALossyField() throws {
        let bytes = ascii("a,b\nok,abc") + [0xFF] + ascii("def\n")
        let reader = try CSVReader(path: try folder.file("bad.csv", bytes: bytes), encoding: .utf8)
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, ["ok", "abc\u{FFFD}def"])
        XCTAssertEqual(row.problems, [CSVFieldProblem(
            column: 1, line: 2, message: "bytes that are not valid UTF-8 (at byte offset 3 of the field)")])
    }

    func testInvalidGB18030BytesGiveAProblemAndALossyField() throws {
        let bytes = GB.name + ascii("\n") + GB.hospital + [0x80] + ascii("x\n")
        let reader = try CSVReader(path: try folder.file("badgb.csv", bytes: bytes))
        XCTAssertEqual(reader.encoding, .gb18030)
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, ["医院\u{FFFD}x"])
        XCTAssertEqual(row.problems, [CSVFieldProblem(
            column: 0, line: 2, message: "bytes that are not valid GB18030 (at byte offset 4 of the field)")])
    }

    func testGB18030TwoByteTableAgreesWithIconvForEveryPair() throws {
        let decoder = try XCTUnwrap(GB18030Decoder())
        var checked = 0
        for lead in UInt8(0x81)...0xFE {
            for trail in UInt8(0x40)...0xFE where trail != 0x7F {
                let pair = [lead, trail, 0x41]
                pair.withUnsafeBufferPointer { bytes in
                    let fast = decoder.decode(bytes.baseAddress!, 3, truncated: false)
                    let slow = decoder.decodeWithIconv(bytes.baseAddress!, 3, truncated: false)
                    XCTAssertEqual(fast.string, slow.string, "pair \(lead) \(trail)")
                    XCTAssertEqual(fast.invalidOffset, slow.invalidOffset, "pair \(lead) \(trail)")
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 126 * 190)
    }

    func testEncodingArgumentAcceptsAliasesCaseInsensitively() {
        XCTAssertEqual(EncodingChoice(argument: "AUTO"), .auto)
        XCTAssertEqual(EncodingChoice(argument: "utf-8"), .utf8)
        XCTAssertEqual(EncodingChoice(argument: "UTF8"), .utf8)
        XCTAssertEqual(EncodingChoice(argument: "GBK"), .gb18030)
        XCTAssertEqual(EncodingChoice(argument: "gb2312"), .gb18030)
        XCTAssertEqual(EncodingChoice(argument: "GB18030"), .gb18030)
        XCTAssertNil(EncodingChoice(argument: "latin1"))
        XCTAssertEqual(EncodingChoice.allCases.map(\.rawValue), ["auto", "utf-8", "gb18030"])
        XCTAssertEqual(TextEncoding.allCases.map(\.rawValue), ["utf-8", "gb18030"])
    }

    func testExplicitGB18030ReadsAnASCIIFile() throws {
        let reader = try CSVReader(path: try folder.file("ascii.csv", text: "a,b\n1,2\n"), encoding: .gb18030)
        XCTAssertEqual(reader.encoding, .gb18030)
        XCTAssertEqual(try readAll(reader).map(\.fields), [["1", "2"]])
    }

    // MARK: Line ends and blank lines

    func testCRLFLineEndsAreNotPartOfFields() throws {
        let reader = try CSVReader(path: try folder.file("crlf.csv", text: "a,b\r\n1,2\r\n3,4\r\n"))
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.fields), [["1", "2"], ["3", "4"]])
        XCTAssertEqual(rows.map(\.line), [2, 3])
    }

    func testLFAndLoneCRLineEndsBothEndRecords() throws {
        let reader = try CSVReader(path: try folder.file("mixed.csv", text: "a,b\n1,2\r3,4\n5,6"))
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.fields), [["1", "2"], ["3", "4"], ["5", "6"]])
        XCTAssertEqual(rows.map(\.line), [2, 3, 4])
    }

    func testTrailingEmptyLineIsSkipped() throws {
        let reader = try CSVReader(path: try folder.file("trailing.csv", text: "a,b\r\n1,2\r\n\r\n"))
        XCTAssertEqual(try readAll(reader).map(\.fields), [["1", "2"]])
        XCTAssertEqual(reader.bytesRead, reader.byteCount)
    }

    func testBlankLinesAreSkippedButCountedForLineNumbers() throws {
        let reader = try CSVReader(path: try folder.file("blank.csv", text: "\n\r\na,b\n\n1,2\n\n\n3,4\n"))
        XCTAssertEqual(reader.headerLine, 3)
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.line), [5, 8])
    }

    // MARK: Quoting

    func testQuotedFieldsWithCommasDoubledQuotesAndNewlinesKeepLineNumbers() throws {
        let text = "name,note\n"
            + "\"Smith, J\",\"He said \"\"hi\"\"\"\n"
            + "\"multi\nline\r\nfield\",x\n"
            + "after,\"\"\n"
            + "\"\",\"lone\rcr\"\n"
            + "last,row\n"
        let reader = try CSVReader(path: try folder.file("quoted.csv", text: text))
        let rows = try readAll(reader)
        XCTAssertEqual(rows.map(\.fields), [
            ["Smith, J", "He said \"hi\""],
            ["multi\nline\r\nfield", "x"],
            ["after", ""],
            ["", "lone\rcr"],
            ["last", "row"],
        ])
        XCTAssertEqual(rows.map(\.line), [2, 3, 6, 7, 9])
    }

    func testProblemsNameThePhysicalLineWhereTheFieldStarts() throws {
        let text = "a,b,c\n\"x\ny\",\"p\nq\",bad\u{0}\n"
        let rows = try readAll(try CSVReader(path: try folder.file("fieldline.csv", text: text)))
        XCTAssertEqual(rows.first?.problems, [CSVFieldProblem(column: 2, line: 4, message: "a NUL byte")])
    }

    func testTextAfterAClosingQuoteIsKeptWithoutAProblem() throws {
        let reader = try CSVReader(path: try folder.file("after.csv", text: "a,b\n\"abc\"x,\"q\"\"\"y\"z\n"))
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, ["abcx", "q\"y\"z"])
        XCTAssertEqual(row.problems, [])
    }

    func testAQuoteInsideAnUnquotedFieldIsLiteral() throws {
        let reader = try CSVReader(path: try folder.file("literal.csv", text: "a,b\n5\" pipe,x\"y\"\n"))
        XCTAssertEqual(try reader.next()?.fields, ["5\" pipe", "x\"y\""])
    }

    func testEmptyFieldsAndTrailingCommaAreKept() throws {
        let reader = try CSVReader(path: try folder.file("commas.csv", text: "a,b,c\n,,\n1,\n,"))
        XCTAssertEqual(try readAll(reader).map(\.fields), [["", "", ""], ["1", ""], ["", ""]])
    }

    func testRowsKeepTheirOwnNumberOfFields() throws {
        let reader = try CSVReader(path: try folder.file("ragged.csv", text: "a,b,c\n1\n1,2,3,4\n"))
        XCTAssertEqual(try readAll(reader).map(\.fields.count), [1, 4])
    }

    func testUnterminatedQuoteNamesTheLineWhereItOpened() throws {
        let path = try folder.file("open.csv", text: "a,b\n1,2\n3,\"never closed\n4,5\n6,7\n")
        let reader = try CSVReader(path: path)
        XCTAssertEqual(try reader.next()?.fields, ["1", "2"])
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual(error as? CSVError, .unterminatedQuote(path: path, line: 3))
            XCTAssertEqual("\(error)",
                "\(path):3: a quote opened here is never closed, so the rest of the file would be one field — close the quote or remove it")
        }
        XCTAssertNil(try reader.next())
    }

    func testUnterminatedQuoteInTheHeaderThrowsFromInit() throws {
        let path = try folder.file("openheader.csv", text: "\n\"a,b\n1,2\n")
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertEqual(error as? CSVError, .unterminatedQuote(path: path, line: 2))
        }
    }

    // MARK: Header

    func testHeaderNamesAreTrimmedOfSurroundingSpacesAndTabsOnly() throws {
        let reader = try CSVReader(path: try folder.file("trim.csv", text: "  名称 ,\tfull name\t,\" q \"\n1,2,3\n"))
        XCTAssertEqual(reader.header, ["名称", "full name", "q"])
        XCTAssertEqual(try reader.next()?.fields, ["1", "2", "3"])
    }

    func testDuplicateHeaderNamesTheNameAndBothColumns() throws {
        let path = try folder.file("dup.csv", text: "id,名称,地址,类型, 名称 \n1,2,3,4,5\n")
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertEqual(error as? CSVError, .duplicateHeader(path: path, line: 1, name: "名称", columns: [2, 5]))
            XCTAssertEqual("\(error)", "\(path):1: two columns are named 名称 (columns 2 and 5) — rename or delete one")
        }
    }

    func testSeveralUnnamedColumnsAsExcelExportsThemAreAllowed() throws {
        let reader = try CSVReader(path: try folder.file("excel.csv", text: "名称,地址,,\n甲,乙,,\n"))
        XCTAssertEqual(reader.header, ["名称", "地址", "", ""])
        XCTAssertEqual(try reader.next()?.fields, ["甲", "乙", "", ""])
    }

    func testHeaderNamesDifferingOnlyInCaseAreNotDuplicates() throws {
        let reader = try CSVReader(path: try folder.file("case.csv", text: "Name,name\n"))
        XCTAssertEqual(reader.header, ["Name", "name"])
    }

    func testEmptyFileThrowsEmpty() throws {
        let path = try folder.file("empty.csv", bytes: [])
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertEqual(error as? CSVError, .empty(path: path))
            XCTAssertTrue("\(error)".hasPrefix("\(path): "))
        }
    }

    func testFileWithOnlyABOMAndBlankLinesThrowsEmpty() throws {
        let path = try folder.file("blankonly.csv", bytes: [0xEF, 0xBB, 0xBF, 0x0D, 0x0A, 0x0A, 0x0D])
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertEqual(error as? CSVError, .empty(path: path))
        }
    }

    func testHeaderOnlyFileHasNoRows() throws {
        let reader = try CSVReader(path: try folder.file("headeronly.csv", text: "a,b,c\r\n"))
        XCTAssertEqual(reader.header, ["a", "b", "c"])
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.bytesRead, reader.byteCount)
    }

    func testHeaderWithoutLineEndHasNoRows() throws {
        let reader = try CSVReader(path: try folder.file("nolf.csv", text: "a,b"))
        XCTAssertEqual(reader.header, ["a", "b"])
        XCTAssertNil(try reader.next())
    }

    func testNulByteInHeaderIsAnInvalidHeader() throws {
        let path = try folder.file("utf16.csv", bytes: [0x61, 0x00, 0x2C, 0x00, 0x62, 0x00, 0x0A, 0x00])
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            guard case let CSVError.invalidHeader(_, line, reason)? = error as? CSVError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(line, 1)
            XCTAssertTrue(reason.contains("NUL"), reason)
        }
    }

    func testMissingFileIsUnreadableAndNamesThePath() throws {
        let path = folder.path("missing.csv")
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            guard case let CSVError.unreadable(errorPath, reason)? = error as? CSVError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(errorPath, path)
            XCTAssertFalse(reason.isEmpty)
            XCTAssertTrue("\(error)".hasPrefix("\(path): cannot read the file"))
        }
    }

    func testDirectoryIsUnreadable() throws {
        XCTAssertThrowsError(try CSVReader(path: folder.url.path)) { error in
            guard case CSVError.unreadable? = error as? CSVError else { return XCTFail("unexpected \(error)") }
        }
    }

    func testHundredThousandColumnHeaderWorks() throws {
        let names = (0..<100_000).map { "c\($0)" }
        let text = names.joined(separator: ",") + "\n" + (0..<100_000).map(String.init).joined(separator: ",") + "\n"
        let reader = try CSVReader(path: try folder.file("wide.csv", text: text))
        XCTAssertEqual(reader.header.count, 100_000)
        XCTAssertEqual(reader.header.last, "c99999")
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields.count, 100_000)
        XCTAssertEqual(row.fields[54_321], "54321")
    }

    func testHundredThousandColumnHeaderWithADuplicateAtTheEndIsFound() throws {
        let names = (0..<100_000).map { "c\($0)" } + ["c7"]
        let path = try folder.file("widedup.csv", text: names.joined(separator: ",") + "\n")
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertEqual(error as? CSVError, .duplicateHeader(path: path, line: 1, name: "c7", columns: [8, 100_001]))
        }
    }

    // MARK: Bad fields

    func testNulByteGivesAProblemAndIsRemovedFromTheField() throws {
        let bytes = ascii("a,b\nx") + [0] + ascii("y,\"") + [0] + ascii("\"\n")
        let reader = try CSVReader(path: try folder.file("nul.csv", bytes: bytes))
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, ["xy", ""])
        XCTAssertEqual(row.problems, [
            CSVFieldProblem(column: 0, line: 2, message: "a NUL byte"),
            CSVFieldProblem(column: 1, line: 2, message: "a NUL byte"),
        ])
    }

    func testTenMegabyteFieldGivesAProblemAndOnlyAPrefixIsKept() throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000)
        let bytes = ascii("a,b\n1,") + big + ascii("\n2,\"") + big + ascii("\"\"") + big + ascii("\"\n3,ok\n")
        let reader = try CSVReader(path: try folder.file("big.csv", bytes: bytes), maxFieldBytes: 65_536)
        let first = try XCTUnwrap(try reader.next())
        XCTAssertEqual(first.fields[1].utf8.count, 65_536)
        XCTAssertEqual(first.problems, [CSVFieldProblem(
            column: 1, line: 2, message: "longer than 65536 bytes (10000000 bytes)")])
        let second = try XCTUnwrap(try reader.next())
        XCTAssertEqual(second.fields[1].utf8.count, 65_536)
        XCTAssertEqual(second.problems.map(\.message), ["longer than 65536 bytes (20000001 bytes)"])
        XCTAssertEqual(try reader.next()?.fields, ["3", "ok"])
        XCTAssertNil(try reader.next())
    }

    func testLongMultibyteFieldIsCutAtACharacterBoundary() throws {
        let field = String(repeating: "医", count: 100)  // 300 bytes
        let reader = try CSVReader(path: try folder.file("cut.csv", text: "a\n\(field)\n"), maxFieldBytes: 100)
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, [String(repeating: "医", count: 33)])
        XCTAssertEqual(row.problems.map(\.message), ["longer than 100 bytes (300 bytes)"])
    }

    func testLongGB18030FieldIsCutWithoutAnEncodingProblem() throws {
        let field = Array(repeating: GB.hospital, count: 50).flatMap { $0 }  // 医院 x 50, 200 bytes
        let reader = try CSVReader(path: try folder.file("cutgb.csv", bytes: GB.name + ascii("\n") + field + ascii("\n")),
                                   maxFieldBytes: 101)
        let row = try XCTUnwrap(try reader.next())
        XCTAssertEqual(row.fields, [String(repeating: "医院", count: 25)])  // the lone lead byte is dropped
        XCTAssertEqual(row.problems.map(\.message), ["longer than 101 bytes (200 bytes)"])
    }

    // MARK: Progress and volume

    func testBytesReadGrowsAndReachesByteCount() throws {
        let text = "a,b\n" + (0..<1000).map { "\($0),\"v\($0)\"" }.joined(separator: "\r\n") + "\r\n"
        let reader = try CSVReader(path: try folder.file("progress.csv", text: text))
        XCTAssertEqual(reader.byteCount, text.utf8.count)
        XCTAssertEqual(reader.bytesRead, 4)
        var last = reader.bytesRead
        while try reader.next() != nil {
            XCTAssertGreaterThan(reader.bytesRead, last)
            last = reader.bytesRead
        }
        XCTAssertEqual(reader.bytesRead, reader.byteCount)
    }

    func testTwoHundredThousandRowsParse() throws {
        var text = "id,名称,x,y\n"
        text.reserveCapacity(200_000 * 30)
        for i in 0..<200_000 { text += "\(i),医院\(i),116.\(i),39.9\n" }
        let reader = try CSVReader(path: try folder.file("many.csv", text: text))
        var count = 0
        var lastLine = 0
        while let row = try reader.next() {
            XCTAssertEqual(row.fields.count, 4)
            count += 1
            lastLine = row.line
        }
        XCTAssertEqual(count, 200_000)
        XCTAssertEqual(lastLine, 200_001)
        XCTAssertEqual(reader.bytesRead, reader.byteCount)
    }
}

import Foundation
import XCTest
@testable import FacilityFormats

final class JSONParserTests: XCTestCase {
    func parse(_ text: String, maxDepth: Int = 256) throws -> JSONValue {
        try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
    }

    /// The parse error for `text`, or a failure when it parses.
    func parseError(_ text: String, maxDepth: Int = 256, file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
        parseError(bytes: Array(text.utf8), maxDepth: maxDepth, file: file, line: line)
    }

    func parseError(bytes: [UInt8], maxDepth: Int = 256, file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
        do {
            let value = try JSONParser(maxDepth: maxDepth).parse(bytes)
            XCTFail("expected an error, parsed \(value)", file: file, line: line)
        } catch let error as JSONParseError {
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
        return nil
    }

    func testParsesScalarsArraysAndObjects() throws {
        XCTAssertEqual(try parse(" null "), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
        XCTAssertEqual(try parse("-12.5e1"), .number(-125))
        XCTAssertEqual(try parse("\"洛阳市\""), .string("洛阳市"))
        XCTAssertEqual(try parse("[1, [2], {}]"), .array([.number(1), .array([.number(2)]), .object([:])]))
        XCTAssertEqual(try parse("{\"adcode\": \"410300\", \"n\": [ ]}"), .object(["adcode": .string("410300"), "n": .array([])]))
    }

    func testRepeatedKeyKeepsTheLastValue() throws {
        XCTAssertEqual(try parse("{\"a\": 1, \"a\": 2}"), .object(["a": .number(2)]))
    }

    func testNumbersAreCorrectlyRounded() throws {
        for text in ["0.1", "112.029033", "34.62", "1e-7", "2.2250738585072011e-308", "4.9e-324", "1.7976931348623157e308",
                     "9007199254740993", "123456789012345678901234567890", "0.30000000000000004", "-0", "1E+2", "5e-400"] {
            XCTAssertEqual(try parse(text), .number(Double(text)!), text)
        }
        XCTAssertEqual(try parse("-0").doubleValue?.sign, .minus)
    }

    func testOverflowingNumberIsRejected() {
        XCTAssertEqual(parseError("[1e400]")?.message, "number 1e400 is too large for a double")
    }

    func testMalformedNumbersAreRejected() {
        XCTAssertTrue(parseError("07")!.message.contains("leading zeros"))
        XCTAssertTrue(parseError("-")!.message.contains("unexpected end of file"))
        XCTAssertTrue(parseError("[-a]")!.message.contains("expected a digit after '-'"))
        XCTAssertTrue(parseError("1.")!.message.contains("unexpected end of file"))
        XCTAssertTrue(parseError("[1.e5]")!.message.contains("decimal point"))
        XCTAssertTrue(parseError("[1e]")!.message.contains("exponent"))
        XCTAssertTrue(parseError("[+1]")!.message.contains("unexpected character '+'"))
        XCTAssertTrue(parseError("[.5]")!.message.contains("unexpected character '.'"))
    }

    func testNaNAndInfinityAreRejected() {
        XCTAssertEqual(parseError("[NaN]")?.message, "NaN is not valid JSON — write null (or a number)")
        XCTAssertEqual(parseError("[Infinity]")?.message, "Infinity is not valid JSON — write null (or a number)")
        XCTAssertEqual(parseError("[-Infinity]")?.message, "-Infinity is not valid JSON — write null (or a number)")
    }

    func testTrailingCommasAreRejected() {
        XCTAssertEqual(parseError("[1, 2,]")?.message, "trailing comma before ']' is not allowed")
        XCTAssertEqual(parseError("{\"a\": 1,}")?.message, "trailing comma before '}' is not allowed")
    }

    func testControlCharactersInStringsAreRejected() {
        XCTAssertTrue(parseError("\"a\tb\"")!.message.contains("control character U+0009"))
        XCTAssertTrue(parseError("\"a\nb\"")!.message.contains("is a closing quote missing?"))
    }

    func testInvalidUTF8IsRejected() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE6, 0xB4]] {
            let bytes = [UInt8(ascii: "\"")] + bad + [UInt8(ascii: "\"")]
            XCTAssertTrue(parseError(bytes: bytes)!.message.contains("UTF-8"), "\(bad)")
        }
    }

    func testLoneSurrogateEscapesAreRejected() {
        XCTAssertTrue(parseError("\"\\uD83D\"")!.message.contains("lone UTF-16 surrogate \\uD83D"))
        XCTAssertTrue(parseError("\"\\uD83Dx\"")!.message.contains("lone UTF-16 surrogate"))
        XCTAssertTrue(parseError("\"\\uDE00\"")!.message.contains("lone UTF-16 surrogate \\uDE00"))
        XCTAssertTrue(parseError("\"\\uD83D\\u0041\"")!.message.contains("not a low surrogate"))
    }

    func testSurrogatePairEscapeBecomesOneScalar() throws {
        XCTAssertEqual(try parse("\"\\uD83D\\uDE00\""), .string("😀"))
        XCTAssertEqual(try parse("\"\\u6D1B\\u9633\""), .string("洛阳"))
    }

    func testEscapesAreDecoded() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t\u0000""#), .string("a\"b\\c/d\u{08}\u{0C}\n\r\t\u{00}"))
        XCTAssertTrue(parseError(#""\x""#)!.message.contains("invalid escape '\\x'"))
        XCTAssertTrue(parseError(#""\u12G4""#)!.message.contains("4 hex digits"))
    }

    func testUTF8ByteOrderMarkIsSkippedAndUTF16IsRejected() throws {
        XCTAssertEqual(try JSONParser().parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), .array([.number(1)]))
        XCTAssertTrue(parseError(bytes: [0xFF, 0xFE, 0x5B, 0x00])!.message.contains("UTF-16"))
    }

    func testTruncatedInputSaysUnexpectedEndOfFile() {
        for text in ["", "   ", "{", "{\"a\"", "{\"a\":", "{\"a\": [1, 2", "[\"abc", "[tr", "{\"a\": 1,", "\"\\u12", "[1, -"] {
            let error = parseError(text)
            XCTAssertTrue(error?.message.hasPrefix("unexpected end of file") == true, "\(text): \(String(describing: error))")
        }
        XCTAssertTrue(parseError("{\n\"a\": [1,\n")!.message.contains("inside an array opened on line 2"))
    }

    func testErrorReportsLineAndColumn() {
        let error = parseError("{\n  \"a\": 1\n  \"b\": 2\n}")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 3)
        XCTAssertEqual(error?.description, "line 3, column 3: expected ',' or '}' after an object member")
    }

    func testColumnCountsCharactersNotBytes() {
        let error = parseError("{\"名称\": x}")
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.column, 8)
    }

    func testNestingTenThousandDeepGivesADepthErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = parseError(deep)
        XCTAssertEqual(error?.message, "nesting deeper than 256 levels — the file is malformed or not GeoJSON")
        XCTAssertEqual(error?.column, 257)
        let objects = String(repeating: "{\"a\":", count: 10_000)
        XCTAssertTrue(parseError(objects)!.message.hasPrefix("nesting deeper than 256"))
    }

    func testNestingUpToTheLimitIsAccepted() throws {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        XCTAssertNoThrow(try parse(ok))
        XCTAssertNotNil(parseError("[[[]]]", maxDepth: 2))
        XCTAssertNoThrow(try parse("[[]]", maxDepth: 2))
    }

    func testDepthLimitIsCappedAtOneThousandAndThatDepthParses() throws {
        let thousand = String(repeating: "{\"a\":[", count: 500) + "1" + String(repeating: "]}", count: 500)
        XCTAssertNoThrow(try parse(thousand, maxDepth: 1_000_000))
        let deeper = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertEqual(parseError(deeper, maxDepth: 1_000_000)?.message,
                       "nesting deeper than 1000 levels — the file is malformed or not GeoJSON")
    }

    func testMaximumDepthParsesAndIsFreedOnASmallThreadStack() {
        let text = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var parsed = false
        let thread = Thread {
            parsed = (try? JSONParser(maxDepth: 1000).parse(Array(text.utf8))) != nil
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        XCTAssertTrue(parsed)
    }

    func testDataAfterTheValueIsRejected() {
        XCTAssertTrue(parseError("{} {}")!.message.contains("after the end of the JSON value"))
        XCTAssertTrue(parseError("[1] x")!.message.contains("after the end of the JSON value"))
    }

    func testOtherNonJSONIsRejectedWithAHint() {
        XCTAssertTrue(parseError("['a']")!.message.contains("double quotes"))
        XCTAssertTrue(parseError("[True]")!.message.contains("unexpected character 'T'"))
        XCTAssertTrue(parseError("[nul]")!.message.contains("invalid literal"))
        XCTAssertTrue(parseError("{a: 1}")!.message.contains("expected a string key"))
        XCTAssertTrue(parseError("{\"a\" 1}")!.message.contains("expected ':' after the object key \"a\""))
        XCTAssertTrue(parseError("[1 2]")!.message.contains("expected ',' or ']'"))
        XCTAssertTrue(parseError("[// c\n1]")!.message.contains("unexpected character '/'"))
    }

    func testStringValueRendersIntegralNumbersWithoutDecimals() {
        XCTAssertEqual(JSONValue.number(410300).stringValue, "410300")
        XCTAssertEqual(JSONValue.number(-3).stringValue, "-3")
        XCTAssertEqual(JSONValue.number(34.62).stringValue, "34.62")
        XCTAssertEqual(JSONValue.string("410300").stringValue, "410300")
        XCTAssertNil(JSONValue.null.stringValue)
        XCTAssertNil(JSONValue.bool(true).stringValue)
    }

    func testNumericAccessorsAcceptNumericStringsOnly() {
        XCTAssertEqual(JSONValue.string("410300").intValue, 410300)
        XCTAssertEqual(JSONValue.number(410300).intValue, 410300)
        XCTAssertNil(JSONValue.number(34.5).intValue)
        XCTAssertEqual(JSONValue.string("34.62").doubleValue, 34.62)
        XCTAssertNil(JSONValue.string("NaN").doubleValue)
        XCTAssertNil(JSONValue.string("inf").doubleValue)
        XCTAssertNil(JSONValue.string("洛阳").doubleValue)
        XCTAssertEqual(JSONValue.object(["a": .number(1)])["a"], .number(1))
        XCTAssertNil(JSONValue.array([])["a"])
    }

    func testParsesAFewMegabytesOfCoordinatesQuickly() throws {
        var text = "{\"type\":\"FeatureCollection\",\"features\":["
        for i in 0..<2000 {
            if i > 0 { text += "," }
            text += "{\"type\":\"Feature\",\"properties\":{\"name\":\"村\(i)\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[["
            for k in 0..<100 { text += (k > 0 ? "," : "") + "[112.\(100000 + k * 37),34.\(600000 + i)]" }
            text += "]]}}"
        }
        text += "]}"
        let bytes = Array(text.utf8)
        let start = Date()
        let value = try JSONParser().parse(bytes)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(value["features"]?.arrayValue?.count, 2000)
        XCTAssertLessThan(seconds, 20, "\(bytes.count) bytes took \(seconds) s")
    }
}

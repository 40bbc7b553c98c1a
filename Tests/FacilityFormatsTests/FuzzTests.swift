import FacilityFormats
import FacilityGeometry
import Foundation
import FuzzSupport
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounded fuzz tests: thousands of mutated CSV, GeoJSON/JSON and WKB inputs, made by a seeded mutator from the
/// repository's own sample files. Every input must be read or refused with a documented error whose description is
/// one non-empty line; nothing may trap, crash or hang.
///
/// The default run is sized for CI (well under a minute in a debug build). `FACILITYMAP_FUZZ_ITERATIONS=N` sets
/// the iterations per parser, `FACILITYMAP_FUZZ_SEED=S` (decimal or 0x-hex) the seed, and
/// `FACILITYMAP_FUZZ_ITERATION=I` replays that one iteration; `Scripts/fuzz [iterations] [seed]` runs a long
/// release-build campaign. A failure names the seed, the iteration, the mutations and the input bytes (hex); a crash
/// or hang prints the same to standard error before the process dies.
final class FuzzTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("FacilityFormatsFuzz-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    // MARK: CSV

    func testMutatedCSVNeverCrashesAndErrorsAreOneLine() throws {
        let seeds = try FuzzSeeds.csv()
        let path = folder.appendingPathComponent("fuzz.csv").path
        let rewritten = folder.appendingPathComponent("rewritten.csv").path
        // The seeds themselves are read without a problem, so mutations start from valid files.
        for (index, seed) in seeds.enumerated() {
            try writeSeedFile(path, seed)
            XCTAssertNotNil(try? readAllCSV(path, .auto), "CSV seed \(index) does not read")
        }
        let mutator = csvMutator(seeds)
        var run = FuzzRun(name: "CSV", tag: 0xC5F, defaultIterations: 5_000)
        run.forEach(seeds: seeds, mutator: mutator) { input, rng, fail in
            guard fuzzWriteFile(path, input) else { fail("cannot write \(path)"); return false }
            // Half the time a tiny field limit, to exercise cutting fields (and characters) short.
            let maxFieldBytes = rng.chance(50) ? 65_536 : 1 + rng.below(48)
            var accepted = false
            var lastRoundTrip: CSVContent?
            for choice in EncodingChoice.allCases {
                guard let content = self.readCSVChecked(path, choice, maxFieldBytes: maxFieldBytes, input: input, fail) else {
                    continue
                }
                accepted = true
                if content != lastRoundTrip {
                    self.checkCSVRoundTrip(content, through: rewritten, choice: choice, fail)
                    lastRoundTrip = content
                }
            }
            return accepted
        }
    }

    /// The byte reader (`nextRaw`, used by the bulk import) must split every mutated file exactly as `next()` does:
    /// same records on the same lines; a clean record's bytes are its decoded fields; `row(of:)` is `next()`'s row.
    func testRawRecordsAgreeWithDecodedRows() throws {
        let seeds = try FuzzSeeds.csv()
        let path = folder.appendingPathComponent("raw.csv").path
        let mutator = csvMutator(seeds)
        var run = FuzzRun(name: "CSV raw", tag: 0xC5E, defaultIterations: 2_000)
        run.forEach(seeds: seeds, mutator: mutator) { input, rng, fail in
            guard fuzzWriteFile(path, input) else { fail("cannot write \(path)"); return false }
            let maxFieldBytes = rng.chance(50) ? 65_536 : 1 + rng.below(48)
            var accepted = false
            for choice in EncodingChoice.allCases {
                guard let decoded = try? CSVReader(path: path, encoding: choice, maxFieldBytes: maxFieldBytes),
                      let raw = try? CSVReader(path: path, encoding: choice, maxFieldBytes: maxFieldBytes) else { continue }
                accepted = true
                let record = CSVRawRecord()
                while true {
                    let expected: CSVRow?
                    do { expected = try decoded.next() } catch {
                        if (try? raw.nextRaw(into: record)) != nil { fail("\(choice): nextRaw reads past \(error)") }
                        break
                    }
                    let more: Bool
                    do { more = try raw.nextRaw(into: record) } catch {
                        fail("\(choice): nextRaw threw \(error) where next() read a row")
                        break
                    }
                    guard let expected else {
                        if more { fail("\(choice): nextRaw reads a record after the last row") }
                        break
                    }
                    guard more else { fail("\(choice): nextRaw ends before line \(expected.line)"); break }
                    if record.line != expected.line || record.count != expected.fields.count {
                        fail("\(choice): record on line \(record.line) with \(record.count) fields, row on line \(expected.line) with \(expected.fields.count)")
                        break
                    }
                    if record.isClean {
                        if !expected.problems.isEmpty { fail("\(choice): line \(expected.line) is clean but has problems \(expected.problems)") }
                        let fields = (0..<record.count).map { String(decoding: record.field($0), as: UTF8.self) }
                        if fields != expected.fields { fail("\(choice): line \(expected.line): bytes \(fields) ≠ fields \(expected.fields)") }
                    }
                    guard let again = try? raw.row(of: record) else { fail("\(choice): row(of:) fails on line \(expected.line)"); break }
                    if again.line != expected.line || again.fields != expected.fields || again.problems != expected.problems {
                        fail("\(choice): row(of:) on line \(expected.line) differs from next()")
                    }
                    if raw.bytesRead != decoded.bytesRead { fail("\(choice): bytesRead \(raw.bytesRead) ≠ \(decoded.bytesRead)") }
                }
            }
            return accepted
        }
    }

    /// Reading a file in two halves (`splitRemainder`, the parallel unit import) must give the records one reader
    /// gives, with the same lines and the same error, wherever the middle falls: also inside a quoted field that
    /// spans lines, when the first half reads on past the split.
    func testReadingInTwoHalvesGivesTheRecordsOfOneReader() throws {
        let seeds = try FuzzSeeds.csv()
        let path = folder.appendingPathComponent("split.csv").path
        let mutator = csvMutator(seeds)
        var run = FuzzRun(name: "CSV split", tag: 0x5B1, defaultIterations: 2_000)
        var split = 0, fooled = 0
        /// Every record from `reader` on: (line, fields) of clean ones, the row's for the rest; or the error.
        func records(_ reader: CSVReader) -> (records: [String], error: String?) {
            let record = CSVRawRecord()
            var records: [String] = []
            do {
                while try reader.nextRaw(into: record) {
                    let fields = record.isClean ? (0..<record.count).map { String(decoding: record.field($0), as: UTF8.self) }
                        : try reader.row(of: record).fields
                    records.append("\(record.line): \(fields)")
                }
            } catch {
                return (records, "\(error)")
            }
            return (records, nil)
        }
        run.forEach(seeds: seeds, mutator: mutator) { input, rng, fail in
            guard fuzzWriteFile(path, input) else { fail("cannot write \(path)"); return false }
            guard let whole = try? CSVReader(path: path, encoding: .utf8),
                  let first = try? CSVReader(path: path, encoding: .utf8) else { return false }
            let expected = records(whole)
            guard let second = first.splitRemainder(minimumBytes: 2) else { return true }
            split += 1
            var got = records(first)
            let rest = records(second)
            if got.error == nil {
                if first.endedAtSplit {
                    got = (got.records + rest.records, rest.error)
                } else {
                    fooled += 1
                    first.readPastSplit()
                    let more = records(first)
                    got = (got.records + more.records, more.error)
                }
            }
            if got.records != expected.records {
                let index = zip(got.records, expected.records).enumerated().first { $1.0 != $1.1 }?.offset
                    ?? min(got.records.count, expected.records.count)
                fail("record \(index): \(index < got.records.count ? got.records[index] : "none") ≠ \(index < expected.records.count ? expected.records[index] : "none")")
            }
            if got.error != expected.error { fail("error \(got.error ?? "none") ≠ \(expected.error ?? "none")") }
            _ = rng
            return true
        }
        XCTAssertGreaterThan(split, 100, "files split")
        XCTAssertGreaterThan(fooled, 0, "splits fooled by a quoted line break")
    }

    /// The mutator of the CSV fuzz tests: CSV tokens, seeded with `seeds`.
    private func csvMutator(_ seeds: [[UInt8]]) -> FuzzMutator {
        FuzzMutator(tokens: FuzzTokens.common + FuzzTokens.csv, nesting: FuzzTokens.jsonNesting, corpus: seeds)
    }

    /// Reads every row with `choice`; nil when the file is refused (after checking the error), else the content.
    private func readCSVChecked(_ path: String, _ choice: EncodingChoice, maxFieldBytes: Int, input: [UInt8],
                                _ fail: (String) -> Void) -> CSVContent? {
        let physicalLines = fuzzPhysicalLineCount(input)
        let reader: CSVReader
        do {
            reader = try CSVReader(path: path, encoding: choice, maxFieldBytes: maxFieldBytes)
        } catch let error as CSVError {
            checkOneLine(error.description, startsWith: path, "CSVReader(\(choice)) error", fail)
            return nil
        } catch {
            fail("CSVReader(\(choice)) threw \(type(of: error)), not CSVError: \(error)")
            return nil
        }
        var rows: [[String]] = []
        var lastLine = reader.headerLine
        do {
            while let row = try reader.next() {
                if row.line <= lastLine || row.line > physicalLines {
                    fail("CSV \(choice): row line \(row.line) after line \(lastLine) (file has \(physicalLines) lines)")
                }
                lastLine = row.line
                if row.fields.isEmpty { fail("CSV \(choice): a row with no fields on line \(row.line)") }
                for problem in row.problems {
                    if !row.fields.indices.contains(problem.column) || problem.line < row.line {
                        fail("CSV \(choice): problem \(problem) outside row on line \(row.line) of \(row.fields.count) fields")
                    }
                    checkOneLine(problem.description, startsWith: "line ", "CSV field problem", fail)
                }
                rows.append(row.fields)
                if rows.count > input.count + 1 {
                    fail("CSV \(choice): more rows than bytes — the reader does not advance")
                    return nil
                }
            }
        } catch let error as CSVError {
            checkOneLine(error.description, startsWith: path, "CSVReader(\(choice)).next() error", fail)
            guard case .unterminatedQuote = error else {
                fail("CSV \(choice): next() threw \(error), only unterminatedQuote is documented there")
                return nil
            }
            do {
                if try reader.next() != nil { fail("CSV \(choice): next() after an error returns a row") }
            } catch {
                fail("CSV \(choice): next() after an error throws again: \(error)")
            }
            return nil
        } catch {
            fail("CSVReader(\(choice)).next() threw \(type(of: error)), not CSVError: \(error)")
            return nil
        }
        if reader.bytesRead != reader.byteCount {
            fail("CSV \(choice): bytesRead \(reader.bytesRead) != byteCount \(reader.byteCount) at the end")
        }
        do {
            if try reader.next() != nil { fail("CSV \(choice): next() after the end returns a row") }
        } catch {
            fail("CSV \(choice): next() after the end throws: \(error)")
        }
        return CSVContent(header: reader.header, rows: rows)
    }

    /// Property: what was read, written back with `CSVWriter` and read again (as UTF-8), is the same header and fields.
    private func checkCSVRoundTrip(_ content: CSVContent, through path: String, choice: EncodingChoice,
                                   _ fail: (String) -> Void) {
        do {
            let writer = try CSVWriter(path: path)
            try writer.write(content.header)
            for row in content.rows { try writer.write(row) }
            try writer.close()
        } catch {
            fail("CSVWriter could not write the rows read with \(choice): \(error)")
            return
        }
        let again: CSVContent
        do {
            again = try readAllCSV(path, .utf8)
        } catch {
            fail("CSV round trip (\(choice)): the rewritten file is refused: \(error)")
            return
        }
        if again.header != content.header {
            fail("CSV round trip (\(choice)): header \(content.header) came back as \(again.header)")
        } else if again.rows != content.rows {
            let index = content.rows.indices.first { $0 >= again.rows.count || again.rows[$0] != content.rows[$0] }
                ?? content.rows.count
            let was = index < content.rows.count ? "\(content.rows[index])" : "nothing"
            let now = index < again.rows.count ? "\(again.rows[index])" : "nothing"
            fail("CSV round trip (\(choice)): row \(index) \(was) came back as \(now)"
                 + " (\(content.rows.count) rows, \(again.rows.count) read back)")
        }
    }

    private func readAllCSV(_ path: String, _ choice: EncodingChoice) throws -> CSVContent {
        let reader = try CSVReader(path: path, encoding: choice)
        var rows: [[String]] = []
        while let row = try reader.next() { rows.append(row.fields) }
        return CSVContent(header: reader.header, rows: rows)
    }

    // MARK: JSON and GeoJSON

    func testMutatedGeoJSONNeverCrashesAndErrorsAreOneLine() throws {
        let seeds = try FuzzSeeds.json()
        let path = folder.appendingPathComponent("fuzz.geojson").path
        for (index, seed) in seeds.enumerated() {
            XCTAssertNoThrow(try JSONParser().parse(seed), "JSON seed \(index) does not parse")
        }
        let mutator = FuzzMutator(tokens: FuzzTokens.common + FuzzTokens.json, nesting: FuzzTokens.jsonNesting,
                                  corpus: seeds)
        var run = FuzzRun(name: "GeoJSON", tag: 0x6E0, defaultIterations: 20_000)
        run.forEach(seeds: seeds, mutator: mutator) { input, rng, fail in
            guard fuzzWriteFile(path, input) else { fail("cannot write \(path)"); return false }
            let json = self.parseJSONChecked(input, maxDepth: 256, fail)
            if rng.chance(10) { _ = self.parseJSONChecked(input, maxDepth: rng.below(1_100), fail) }
            let document: GeoJSONDocument
            do {
                document = try GeoJSONDocument.read(path: path)
            } catch let error as GeoJSONError {
                self.checkOneLine(error.description, startsWith: path, "GeoJSONError", fail)
                // The GeoJSON reader reports invalid JSON exactly where the JSON parser does.
                switch (error, json) {
                case let (.invalidJSON(_, line, column, message), .failure(jsonError)):
                    if (line, column, message) != (jsonError.line, jsonError.column, jsonError.message) {
                        fail("GeoJSON says \(line):\(column) \(message); JSONParser says \(jsonError)")
                    }
                case (.invalidJSON, .success):
                    fail("GeoJSON calls valid JSON invalid: \(error)")
                case (_, .failure(let jsonError)):
                    fail("JSONParser refuses (\(jsonError)) what GeoJSON reads as JSON: \(error)")
                default:
                    break
                }
                return false
            } catch {
                fail("GeoJSONDocument.read threw \(type(of: error)), not GeoJSONError: \(error)")
                return false
            }
            if case .failure(let jsonError) = json { fail("GeoJSON accepts what JSONParser refuses: \(jsonError)") }
            for feature in document.features {
                switch feature {
                case .success(let feature):
                    let problems = feature.geometry.structuralProblems()
                    if !problems.isEmpty { fail("feature \(feature.index) accepted with problems \(problems)") }
                    self.checkWKBRoundTrip(feature.geometry, fail)
                case .failure(let error):
                    self.checkOneLine(error.description, startsWith: "feature \(error.index) (line ",
                                      "FeatureError", fail)
                }
            }
            return true
        }
    }

    private func parseJSONChecked(_ input: [UInt8], maxDepth: Int,
                                  _ fail: (String) -> Void) -> Result<JSONValue, JSONParseError> {
        do {
            return .success(try JSONParser(maxDepth: maxDepth).parse(input))
        } catch let error as JSONParseError {
            checkOneLine(error.description, startsWith: "line ", "JSONParseError", fail)
            if error.line < 1 || error.column < 1 || error.offset < 0 || error.offset > input.count {
                fail("JSONParseError position out of the input: \(error) offset \(error.offset) of \(input.count)")
            }
            return .failure(error)
        } catch {
            fail("JSONParser threw \(type(of: error)), not JSONParseError: \(error)")
            return .failure(JSONParseError(line: 0, column: 0, offset: 0, message: "\(error)"))
        }
    }

    // MARK: WKB

    func testMutatedWKBNeverCrashesAndErrorsAreOneLine() throws {
        let seeds = try FuzzSeeds.wkb()
        for (index, seed) in seeds.enumerated() {
            XCTAssertNoThrow(try Geometry(wkb: seed), "WKB seed \(index) does not read")
        }
        let mutator = FuzzMutator(tokens: FuzzTokens.wkb, nesting: [[0x01, 0x06, 0, 0, 0]], corpus: seeds)
        var run = FuzzRun(name: "WKB", tag: 0x3B, defaultIterations: 80_000)
        run.forEach(seeds: seeds, mutator: mutator) { input, _, fail in
            let geometry: Geometry
            do {
                geometry = try Geometry(wkb: input)
            } catch let error as WKBError {
                self.checkOneLine(error.description, startsWith: "WKB byte ", "WKBError", fail)
                if error.offset < 0 || error.offset > input.count {
                    fail("WKBError offset \(error.offset) outside the \(input.count) bytes")
                }
                return false
            } catch {
                fail("Geometry(wkb:) threw \(type(of: error)), not WKBError: \(error)")
                return false
            }
            for problem in geometry.structuralProblems() {
                self.checkOneLine(problem.description, startsWith: "", "GeometryProblem", fail)
            }
            self.checkWKBRoundTrip(geometry, fail)
            return true
        }
    }

    /// Property: a geometry written as WKB reads back as the same bytes (NaN payloads included).
    private func checkWKBRoundTrip(_ geometry: Geometry, _ fail: (String) -> Void) {
        let bytes = geometry.wkb
        do {
            let again = try Geometry(wkb: bytes)
            if again.wkb != bytes { fail("WKB round trip changed \(geometry) into \(again)") }
        } catch {
            fail("the WKB written for \(geometry) does not read back: \(error)")
        }
    }

    // MARK: Checks

    /// A description is non-empty, one line, and starts with `prefix`. `echoesInput`: the error quotes text from the
    /// input, and a line break in that text was a bug found by fuzzing, now fixed (see the regression tests below).
    private func checkOneLine(_ description: String, startsWith prefix: String, _ what: String,
                              _ fail: (String) -> Void, echoesInput: Bool = false) {
        if description.isEmpty {
            fail("\(what) has an empty description")
        } else if description.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            fail((echoesInput ? FuzzRun.knownBug : "") + "\(what) description is more than one line: \(description.debugDescription)")
        } else if !description.hasPrefix(prefix) {
            fail("\(what) description does not start with \(prefix.debugDescription): \(description.debugDescription)")
        }
    }

    // MARK: Reproductions of bugs the fuzzer found (disabled until fixed in Sources/)

    // Regression, found by fuzzing: a JSON object key holding an escaped line break is quoted as is in the error, so the description is two
    // lines: `{"a\u000ab" 1}` (hex 7b22615c753030306162222031 7d) gives `line 1, column 13: expected ':' after the
    // object key "a⏎b"`; GeoJSONError.invalidJSON repeats it. Found by the fuzzer (FACILITYMAP_FUZZ_ITERATION=305).
    func testJSONErrorQuotingAKeyWithALineBreakIsOneLine() {
        let input = Array(#"{"a\u000ab" 1}"#.utf8)
        XCTAssertThrowsError(try JSONParser().parse(input)) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
        XCTAssertThrowsError(try GeoJSONDocument.parse(input, path: "k.geojson")) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
    }

    // Regression, found by fuzzing: GeoJSONError.notAFeatureCollection quotes the top-level "type" as is: `{"type":"\nFeatureCollection",
    // "features":[]}` gives `…found an object with "type": "⏎FeatureCollection" — export…` (two lines). The same holds
    // for an unsupported crs name (`"crs":{"properties":{"name":"EPSG:\n3857"}}`) and for FeatureError's
    // `has "type": "…"` and `unknown geometry type "…"`. Found by the fuzzer (FACILITYMAP_FUZZ_ITERATION=451).
    func testGeoJSONErrorsQuotingATypeOrCRSWithALineBreakAreOneLine() throws {
        for text in [#"{"type":"\nFeatureCollection","features":[]}"#,
                     #"{"type":"FeatureCollection","crs":{"properties":{"name":"EPSG:\n3857"}},"features":[]}"#] {
            XCTAssertThrowsError(try GeoJSONDocument.parse(Array(text.utf8), path: "t.geojson")) { error in
                XCTAssertFalse("\(error)".contains("\n"), "\(error)")
            }
        }
        let feature = #"{"type":"FeatureCollection","features":[{"type":"Fea\nture"},"#
            + #"{"type":"Feature","geometry":{"type":"Po\rint","coordinates":[1,2]}}]}"#
        for error in try GeoJSONDocument.parse(Array(feature.utf8), path: "t.geojson").featureErrors {
            XCTAssertFalse(error.description.contains(where: \.isNewline), error.description)
        }
    }

    // Regression, found by fuzzing: CSVError.duplicateHeader quotes the column name as is, and a quoted header cell may hold a line break:
    // `"a⏎b","a⏎b"⏎1,2⏎` (hex 2261 0a 62222c2261 0a 6222 0a 312c32 0a) gives `…:1: two columns are named a⏎b (columns 1
    // and 2) — rename or delete one` (two lines).
    func testCSVDuplicateHeaderWithALineBreakIsOneLine() throws {
        let path = folder.appendingPathComponent("duplicate.csv").path
        try writeSeedFile(path, Array("\"a\nb\",\"a\nb\"\n1,2\n".utf8))
        XCTAssertThrowsError(try CSVReader(path: path)) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
    }

    // Regression, found by fuzzing: a GB18030 file that starts with GB18030's own byte order mark (84 31 95 33) is detected as GB18030 by
    // `--encoding auto`, but the mark is not skipped: the first header name comes back as "\u{FEFF}编号", so the
    // required column 编号 (id) is not found. Input (hex): 84 31 95 33 B1 E0 BA C5 2C 61 0A 31 2C 32 0A  ("编号,a\n1,2\n").
    // Regression, found by fuzzing: CSVWriter wrote a first field that starts with U+FEFF unquoted, as the file's first bytes EF BB BF, and
    // every reader (ours too) takes those for a byte order mark: the header ["\u{FEFF}id", "name"] reads back as
    // ["id", "name"]. Such a header comes from a file with two BOMs, or `""` + BOM + `id,name` (hex 2222 efbbbf
    // 69642c6e616d65 0a): found by the CSV round trip, FACILITYMAP_FUZZ_SEED=0xb1034d5fba64662c
    // FACILITYMAP_FUZZ_ITERATION=53720 (also 119072, 172044). Such a field is now quoted.
    func testCSVWriterKeepsALeadingByteOrderMarkCharacter() throws {
        let path = folder.appendingPathComponent("bom-field.csv").path
        let writer = try CSVWriter(path: path)
        try writer.write(["\u{FEFF}id", "name"])
        try writer.write(["1", "a"])
        try writer.close()
        let reader = try CSVReader(path: path, encoding: .utf8)
        XCTAssertEqual(reader.header, ["\u{FEFF}id", "name"])
    }

    func testGB18030ByteOrderMarkIsSkippedByAutoDetection() throws {
        let path = folder.appendingPathComponent("gb-bom.csv").path
        try writeSeedFile(path, [0x84, 0x31, 0x95, 0x33, 0xB1, 0xE0, 0xBA, 0xC5, 0x2C, 0x61, 0x0A, 0x31, 0x2C, 0x32, 0x0A])
        let reader = try CSVReader(path: path, encoding: .auto)
        XCTAssertEqual(reader.encoding, .gb18030)
        XCTAssertTrue(reader.hadByteOrderMark)
        XCTAssertEqual(reader.header, ["编号", "a"])
        // The mark alone is an empty file, as under `.gb18030` (it was a header named "\u{FEFF}", which the CSV round
        // trip caught: FACILITYMAP_FUZZ_SEED=0xb1034d5fba64662c FACILITYMAP_FUZZ_ITERATION=149915, input 84319533).
        try writeSeedFile(path, [0x84, 0x31, 0x95, 0x33])
        for choice in [EncodingChoice.auto, .gb18030] {
            XCTAssertThrowsError(try CSVReader(path: path, encoding: choice)) { error in
                XCTAssertEqual(error as? CSVError, .empty(path: path), "\(choice)")
            }
        }
    }
}


/// The header and fields of a whole CSV file.
private struct CSVContent: Equatable {
    var header: [String]
    var rows: [[String]]
}

// MARK: - Seeds: valid inputs from the repository

private enum FuzzSeeds {
    /// The repository root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func file(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    /// The first `lines` lines of a file (each with its line break).
    static func head(_ relative: String, lines: Int) throws -> [UInt8] {
        let bytes = try file(relative)
        var seen = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            seen += 1
            if seen == lines { return Array(bytes[...index]) }
        }
        return bytes
    }

    static func csv() throws -> [[UInt8]] {
        let fixtures = "Tests/FacilityMapKitTests/Fixtures/"
        return [
            try head("GeoData/luoyang/facilities-education.csv", lines: 6),
            try head("GeoData/luoyang/facilities-health.csv", lines: 6),   // GB18030, Chinese header
            try head("GeoData/luoyang/units.csv", lines: 6),
            try file(fixtures + "facilities.csv"),
            try file(fixtures + "facilities-bad.csv"),
            try file(fixtures + "facilities-bom-crlf.csv"),
            try file(fixtures + "facilities-gb18030-gcj02.csv"),
            Array("id,name,note\n1,\"quoted, \"\"with\"\" quotes\",\"two\r\nlines\"\n2,plain,\n".utf8),
            Array("a\n\"\"\n,\n".utf8),
        ]
    }

    static func json() throws -> [[UInt8]] {
        [
            try file("Tests/FacilityMapKitTests/Fixtures/polygons.geojson"),
            try districtsSlice(),
            Array(#"{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"code":"410302","population":12.5},"geometry":{"type":"Point","coordinates":[112.4,34.6,120]}}]}"#.utf8),
            Array(#"{"type":"Feature","properties":null,"geometry":{"type":"MultiPoint","coordinates":[[112.4,34.6]]}}"#.utf8),
            Array(#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[]}"#.utf8),
            Array(#"{"a":[1,-0,2.5e-3,1E+2,"\u00e9\ud83d\ude00\n\"",true,false,null],"b":{},"c":[[]]}"#.utf8),
            Array(#"[{"type":"Feature"}]"#.utf8),
        ]
    }

    /// One district of GeoData/luoyang/districts.geojson, its first ring cut to 30 positions (and closed again).
    static func districtsSlice() throws -> [UInt8] {
        let document = try GeoJSONDocument.read(path: root.appendingPathComponent("GeoData/luoyang/districts.geojson").path)
        let districts = document.validFeatures.filter { $0.properties["level"] != .string("city") }
        guard let feature = districts.first else { throw FuzzSetupError(message: "districts.geojson has no district") }
        let ring: [LonLat]
        switch feature.geometry {
        case .multiPolygon(let multi): ring = multi.polygons.first?.exterior ?? []
        case .polygon(let polygon): ring = polygon.exterior
        case .point: ring = []
        }
        guard ring.count >= 4 else { throw FuzzSetupError(message: "districts.geojson: the first district has no ring") }
        let positions = Array(ring.prefix(30)) + [ring[0]]
        let coordinates = positions.map { "[\($0.lon), \($0.lat)]" }.joined(separator: ", ")
        let properties = feature.properties.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
            guard let text = value.stringValue else { return nil }
            return "\"\(key)\": \"\(text.replacingOccurrences(of: "\"", with: "\\\""))\""
        }.joined(separator: ", ")
        let text = """
            {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
             "features": [{"type": "Feature", "properties": {\(properties)},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[\(coordinates)]]]}}]}

            """
        return Array(text.utf8)
    }

    static func wkb() throws -> [[UInt8]] {
        var geometries: [Geometry] = [
            .point(LonLat(112.45, 34.62)),
            .polygon(Polygon(exterior: [LonLat(0, 0), LonLat(1, 0), LonLat(1, 1), LonLat(0, 0)],
                             holes: [[LonLat(0.2, 0.1), LonLat(0.8, 0.1), LonLat(0.8, 0.7), LonLat(0.2, 0.1)]])),
        ]
        for seed in [try json()[0], try districtsSlice()] {
            geometries += try GeoJSONDocument.parse(seed).validFeatures.map(\.geometry)
        }
        var seeds = geometries.map(\.wkb)
        // Big-endian (XDR) Point and one-point MultiPoint, written by hand.
        let x = Double(112.45).bitPattern.bigEndian, y = Double(34.62).bitPattern.bigEndian
        let point: [UInt8] = [0, 0, 0, 0, 1] + bytesOf(x) + bytesOf(y)
        seeds.append(point)
        seeds.append([0, 0, 0, 0, 4, 0, 0, 0, 1] + point)
        return seeds
    }
}

private struct FuzzSetupError: Error { let message: String }

/// Writes `bytes` to `path`, replacing it; false when that fails.
private func fuzzWriteFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { $0.isEmpty ? 0 : write(fd, $0.baseAddress, $0.count) }
    return written == bytes.count
}

private func writeSeedFile(_ path: String, _ bytes: [UInt8]) throws {
    guard fuzzWriteFile(path, bytes) else { throw FuzzSetupError(message: "cannot write \(path)") }
}

private func bytesOf<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

/// Physical lines as the CSV reader counts them (LF, CR LF or a lone CR end a line).
private func fuzzPhysicalLineCount(_ bytes: [UInt8]) -> Int {
    var lines = 1
    var i = 0
    while i < bytes.count {
        if bytes[i] == 0x0A || (bytes[i] == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A)) { lines += 1 }
        i += 1
    }
    return lines
}

// MARK: - Interesting tokens

private enum FuzzTokens {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// For every text format: quoting, separators, line breaks, bad and partial UTF-8, GB18030 lead bytes, byte order
    /// marks, brackets, non-finite and out-of-range numbers, YAML anchors, aliases and merge keys.
    static let common: [[UInt8]] = [
        [0x22], [0x2C], [0x0D, 0x0A], [0x0A], [0x0D], [0x00], [0xFF], [0xC3], [0x81], [0xFE], [0x84, 0x31],
        [0xE4, 0xB8], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBB, 0xBF],
        [0x84, 0x31, 0x95, 0x33], [0xFF, 0xFE], [0xE2, 0x80, 0xA8], [0xC2, 0x85],
        bytes("{"), bytes("["), bytes("]"), bytes("}"), bytes(":"), bytes("\t"), bytes(" "), bytes("\"\""),
        bytes("NaN"), bytes("Infinity"), bytes("-Infinity"), bytes("-0"), bytes("1e309"), bytes("-1e309"),
        bytes("1e-400"), bytes("123456789012345678901234567890"), bytes("0.1e"), bytes("&a"), bytes("*a"), bytes("<<"),
        bytes("null"), bytes("true"), bytes("'"), bytes("#"), bytes("\\"),
    ]

    static let csv: [[UInt8]] = [
        bytes("\",\""), bytes("\"\"\""), bytes(",,,,"), bytes("\n\n"), bytes("\r\r"), bytes("\"\n"), bytes("id,id"),
        bytes("编号"), [0xB1, 0xE0, 0xBA, 0xC5], [0x95, 0x32, 0x82, 0x36], [0x81, 0x30], [0x81, 0x30, 0x81],
    ]

    static let json: [[UInt8]] = [
        bytes("\\n"), bytes("\\u0000"), bytes("\\u000a"), bytes("\\ud800"), bytes("\\udc00"), bytes("\\ud83d\\ude00"),
        bytes("\\x"), bytes(",]"), bytes(",}"), bytes("\"type\""), bytes("\"Feature\""), bytes("\"FeatureCollection\""),
        bytes("\"features\""), bytes("\"geometry\""), bytes("\"coordinates\""), bytes("\"crs\""), bytes("\"Polygon\""),
        bytes("\"MultiPolygon\""), bytes("\"LineString\""), bytes("[[[]]]"), bytes("[1]"), bytes("[181,91]"),
        bytes("{\"type\":\"Point\",\"coordinates\":[1,2]}"), bytes("1.7976931348623157e308"), bytes("5e-324"),
        bytes("00"), bytes("-"), bytes("1."), bytes("/*"), bytes("181"), bytes("-91"), bytes("0"), bytes("1e2"),
        bytes("-0.0"), bytes("[]"), bytes("{}"), bytes("[112.4,34.6]"), bytes("\"Point\""), bytes("\"MultiPoint\""),
    ]

    /// Deep nesting: `FuzzMutator` inserts hundreds of copies.
    static let jsonNesting: [[UInt8]] = [bytes("["), bytes("{\"a\":"), bytes("[{\"a\":")]

    static func le32(_ v: UInt32) -> [UInt8] { bytesOf(v.littleEndian) }
    static func be32(_ v: UInt32) -> [UInt8] { bytesOf(v.bigEndian) }
    static func le64(_ d: Double) -> [UInt8] { bytesOf(d.bitPattern.littleEndian) }

    /// WKB: byte-order markers, type codes (plain, Z/M/ZM, EWKB flags, unknown), counts and special doubles.
    static let wkb: [[UInt8]] = {
        let codes: [UInt32] = [0, 1, 2, 3, 4, 6, 7, 17, 18, 1001, 1003, 2003, 3006, 4006, 0x2000_0001, 0x8000_0003,
                               0x7FFF_FFFF, 0xFFFF_FFFF, 0x1000_0000]
        var tokens: [[UInt8]] = [[0x00], [0x01], [0x02], [0xFF]]
        for code in codes { tokens += [le32(code), be32(code)] }
        for d in [Double.nan, .infinity, -.infinity, -0.0, 1e308, 181, -91, .leastNonzeroMagnitude] { tokens.append(le64(d)) }
        tokens.append([0x01, 0x03, 0, 0, 0, 0, 0, 0, 0])   // an empty Polygon
        tokens.append([0x01, 0x06, 0, 0, 0, 0, 0, 0, 0])   // an empty MultiPolygon
        return tokens
    }()
}


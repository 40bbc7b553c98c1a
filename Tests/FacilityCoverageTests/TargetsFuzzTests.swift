@testable import FacilityCoverage
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounded fuzz tests of targets files: thousands of mutated YAML inputs, made by a seeded mutator from the Luoyang
/// targets file and a few small ones, go through `TargetPlan(yaml:file:)` (and `TargetPlan(path:)`). Each must give a
/// plan or a `TargetsError` whose description is one line starting with the file name; nothing may trap, crash or
/// hang. YAML bombs (anchors and aliases that expand exponentially, deep nesting) must be refused at once.
///
/// Settings as in Tests/FacilityFormatsTests/FuzzTests.swift: `FACILITYMAP_FUZZ_ITERATIONS`, `FACILITYMAP_FUZZ_SEED`,
/// `FACILITYMAP_FUZZ_ITERATION` (replay one) and `FACILITYMAP_FUZZ_TIMEOUT`; `Scripts/fuzz` runs a long campaign.
final class TargetsFuzzTests: XCTestCase {
    func testMutatedTargetsYAMLIsReadOrRefusedWithAOneLineErrorNamingTheFile() throws {
        let seeds = try TargetsFuzzSeeds.all()
        for (index, seed) in seeds.enumerated() {
            XCTAssertNoThrow(try TargetPlan(yaml: String(decoding: seed, as: UTF8.self), file: "seed.yaml"),
                             "YAML seed \(index) is refused")
        }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("TargetsFuzz-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fuzz-targets.yaml").path

        let mutator = FuzzMutator(tokens: TargetsFuzzTokens.all, nesting: TargetsFuzzTokens.nesting, corpus: seeds)
        var run = FuzzRun(name: "targets YAML", tag: 0x7A6, defaultIterations: 5_000)
        run.forEach(seeds: seeds, mutator: mutator) { input, rng, fail in
            var accepted = false
            // As text (what `--targets` gets after decoding), and now and then as a file of raw bytes.
            if let plan = self.readChecked(file: "fuzz.yaml", fail, { try TargetPlan(yaml: String(decoding: input, as: UTF8.self), file: "fuzz.yaml") }) {
                accepted = true
                self.checkPlan(plan, fail)
            }
            if rng.chance(20) {
                guard FileManager.default.createFile(atPath: path, contents: Data(input)) else {
                    fail("cannot write \(path)")
                    return accepted
                }
                if let plan = self.readChecked(file: path, fail, { try TargetPlan(path: path) }) { self.checkPlan(plan, fail) }
            }
            return accepted
        }
    }

    /// Runs `read`; nil when it refused the input with a proper `TargetsError`.
    private func readChecked(file: String, _ fail: (String) -> Void, _ read: () throws -> TargetPlan) -> TargetPlan? {
        do {
            return try read()
        } catch let error as TargetsError {
            let description = error.description
            if !description.hasPrefix(file + ": ") || error.message.isEmpty {
                fail("TargetsError does not start with the file name \(file.debugDescription): \(description.debugDescription)")
            }
            if description.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
                fail("TargetsError description is more than one line: \(description.debugDescription)")
            }
            return nil
        } catch {
            fail("TargetPlan threw \(type(of: error)), not TargetsError: \(error)")
            return nil
        }
    }

    /// What `TargetPlan` promises of a plan it accepts.
    private func checkPlan(_ plan: TargetPlan, _ fail: (String) -> Void) {
        if plan.plan.isEmpty { fail("accepted a plan without a name") }
        if plan.targets.isEmpty { fail("accepted a plan without targets") }
        if Set(plan.targets.map(\.id)).count != plan.targets.count { fail("accepted two targets with one id") }
        for target in plan.targets {
            if target.id.isEmpty || target.kinds.isEmpty || target.goals.isEmpty || target.min < 1 {
                fail("accepted an incomplete target \(target)")
            }
            if !(0...1_000_000).contains(target.withinMetres) { fail("accepted within_m \(target.withinMetres)") }
            if target.goals.contains(where: { !(1900...2200).contains($0.key) || !$0.value.isFinite || $0.value < 0 }) {
                fail("accepted goals \(target.goals)")
            }
        }
    }

    // MARK: YAML bombs

    /// Ten levels of ten aliases: 10^9 strings once expanded ("billion laughs").
    static func billionLaughs(keys: Bool = false) -> String {
        var lines = ["plan: p", #"lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]"#]
        for level in 1...9 {
            lines.append("lol\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append(keys ? "? *a9\n: lol" : "targets: *a9")
        return lines.joined(separator: "\n") + "\n"
    }

    func testBillionLaughsYAMLIsRefusedQuickly() {
        let block = """
            plan: p
            lol0: &a0
              - lol
              - lol
            lol1: &a1
              - *a0
              - *a0
            targets:
              - *a1
            """
        let merge = "plan: p\nbase: &b {id: t}\ntargets:\n  - <<: *b\n    metric: count\n"
        for (name, yaml) in [("flow", Self.billionLaughs()), ("aliases as keys", Self.billionLaughs(keys: true)),
                             ("block", block), ("merge key", merge)] {
            let started = Date()
            XCTAssertThrowsError(try TargetPlan(yaml: yaml, file: "bomb.yaml"), name) { error in
                let description = "\(error)"
                XCTAssertTrue(description.hasPrefix("bomb.yaml: line "), description)
                XCTAssertTrue(description.contains("anchors and aliases"), description)
                XCTAssertFalse(description.contains("\n"), description)
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 1, "\(name): refusing the YAML bomb took too long")
        }
    }

    func testDeeplyNestedYAMLIsRefusedQuickly() {
        let depth = 200_000   // a 1 MiB file allows far deeper nesting than any parser should follow
        let cases = [
            ("flow sequences", String(repeating: "[", count: depth)),
            ("flow mappings", "plan: " + String(repeating: "{a: ", count: depth)),
            ("block sequences", "targets:\n" + String(repeating: "- ", count: depth) + "x\n"),
            ("closed flow sequences", "plan: p\ntargets: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)),
        ]
        for (name, yaml) in cases {
            let started = Date()
            XCTAssertThrowsError(try TargetPlan(yaml: yaml, file: "deep.yaml"), name) { error in
                XCTAssertTrue(error is TargetsError, "\(name): \(type(of: error))")
                XCTAssertTrue("\(error)".hasPrefix("deep.yaml: "), "\(name): \(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "\(name): refusing took too long")
        }
        XCTAssertThrowsError(try TargetPlan(yaml: String(repeating: "#", count: (1 << 20) + 1), file: "big.yaml")) { error in
            XCTAssertEqual("\(error)", "big.yaml: the file is larger than 1 MiB — a targets file is a few kilobytes")
        }
    }
}

// MARK: - Seeds and tokens

private enum TargetsFuzzSeeds {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func all() throws -> [[UInt8]] {
        let luoyang = Array(try Data(contentsOf: root.appendingPathComponent("GeoData/targets/luoyang-2022.yaml")))
        let small = [
            "plan: p\ntargets:\n  - id: t1\n    metric: count\n    kinds: [hospital]\n    goals: {2025: 1}\n",
            """
            # block style, quoted and Chinese values
            plan: "幸福 plan"
            area: '410300'
            targets:
              - id: beds
                title: 每千人口床位
                metric: per_population
                kinds:
                  - 医院
                  - township_health_center
                field: beds
                per: 1000
                goals:
                  2023: 9.9
                  2025: 10.5
            """,
            "plan: p\ntargets:\n- {id: share, metric: share, kinds: kindergarten, field: places, where: inclusive, goals: {2025: 0.87}}\n"
                + "- {id: cover, metric: unit_coverage, units: village, kinds: [village_clinic], within_m: 500, goals: {2023: 1.0}}\n"
                + "- {id: per-county, metric: count, kinds: [vocational_school], per_area: county, min: 2, goals: {2025: 1}}\n",
        ]
        return [luoyang] + small.map { Array($0.utf8) }
    }
}

private enum TargetsFuzzTokens {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let all: [[UInt8]] = [
        // Shared with the other formats: quoting, separators, line breaks, bad UTF-8, brackets, numbers.
        [0x22], [0x2C], [0x0D, 0x0A], [0x0A], [0x0D], [0x00], [0xFF], [0xC3], [0x81], [0xFE], [0xE4, 0xB8],
        [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xA8], [0xC2, 0x85], [0x09],
        bytes("{"), bytes("["), bytes("]"), bytes("}"), bytes(":"), bytes(" "), bytes("NaN"), bytes("Infinity"),
        bytes("-0"), bytes("1e309"), bytes("-1e309"), bytes("123456789012345678901234567890"),
        // YAML: anchors, aliases, merge keys, tags, indicators, directives, special scalars.
        bytes("&a"), bytes("*a"), bytes("&a "), bytes(" *a"), bytes("<<"), bytes("<<: *a"), bytes(": "), bytes("- "),
        bytes("? "), bytes("!!str "), bytes("!!binary "), bytes("!!float "), bytes("!!map "), bytes("!<tag:x> "),
        bytes("!local "), bytes("|"), bytes(">-"), bytes("|+2"), bytes("---\n"), bytes("...\n"), bytes("%YAML 1.1\n"),
        bytes("%TAG ! tag:x,2000:\n"), bytes("'"), bytes("''"), bytes("#"), bytes(" #"), bytes("~"), bytes("null"),
        bytes(".nan"), bytes(".inf"), bytes("-.inf"), bytes("0x1F"), bytes("0o17"), bytes("1_000"), bytes("2025"),
        bytes("1900"), bytes("2201"), bytes("0.87"), bytes("1.5"), bytes("-1"), bytes("true"), bytes("\\n"),
        bytes("\"\\n\""), bytes("\"a\\u000ab\""), bytes("\\x00"), bytes("\n  "), bytes("\n    "), bytes("\t- "),
        bytes("id"), bytes("metric"), bytes("count"), bytes("share"), bytes("unit_coverage"), bytes("per_population"),
        bytes("kinds"), bytes("goals"), bytes("per_area"), bytes("within_m"), bytes("hospital"), bytes("幼儿园"),
    ]

    static let nesting: [[UInt8]] = [bytes("["), bytes("{a: "), bytes("- "), bytes("{"), bytes("? ")]
}


extension TargetsFuzzTests {
    /// "Billion laughs" whose line breaks are lone CRs (YAML also breaks lines at NEL U+0085, LS U+2028 and PS U+2029),
    /// with the last alias used as a mapping key: 842 bytes for 9 levels.
    static func billionLaughsWithCarriageReturns(levels: Int = 9) -> String {
        var lines = ["plan: p", "lol0:", "  &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...levels {
            lines.append("lol\(level):")
            lines.append("  &a\(level) [" + Array(repeating: "\r  *a\(level - 1)", count: 10).joined(separator: ",") + "]")
        }
        lines.append("? \r  *a\(levels)\r: lol")
        return lines.joined(separator: "\r") + "\r"
    }

    // Regression, found by fuzzing: a YAML bomb whose lines end in CR was not refused and hung. `anchorOrAliasLine`
    // split lines at "\n" only, but YAML (libyaml) also ends a line at a lone CR, NEL, U+2028 and U+2029; so an anchor
    // or alias at the start of such a line was not seen, Yams expands the aliases, and its duplicate-key check hashes a key that is an alias of 10^9 nodes. Input
    // (842 bytes; CR shown as ⏎): `plan: p⏎lol0:⏎  &a0 [lol, lol, …]⏎lol1:⏎  &a1 [⏎  *a0,⏎  *a0, … ×10]⏎ … lol9: …⏎? ⏎  *a9⏎: lol⏎`
    // = billionLaughsWithCarriageReturns(). Time grows ×10 per level: 6 levels take 6 s in a debug build, 9 would
    // take hours. Now every YAML line break counts.
    func testBillionLaughsWithCarriageReturnLineBreaksIsRefusedQuickly() {
        for separator in ["\r", "\u{85}", "\u{2028}", "\u{2029}"] {
            let yaml = Self.billionLaughsWithCarriageReturns().replacingOccurrences(of: "\r", with: separator)
            let started = Date()
            XCTAssertThrowsError(try TargetPlan(yaml: yaml, file: "bomb.yaml")) { error in
                XCTAssertTrue("\(error)".contains("anchors and aliases"), "\(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        }
    }

    // Regression, found by fuzzing: a YAML syntax error gives a TargetsError of several lines, because it quotes Yams's own description
    // (position, problem, the offending line and a caret line). Input: "plan: [p\n" (hex 706c616e3a205b700a) gives
    // "t.yaml: not valid YAML: 2:1: error: parser: did not find expected ',' or ']' …:⏎plan: [p⏎      ^".
    func testYAMLSyntaxErrorDescriptionIsOneLine() {
        XCTAssertThrowsError(try TargetPlan(yaml: "plan: [p\n", file: "t.yaml")) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
    }

    // Regression, found by fuzzing: a quoted scalar with a line break is quoted as is: `plan: p⏎targets:⏎  - id: t⏎    metric: "ra⏎tio"`…
    // (YAML "ra\ntio") gives "t.yaml: target t: unknown metric ra⏎tio — use one of …" (two lines).
    func testTargetsErrorQuotingAScalarWithALineBreakIsOneLine() {
        let yaml = "plan: p\ntargets:\n  - id: t\n    metric: \"ra\\ntio\"\n    kinds: [hospital]\n    goals: {2025: 1}\n"
        XCTAssertThrowsError(try TargetPlan(yaml: yaml, file: "t.yaml")) { error in
            XCTAssertFalse("\(error)".contains("\n"), "\(error)")
        }
    }
}

// MARK: - Fuzz support (the same block is in Tests/FacilityFormatsTests/FuzzTests.swift)

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator; any 64-bit seed gives a good stream.
struct SplitMix64 {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0; the modulo bias is irrelevant here).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Makes hostile variants of valid inputs: bit flips, random bytes, insertions and deletions, interesting tokens,
/// GB18030 lead bytes, duplicated and truncated ranges, splices of two inputs and deep nesting.
struct FuzzMutator {
    var tokens: [[UInt8]]
    /// Openers repeated hundreds of times to make deeply nested input (e.g. `[` or `{"a":`).
    var nesting: [[UInt8]]
    var corpus: [[UInt8]]
    var maxLength = 1 << 16

    /// 1–4 stacked mutations (half the time one, sometimes 8–16); `steps` names them, for failure reports.
    func mutate(_ original: [UInt8], _ rng: inout SplitMix64) -> (bytes: [UInt8], steps: [String]) {
        var bytes = original
        var steps: [String] = []
        let roll = rng.below(100)
        let count = roll < 50 ? 1 : roll < 75 ? 2 : roll < 90 ? 3 + rng.below(2) : 8 + rng.below(9)
        for _ in 0..<count {
            steps.append(mutateOnce(&bytes, &rng))
            if bytes.count > maxLength { bytes.removeLast(bytes.count - maxLength) }
        }
        return (bytes, steps)
    }

    private func mutateOnce(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> String {
        let n = bytes.count
        let operation = n == 0 ? 2 + rng.below(2) * 2 : rng.below(12)
        switch operation {
        case 0:
            let at = rng.below(n), bit = rng.below(8)
            bytes[at] ^= UInt8(1 << bit)
            return "flip bit \(bit) at \(at)"
        case 1:
            let at = rng.below(n), value = UInt8(truncatingIfNeeded: rng.next())
            bytes[at] = value
            return "set byte \(at) to \(value)"
        case 2:
            let at = rng.below(n + 1), length = 1 + rng.below(8)
            bytes.insert(contentsOf: (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            return "insert \(length) random bytes at \(at)"
        case 3:
            let at = rng.below(n), length = 1 + rng.below(min(32, n - at))
            bytes.removeSubrange(at..<(at + length))
            return "delete \(length) bytes at \(at)"
        case 4:
            let at = rng.below(n + 1), token = rng.pick(tokens)
            bytes.insert(contentsOf: token, at: at)
            return "insert token \(fuzzHex(token, limit: 16)) at \(at)"
        case 5:
            let at = rng.below(n), token = rng.pick(tokens)
            bytes.replaceSubrange(at..<min(n, at + token.count), with: token)
            return "overwrite at \(at) with token \(fuzzHex(token, limit: 16))"
        case 6:
            let at = rng.below(n + 1), lead = UInt8(0x81 + rng.below(126))
            var inserted = [lead]
            if rng.chance(70) { inserted.append(rng.chance(30) ? UInt8(0x30 + rng.below(10)) : UInt8(0x40 + rng.below(0xBF))) }
            bytes.insert(contentsOf: inserted, at: at)
            return "insert GB18030 lead \(fuzzHex(inserted, limit: 4)) at \(at)"
        case 7:
            let start = rng.below(n), length = 1 + rng.below(min(256, n - start))
            let piece = Array(bytes[start..<(start + length)])
            let copies = rng.chance(80) ? 1 : 2 + rng.below(30)
            let at = rng.below(n + 1)
            for _ in 0..<copies { bytes.insert(contentsOf: piece, at: at) }
            return "duplicate \(length) bytes from \(start) ×\(copies) at \(at)"
        case 8:
            let keep = rng.below(n)
            bytes.removeLast(n - keep)
            return "truncate to \(keep) bytes"
        case 9:
            let other = rng.pick(corpus)
            let cut = rng.below(n + 1), from = rng.below(other.count + 1)
            bytes = Array(bytes[..<cut]) + other[from...]
            return "splice: first \(cut) bytes, then another seed from \(from)"
        case 10:
            // Replace the word around a random byte (letters, digits, . + - _) with a token: a value changes, the
            // structure around it stays, so more inputs get past the syntax into the semantics.
            func isWord(_ b: UInt8) -> Bool {
                (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2E || b == 0x2B || b == 0x2D || b == 0x5F
            }
            var start = rng.below(n), end = start
            while start > 0 && isWord(bytes[start - 1]) { start -= 1 }
            while end < n && isWord(bytes[end]) { end += 1 }
            let token = rng.pick(tokens)
            bytes.replaceSubrange(start..<end, with: token)
            return "replace \(end - start) bytes at \(start) with token \(fuzzHex(token, limit: 16))"
        default:
            let at = rng.below(n + 1), opener = rng.pick(nesting)
            let depth = rng.pick([2, 255, 256, 257, 500, 1_000, 1_001, 5_000])
            var run: [UInt8] = []
            run.reserveCapacity(depth * opener.count)
            for _ in 0..<depth { run += opener }
            bytes.insert(contentsOf: run, at: at)
            return "insert \(depth) × \(fuzzHex(opener, limit: 8)) at \(at)"
        }
    }
}

/// "0a22ff…" — up to `limit` bytes, then how many more.
func fuzzHex(_ bytes: [UInt8], limit: Int = 512) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    text.reserveCapacity(min(bytes.count, limit) * 2 + 24)
    for byte in bytes.prefix(limit) {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    if bytes.count > limit { text += "…(+\(bytes.count - limit) bytes)" }
    return text
}

/// One fuzz campaign for one parser: settings from the environment, the iteration loop, failure reports.
struct FuzzRun {
    /// A `fail` message starting with this is a known bug (FIXME): counted and shown once, not a failure.
    static let knownBug = "FIXME known bug: "

    let name: String
    let seed: UInt64
    let iterations: Int
    /// `FACILITYMAP_FUZZ_ITERATION`: replay only this iteration.
    let only: Int?
    private let tag: UInt64

    /// `tag` separates the parsers' streams; `defaultIterations` is the CI budget.
    init(name: String, tag: UInt64, defaultIterations: Int) {
        let environment = ProcessInfo.processInfo.environment
        func number(_ key: String) -> UInt64? {
            guard let text = environment[key]?.replacingOccurrences(of: "_", with: ""), !text.isEmpty else { return nil }
            return text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        }
        self.name = name
        self.tag = tag
        seed = number("FACILITYMAP_FUZZ_SEED") ?? 0x5EED_F00D_2022
        iterations = number("FACILITYMAP_FUZZ_ITERATIONS").map { Int(min($0, 1 << 40)) } ?? defaultIterations
        only = number("FACILITYMAP_FUZZ_ITERATION").map { Int(min($0, 1 << 40)) }
    }

    /// Runs `body` on each input: iteration i < seeds.count is seed i as is, later ones a mutation of a random seed.
    /// `body` gets the input, this iteration's generator and a `fail` callback; it returns whether the input was
    /// accepted (for the summary). Failures are reported with everything needed to reproduce them.
    mutating func forEach(seeds: [[UInt8]], mutator: FuzzMutator,
                          _ body: ([UInt8], inout SplitMix64, (String) -> Void) -> Bool,
                          file: StaticString = #filePath, line: UInt = #line) {
        FuzzGuard.installOnce()
        let settings = "FACILITYMAP_FUZZ_SEED=0x\(String(seed, radix: 16))"
        let range = only.map { $0..<($0 + 1) } ?? 0..<iterations
        print("fuzz \(name): \(range.count) iteration(s), \(settings)")
        FuzzGuard.begin("fuzz \(name) \(settings)")
        defer { FuzzGuard.end() }
        let started = DispatchTime.now().uptimeNanoseconds
        var accepted = 0, failures = 0, known = 0
        var slowest = (nanoseconds: UInt64(0), iteration: 0)
        for iteration in range {
            var rng = SplitMix64(seed: seed ^ (tag &* 0xD6E8_FEB8_6659_FD93) ^ UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15)
            _ = rng.next()
            let input: [UInt8], steps: [String]
            if iteration < seeds.count {
                (input, steps) = (seeds[iteration], ["seed \(iteration) as is"])
            } else {
                (input, steps) = mutator.mutate(seeds[rng.below(seeds.count)], &rng)
            }
            FuzzGuard.note(iteration: iteration, input: input)
            var messages: [String] = []
            let before = DispatchTime.now().uptimeNanoseconds
            if body(input, &rng, { messages.append($0) }) { accepted += 1 }
            let elapsed = DispatchTime.now().uptimeNanoseconds - before
            if elapsed > slowest.nanoseconds { slowest = (elapsed, iteration) }
            for message in messages {
                if message.hasPrefix(FuzzRun.knownBug) {
                    known += 1
                    if known == 1 {
                        print("fuzz \(name) iteration \(iteration): \(message)\n  input (\(input.count) bytes, hex): \(fuzzHex(input))")
                    }
                    continue
                }
                failures += 1
                guard failures <= 10 else { continue }
                XCTFail("""
                    fuzz \(name) iteration \(iteration): \(message)
                      reproduce: \(settings) FACILITYMAP_FUZZ_ITERATION=\(iteration) swift test --filter Fuzz
                      mutations: \(steps.joined(separator: "; "))
                      input (\(input.count) bytes, hex): \(fuzzHex(input))
                    """, file: file, line: line)
            }
        }
        if failures > 10 { XCTFail("fuzz \(name): \(failures) failures in all (first 10 shown)", file: file, line: line) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print("fuzz \(name): \(range.count) inputs in \(String(format: "%.1f", seconds)) s, \(accepted) accepted,"
              + " \(range.count - accepted) refused, \(failures) failure(s), \(known) known-bug (FIXME) hit(s);"
              + " slowest: iteration \(slowest.iteration)"
              + " \(String(format: "%.1f", Double(slowest.nanoseconds) / 1e6)) ms")
    }
}

/// Prints the current seed, iteration and input (hex) when the process crashes (a trap or a bad access: the signal
/// handler writes what `note` stored, without allocating, then hands the signal back to the previous handler) or when
/// one input runs longer than `FACILITYMAP_FUZZ_TIMEOUT` seconds (default 20: a watchdog thread prints and aborts).
enum FuzzGuard {
    static let inputCapacity = 1_024
    static let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
    static let label = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    static let text = UnsafeMutablePointer<UInt8>.allocate(capacity: 512 + 2 * inputCapacity)
    static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)
    /// Plain words shared with the handler and the watchdog (aligned word reads and writes).
    static let state = UnsafeMutablePointer<Int>.allocate(capacity: 5)   // active, label length, iteration, input length, step
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]
    static let timeout: Double = {
        Double(ProcessInfo.processInfo.environment["FACILITYMAP_FUZZ_TIMEOUT"] ?? "") ?? 20
    }()

    private static let installation: Void = {
        state.initialize(repeating: 0, count: 5)
        for signal in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = fuzzSignalHandler
            #else
            action.__sigaction_u.__sa_handler = fuzzSignalHandler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + Int(signal))
        }
        let watchdog = Thread {
            var lastStep = -1
            var stuckSince = DispatchTime.now().uptimeNanoseconds
            while true {
                usleep(250_000)
                let step = state[4]
                let now = DispatchTime.now().uptimeNanoseconds
                if state[0] == 0 || step != lastStep {
                    lastStep = step
                    stuckSince = now
                } else if Double(now - stuckSince) / 1e9 > timeout {
                    FuzzGuard.reportHang("HANG: one input took more than \(Int(timeout)) s")
                    state[0] = 0
                    abort()
                }
            }
        }
        watchdog.name = "fuzz watchdog"
        watchdog.start()
    }()

    static func installOnce() { _ = installation }

    static func begin(_ name: String) {
        let bytes = Array(name.utf8.prefix(255))
        for (i, b) in bytes.enumerated() { label[i] = b }
        state[1] = bytes.count
        state[0] = 1
    }

    static func end() { state[0] = 0 }

    static func note(iteration: Int, input bytes: [UInt8]) {
        let n = min(bytes.count, inputCapacity)
        bytes.withUnsafeBufferPointer { buffer in
            if n > 0 { input.update(from: buffer.baseAddress!, count: n) }
        }
        state[2] = iteration
        state[3] = bytes.count
        state[4] &+= 1
    }

    /// Writes "<reason> fuzz NAME SEED FACILITYMAP_FUZZ_ITERATION=I input (N bytes, hex): …" to standard error
    /// without allocating (it runs in a signal handler).
    static func report(reason: StaticString) {
        guard state[0] != 0 else { return }
        var length = 0
        func put(_ byte: UInt8) { if length < 512 + 2 * inputCapacity { text[length] = byte; length += 1 } }
        func put(_ s: StaticString) { for i in 0..<s.utf8CodeUnitCount { put(s.utf8Start[i]) } }
        func put(number: Int) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var value = max(number, 0), count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat { d[count] = UInt8(48 + value % 10); value /= 10; count += 1 } while value > 0 && count < 20
                while count > 0 { count -= 1; put(d[count]) }
            }
        }
        let hexDigits: StaticString = "0123456789abcdef"
        put("\n*** "); put(reason); put(": ")
        for i in 0..<state[1] { put(label[i]) }
        put(" FACILITYMAP_FUZZ_ITERATION="); put(number: state[2])
        put(" input ("); put(number: state[3]); put(" bytes, hex): ")
        for i in 0..<min(state[3], inputCapacity) {
            put(hexDigits.utf8Start[Int(input[i] >> 4)])
            put(hexDigits.utf8Start[Int(input[i] & 0x0F)])
        }
        if state[3] > inputCapacity { put("…") }
        put("\n")
        _ = write(2, text, length)
    }

    /// The watchdog (an ordinary thread) prints the reason, then the usual note.
    static func reportHang(_ reason: String) {
        FileHandle.standardError.write(Data("\n*** \(reason)".utf8))
        report(reason: "while running")
    }
}

/// Reports the current fuzz input, then restores the previous handler; returning re-raises the fault into it.
private func fuzzSignalHandler(_ signal: Int32) {
    FuzzGuard.report(reason: "CRASH (fatal signal) while running")
    FuzzGuard.state[0] = 0
    sigaction(signal, FuzzGuard.previous + Int(signal), nil)
    if signal == SIGABRT || signal == SIGTRAP { raise(signal) }
}

// MARK: - End of fuzz support

@testable import FacilityCoverage
import Foundation
import FuzzSupport
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
        var run = FuzzRun(name: "targets YAML", tag: 0x7A6, defaultIterations: 4_000)
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

    /// `nests` list items, each `? ` nested 998 deep (explicit mapping keys whose keys are mappings): 2 KB apiece.
    static func nestedExplicitKeys(nests: Int) -> String {
        "plan: p\ntargets:\n" + String(repeating: "- " + String(repeating: "? ", count: 998) + "x\n", count: nests)
    }

    // Regression, found by fuzzing: slow input (a hang for a 1 MiB file). Nested explicit keys `? ? ? … x` are composed by Yams, whose
    // duplicate-key check hashes each mapping's keys, i.e. the whole subtree under every level: quadratic in the
    // depth, which libyaml caps at 1,000 only. One 2 KB nest of 998 takes ~1.1 s in a debug build, 16 nests (32 KB)
    // 13 s, and the 1 MiB a targets file may have (~520 nests) would take minutes. Found by the fuzzer
    // (FACILITYMAP_FUZZ_SEED=0xb1034d5fba64662c FACILITYMAP_FUZZ_ITERATION=90324: 1001 × "? " inserted into a seed,
    // 2.6 s in debug). Input: nestedExplicitKeys(nests: 64) = "plan: p⏎targets:⏎" + 64 × ("- " + 998 × "? " + "x⏎").
    // A targets file needs 4 levels: deeper nesting (over 32) is now refused before Yams composes it.
    func testDeeplyNestedExplicitKeysAreRefusedQuickly() {
        let started = Date()
        XCTAssertThrowsError(try TargetPlan(yaml: Self.nestedExplicitKeys(nests: 64), file: "keys.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("keys.yaml: "), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }
}


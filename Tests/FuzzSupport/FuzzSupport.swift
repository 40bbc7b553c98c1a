// The seeded mutator and the bounded fuzz loop shared by the fuzz tests of FacilityFormats and FacilityCoverage.
import Foundation
import XCTest

// MARK: - Fuzz support

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny deterministic generator; any 64-bit seed gives a good stream.
public struct SplitMix64 {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0; the modulo bias is irrelevant here).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Makes hostile variants of valid inputs: bit flips, random bytes, insertions and deletions, interesting tokens,
/// GB18030 lead bytes, duplicated and truncated ranges, splices of two inputs and deep nesting.
public struct FuzzMutator {
    public var tokens: [[UInt8]]
    /// Openers repeated hundreds of times to make deeply nested input (e.g. `[` or `{"a":`).
    public var nesting: [[UInt8]]
    public var corpus: [[UInt8]]
    public var maxLength = 1 << 16

    public init(tokens: [[UInt8]], nesting: [[UInt8]], corpus: [[UInt8]], maxLength: Int = 1 << 16) {
        self.tokens = tokens
        self.nesting = nesting
        self.corpus = corpus
        self.maxLength = maxLength
    }

    /// 1–4 stacked mutations (half the time one, sometimes 8–16); `steps` names them, for failure reports.
    public func mutate(_ original: [UInt8], _ rng: inout SplitMix64) -> (bytes: [UInt8], steps: [String]) {
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
public func fuzzHex(_ bytes: [UInt8], limit: Int = 512) -> String {
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
public struct FuzzRun {
    /// A `fail` message starting with this is a known bug (FIXME): counted and shown once, not a failure.
    public static let knownBug = "FIXME known bug: "

    public let name: String
    public let seed: UInt64
    public let iterations: Int
    /// `FACILITYMAP_FUZZ_ITERATION`: replay only this iteration.
    public let only: Int?
    private let tag: UInt64

    /// `tag` separates the parsers' streams; `defaultIterations` is the CI budget.
    public init(name: String, tag: UInt64, defaultIterations: Int) {
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
    public mutating func forEach(seeds: [[UInt8]], mutator: FuzzMutator,
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
public enum FuzzGuard {
    public static let inputCapacity = 1_024
    public static let input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
    public static let label = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    public static let text = UnsafeMutablePointer<UInt8>.allocate(capacity: 512 + 2 * inputCapacity)
    public static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)
    /// Plain words shared with the handler and the watchdog (aligned word reads and writes).
    public static let state = UnsafeMutablePointer<Int>.allocate(capacity: 5)   // active, label length, iteration, input length, step
    public static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]
    public static let timeout: Double = {
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

    public static func installOnce() { _ = installation }

    public static func begin(_ name: String) {
        let bytes = Array(name.utf8.prefix(255))
        for (i, b) in bytes.enumerated() { label[i] = b }
        state[1] = bytes.count
        state[0] = 1
    }

    public static func end() { state[0] = 0 }

    public static func note(iteration: Int, input bytes: [UInt8]) {
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
    public static func report(reason: StaticString) {
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
    public static func reportHang(_ reason: String) {
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


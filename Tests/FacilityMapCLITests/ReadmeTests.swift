import Foundation
import XCTest

/// README.md and README.zh-CN.md show the same commands, in the same order (#25): a command changed in one is
/// changed in the other.
final class ReadmeTests: XCTestCase {
    /// The command lines of the file's `sh` blocks, comments dropped.
    func commands(_ name: String) throws -> [String] {
        let text = try String(contentsOf: CLITests.repository.appendingPathComponent(name), encoding: .utf8)
        var commands: [String] = []
        var inShell = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") { inShell = !inShell && line == "```sh"; continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard inShell, !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            commands.append(line.replacingOccurrences(of: "\\s+#.*$", with: "", options: .regularExpression))
        }
        return commands
    }

    func testBothReadmesShowTheSameCommands() throws {
        let english = try commands("README.md"), chinese = try commands("README.zh-CN.md")
        XCTAssertGreaterThan(english.count, 40)
        XCTAssertEqual(english.first, "Scripts/setup && swift run facilitymap demo", "the set-up's first command")
        XCTAssertEqual(chinese, english)
        let text = try String(contentsOf: CLITests.repository.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(text.contains("[中文](README.zh-CN.md)"), "README.md links the Chinese one")
        let zh = try String(contentsOf: CLITests.repository.appendingPathComponent("README.zh-CN.md"), encoding: .utf8)
        XCTAssertTrue(zh.contains("[English](README.md)"), "and back")
    }
}

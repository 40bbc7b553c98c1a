import Foundation
import XCTest

/// `facilitymap list … | head`: when the reader stops early, the command ends at once, quietly, with the status a
/// tool killed by SIGPIPE has (141), in every format.
final class ClosedPipeCLITests: DemoStoreTestCase {
    func testAReaderThatStopsEarlyEndsTheCommandQuietly() throws {
        for format in ["table", "csv", "json"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "\"$0\" list facilities --store \"$1\" --format \(format) | head -c 10 > /dev/null; echo \"${PIPESTATUS[0]}\"",
                                 CLITests.binary.path, store]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(status, "141\n", format)
            XCTAssertEqual(errors, "", format)
        }
    }
}

import Foundation
import FacilityRegistry

/// Phase timings for profiling: with `FACILITYMAP_TRACE` set, `mark` writes the seconds since the first mark
/// and what was reached to standard error. Inert otherwise (the message is not even built).
public enum Trace {
    static let on = ProcessInfo.processInfo.environment["FACILITYMAP_TRACE"] != nil
    static let start = Date()

    public static func mark(_ what: @autoclosure () -> String) {
        guard on else { return }
        let line = "[\(String(format: "%.3f", Date().timeIntervalSince(start)))] \(what())\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

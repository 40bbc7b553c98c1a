import FacilityFormats
import Foundation

/// A file's SHA-256 computed on another thread, so that hashing overlaps the import that reads the file.
final class BackgroundHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<String, Error> = .success("")

    init(path: String) {
        Thread.detachNewThread { [self] in
            outcome = Result { try SHA256.hex(ofFileAt: path) }
            done.signal()
        }
    }

    /// The hex digest; waits for it. Throws what hashing threw (e.g. the file became unreadable).
    func result() throws -> String {
        done.wait()
        done.signal()  // later calls return at once
        return try outcome.get()
    }
}

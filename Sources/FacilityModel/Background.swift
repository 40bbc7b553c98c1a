import Foundation

/// A value computed on a thread of its own while the caller goes on — the one way FacilityMap starts a thread (a file's
/// SHA-256 with its import, a file's second half with its first, anchors with parents, the units' R*Tree plan, the
/// import's producer, the store's writeback nudger and statement filler: a loop is a `Void` value). A thread, not the shared
/// pool: the work may block on I/O for long. `value()` waits for it, as often as asked, and rethrows what the work
/// threw (typed: `Never` for work that cannot fail).
public final class Background<Value, Failure: Error>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the working thread before `done` is signalled; read after waiting on it.
    private var outcome: Result<Value, Failure>?

    public init(_ work: @escaping () throws(Failure) -> Value) {
        Thread.detachNewThread { [self] in
            do throws(Failure) { outcome = .success(try work()) } catch { outcome = .failure(error) }
            done.signal()
        }
    }

    /// The value, waiting for it (the semaphore orders the work's write before this read).
    public func value() throws(Failure) -> Value {
        done.wait()
        done.signal()  // later calls return at once
        return try outcome!.get()
    }
}

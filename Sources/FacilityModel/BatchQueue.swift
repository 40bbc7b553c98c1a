import Foundation

/// Hands batches from one producing thread to one consuming thread, holding at most `capacity` at a time,
/// so that parsing (producer) and storing (consumer) run on two cores without either running ahead.
public final class BatchQueue<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Batches pushed; those before `head` were taken and are nil (released at once: a taken batch of rows held
    /// until the array is trimmed kept 64 batches alive, 130,000 rows of a workbook).
    private var batches: [Batch?] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var failure: Error?
    private var cancelled = false

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Producer: adds `batch`, waiting while the queue is full. False when the consumer has cancelled:
    /// then stop producing.
    public func push(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// Producer: no more batches; `error` (if any) is thrown to the consumer after the last batch.
    public func finish(throwing error: Error? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next batch, waiting for it; nil after the last. Throws what the producer failed with.
    public func pop() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count && !finished { condition.wait() }
        if head < batches.count {
            let batch = batches[head].take()!
            head += 1
            if head > 64 && head * 2 > batches.count {  // drop what was taken
                batches.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Consumer: stop the producer (its next `push` returns false).
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Batches made on a second thread and taken on this one: `produce` runs on its own thread and hands each batch
/// to `push`, which returns false once the consumer has stopped (then `produce` should return). `next()` gives
/// the batches in order and rethrows what `produce` threw; `stop()` (also on deinit) ends it and waits.
public final class Producer<Batch>: @unchecked Sendable {
    private let queue: BatchQueue<Batch>
    private let worker: Background<Void, Never>

    public init(capacity: Int = 8, _ produce: @escaping (_ push: (Batch) -> Bool) throws -> Void) {
        let queue = BatchQueue<Batch>(capacity: capacity)
        self.queue = queue
        worker = Background {
            do {
                try produce { queue.push($0) }
                queue.finish()
            } catch {
                queue.finish(throwing: error)
            }
        }
    }

    deinit { stop() }

    /// The next batch, waiting for it; nil after the last.
    public func next() throws -> Batch? { try queue.pop() }

    /// Stops the producing thread (its next `push` returns false) and waits for it to return.
    public func stop() {
        queue.cancel()
        worker.value()
    }
}

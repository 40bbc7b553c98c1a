import Dispatch

/// Work spread over every core at once (`DispatchQueue.concurrentPerform`): beside `Background` (one value computed
/// on another thread) and `BatchQueue` (batches handed from one thread to another), the one place that says how
/// concurrent loops share their results.
public enum Concurrently {
    /// `transform` of each element, computed on every core at once, in order.
    public static func map<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = SendableSlots(buffer)
            DispatchQueue.concurrentPerform(iterations: items.count) { i in slots[i] = transform(items[i]) }
        }
        return results.map { $0! }
    }

    /// `value(i)` for each `i` in `0..<count`, computed on every core at once, in order. The indices are dealt out in
    /// up to 64 strided chunks: neighbouring indices (points of one city) often cost alike, so each chunk gets a share
    /// of every cost.
    public static func values<R>(count: Int, initial: R, _ value: (Int) -> R) -> [R] {
        var results = [R](repeating: initial, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = SendableSlots(buffer)
            let chunks = Swift.max(1, Swift.min(64, count))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var i = chunk
                while i < count {
                    slots[i] = value(i)
                    i += chunks
                }
            }
        }
        return results
    }
}

/// The slots of a buffer that concurrent iterations write, each slot by one iteration only (the buffer outlives
/// them: `withUnsafeMutableBufferPointer` around the loop).
public struct SendableSlots<Element>: @unchecked Sendable {
    public let buffer: UnsafeMutableBufferPointer<Element>

    public init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }

    public subscript(index: Int) -> Element {
        get { buffer[index] }
        nonmutating set { buffer[index] = newValue }
    }
}

import Dispatch

/// Work spread over every core at once (`DispatchQueue.concurrentPerform`): beside `Background` (one value computed
/// on another thread), the one place that says how concurrent loops share their results.
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

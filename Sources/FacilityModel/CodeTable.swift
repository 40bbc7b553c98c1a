/// A set of codes (unit codes, ids) numbered 0, 1, 2… in the order they were added, looked up by their
/// UTF-8 bytes: telling whether a code is known costs one hash of its bytes, with no `String` made.
public struct CodeTable: Sendable {
    private var bytes: [UInt8] = []
    /// Where code `n` starts in `bytes`; code `n` ends where `n + 1` starts.
    private var offsets: [Int] = [0]
    /// Open addressing: a code's number + 1, or 0 for an empty slot. The count is a power of two.
    private var slots: [Int32]
    private var mask: Int

    public init(minimumCapacity: Int = 0) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// The number of codes.
    public var count: Int { offsets.count - 1 }

    /// The code numbered `number`.
    public subscript(number: Int) -> String {
        bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offsets[number]..<offsets[number + 1]]), as: UTF8.self)
        }
    }

    /// The number of `code`, or nil when it is not in the table.
    public func number(of code: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(code) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot])
                if entry == 0 { return nil }
                if Self.equal(stored, offsets[entry - 1], offsets[entry], code) { return entry - 1 }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The number of `code`, or nil when it is not in the table.
    public func number(of code: String) -> Int? {
        var code = code
        return code.withUTF8 { number(of: $0) }
    }

    public func contains(_ code: UnsafeBufferPointer<UInt8>) -> Bool { number(of: code) != nil }
    public func contains(_ code: String) -> Bool { number(of: code) != nil }

    /// Adds `code` unless present; returns its number either way.
    @discardableResult
    public mutating func insert(_ code: UnsafeBufferPointer<UInt8>) -> Int {
        if let known = number(of: code) { return known }
        if (count + 1) * 2 > slots.count { grow() }
        let number = count
        bytes.append(contentsOf: code)
        offsets.append(bytes.count)
        var slot = Self.hash(code) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(number + 1)
        return number
    }

    /// Adds `code` unless present; returns its number either way.
    @discardableResult
    public mutating func insert(_ code: String) -> Int {
        var code = code
        return code.withUTF8 { insert($0) }
    }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [Int32](repeating: 0, count: size)
        let newMask = size - 1
        bytes.withUnsafeBufferPointer { stored in
            for number in 0..<count {
                let code = UnsafeBufferPointer(rebasing: stored[offsets[number]..<offsets[number + 1]])
                var slot = Self.hash(code) & newMask
                while grown[slot] != 0 { slot = (slot + 1) & newMask }
                grown[slot] = Int32(number + 1)
            }
        }
        slots = grown
        mask = newMask
    }

    /// FNV-1a, 64 bits, folded: codes are short, so a simple byte loop is fast enough.
    private static func hash(_ code: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in code {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private static func equal(_ stored: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                              _ code: UnsafeBufferPointer<UInt8>) -> Bool {
        guard end - start == code.count else { return false }
        guard let a = stored.baseAddress, let b = code.baseAddress else { return code.isEmpty }
        return memcmp(a + start, b, code.count) == 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of codes (unit codes, ids) numbered 0, 1, 2… in the order they were added, looked up by their
/// UTF-8 bytes: telling whether a code is known costs one hash of its bytes, with no `String` made.
public struct CodeTable: Sendable {
    private var bytes: [UInt8] = []
    /// Where code `n` starts in `bytes`; code `n` ends where `n + 1` starts.
    private var offsets: [Int] = [0]
    /// Open addressing: a code's number + 1 in the low 32 bits and its hash's high 32 bits above (compared before the
    /// bytes, which are then read only for a likely match), or 0 for an empty slot. The count is a power of two.
    private var slots: [UInt64] = []
    private var mask = 0
    /// Whether the codes so far came in strictly increasing byte order and have no slots yet (`ordered` tables only):
    /// a code is then known by a binary search, and a larger one is new without a look.
    private var inOrder: Bool
    private let minimumCapacity: Int

    /// A table with room for `minimumCapacity` codes before it grows (and for their bytes, at 16 a code).
    /// `ordered`: while the codes come in increasing byte order (ids of a file sorted by id), they are only appended —
    /// a random access into a table of millions of slots costs more than the rest of a row's parse; the first code out
    /// of order builds the slots.
    public init(minimumCapacity: Int = 0, ordered: Bool = false) {
        self.minimumCapacity = minimumCapacity
        inOrder = ordered
        offsets.reserveCapacity(minimumCapacity + 1)
        bytes.reserveCapacity(minimumCapacity * 16)
        if !ordered { makeSlots() }
    }

    /// Makes the slots, for the codes so far and room for `minimumCapacity`.
    private mutating func makeSlots() {
        var size = 16
        while size < max(minimumCapacity, count + 1) * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        inOrder = false
        bytes.withUnsafeBufferPointer { stored in
            for number in 0..<count {
                let code = UnsafeBufferPointer(rebasing: stored[offsets[number]..<offsets[number + 1]])
                let hash = Self.hash(code)
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(number + 1)
            }
        }
    }

    /// -1, 0 or 1 as code `number` comes before, equals or comes after `code` in byte order.
    private func compare(_ number: Int, _ code: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.withUnsafeBufferPointer { stored in
            let start = offsets[number], length = offsets[number + 1] - start
            let common = min(length, code.count)
            if common > 0, let a = stored.baseAddress, let b = code.baseAddress {
                let order = memcmp(a + start, b, common)
                if order != 0 { return order < 0 ? -1 : 1 }
            }
            return length == code.count ? 0 : (length < code.count ? -1 : 1)
        }
    }

    /// The number of `code` in an in-order table (a binary search).
    private func orderedNumber(of code: UnsafeBufferPointer<UInt8>) -> Int? {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            switch compare(middle, code) {
            case 0: return middle
            case ..<0: low = middle + 1
            default: high = middle
            }
        }
        return nil
    }

    /// The number of codes.
    public var count: Int { offsets.count - 1 }

    /// The code numbered `number`.
    public subscript(number: Int) -> String {
        bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offsets[number]..<offsets[number + 1]]), as: UTF8.self)
        }
    }

    /// The number of `code` and its slot, or nil and the empty slot where it would go.
    private func find(_ code: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (number: Int?, slot: Int) {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            bytes.withUnsafeBufferPointer { stored in
                offsets.withUnsafeBufferPointer { offsets in
                    while true {
                        let entry = slots[slot]
                        if entry == 0 { return (nil, slot) }
                        if entry & 0xFFFF_FFFF_0000_0000 == tag {
                            let number = Int(entry & 0xFFFF_FFFF) - 1
                            if Self.equal(stored, offsets[number], offsets[number + 1], code) { return (number, slot) }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }

    /// The number of `code`, or nil when it is not in the table.
    public func number(of code: UnsafeBufferPointer<UInt8>) -> Int? {
        if inOrder { return orderedNumber(of: code) }
        return find(code, hash: Self.hash(code)).number
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
        if inOrder {
            if count == 0 || compare(count - 1, code) < 0 {
                bytes.append(contentsOf: code)
                offsets.append(bytes.count)
                return count - 1
            }
            if let known = orderedNumber(of: code) { return known }
            makeSlots()
        }
        if (count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(code)
        let found = find(code, hash: hash)
        if let known = found.number { return known }
        let number = count
        bytes.append(contentsOf: code)
        offsets.append(bytes.count)
        slots[found.slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(number + 1)
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
        var grown = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        bytes.withUnsafeBufferPointer { stored in
            for number in 0..<count {
                let code = UnsafeBufferPointer(rebasing: stored[offsets[number]..<offsets[number + 1]])
                let hash = Self.hash(code)
                var slot = Int(truncatingIfNeeded: hash) & newMask
                while grown[slot] != 0 { slot = (slot + 1) & newMask }
                grown[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(number + 1)
            }
        }
        slots = grown
        mask = newMask
    }

    /// FNV-1a, 64 bits, mixed: codes are short, so a simple byte loop is fast enough. The low bits pick the slot, the
    /// high 32 are the slot's tag.
    private static func hash(_ code: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in code {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 32)
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

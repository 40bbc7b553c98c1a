import Foundation

/// Positions of codes in a list, found from the raw UTF-8 bytes of a column without making a `String` per row.
///
/// Codes match byte for byte, as in `CodeTable`, the store's unique indexes and its SQL (`list --within`): two codes
/// that differ only in Unicode normalisation are two codes everywhere. `CodeTable` numbers codes as they are added
/// (an import's ids); this table is built once from a list and read for millions of rows (coverage's columns), so its
/// open-addressing slots hold up to 16 bytes of the key (every NBS code) in place: one memory access per lookup,
/// most of the time, and short keys can be looked up many at once (`positions(of:into:)`).
public struct CodePositions {
    private struct Slot {
        /// The key's bytes, zero-padded.
        var words: (UInt64, UInt64) = (0, 0)
        var value: Int32 = -1
        /// -1: empty.
        var length: Int32 = -1
        /// A key longer than 16 bytes: its position in `longKeys`.
        var long: Int32 = -1
    }

    private var slots: [Slot]
    private let mask: Int
    private var longKeys: [[UInt8]] = []

    /// A table of `keys`, each mapped to its position in the list; a key listed twice keeps its first position.
    public init(_ keys: [String]) {
        var size = 16
        while size < keys.count + keys.count / 2 { size *= 2 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        for (position, key) in keys.enumerated() {
            var key = key
            key.withUTF8 { insert(UnsafeRawBufferPointer($0), value: Int32(position)) }
        }
    }

    private mutating func insert(_ key: UnsafeRawBufferPointer, value: Int32) {
        let words = Self.words(key)
        var slot = Self.hash(words, key) & mask
        while slots[slot].length >= 0 {
            if matches(slots[slot], words, key) { return }
            slot = (slot + 1) & mask
        }
        var entry = Slot(words: words, value: value, length: Int32(key.count))
        if key.count > 16 {
            entry.long = Int32(longKeys.count)
            longKeys.append(Array(key))
        }
        slots[slot] = entry
    }

    @inline(__always)
    private func matches(_ entry: Slot, _ words: (UInt64, UInt64), _ key: UnsafeRawBufferPointer) -> Bool {
        guard entry.length == key.count && entry.words == words else { return false }
        guard entry.long >= 0 else { return true }
        return longKeys[Int(entry.long)].withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
    }

    /// The position of `key` (UTF-8), or -1 when it is not in the table.
    public func position(of key: UnsafeRawBufferPointer) -> Int32 {
        let words = Self.words(key)
        var slot = Self.hash(words, key) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let entry = slots[slot]
                if entry.length < 0 { return -1 }
                if matches(entry, words, key) { return entry.value }
                slot = (slot + 1) & mask
            }
        }
    }

    /// A key held as the table holds its short keys: found without touching the bytes it came from.
    public struct ShortKey {
        fileprivate var words: (UInt64, UInt64)
        fileprivate var length: Int
        fileprivate var hash: Int
    }

    /// `key` as a short key, when it can be looked up as one (at most 16 bytes).
    public func shortKey(_ key: UnsafeRawBufferPointer) -> ShortKey? {
        guard key.count <= 16 else { return nil }
        let words = Self.words(key)
        return ShortKey(words: words, length: key.count, hash: Self.hash(words, key))
    }

    /// The positions of many short keys (-1 where absent). Looked up in one loop, the memory accesses of
    /// neighbouring keys overlap instead of waiting one after another.
    public func positions(of keys: UnsafeBufferPointer<ShortKey>, into result: UnsafeMutableBufferPointer<Int32>) {
        slots.withUnsafeBufferPointer { slots in
            for i in keys.indices {
                let key = keys[i]
                var slot = key.hash & mask
                var found: Int32 = -1
                while true {
                    let entry = slots[slot]
                    if entry.length < 0 { break }
                    if entry.length == key.length && entry.words == key.words { found = entry.value; break }
                    slot = (slot + 1) & mask
                }
                result[i] = found
            }
        }
    }

    /// The position of `key`, or -1 when it is not in the table.
    public func position(of key: String) -> Int32 {
        var key = key
        return key.withUTF8 { position(of: UnsafeRawBufferPointer($0)) }
    }

    /// The first 16 bytes, zero-padded, as two words.
    @inline(__always)
    private static func words(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key.prefix(16))) }
        return words
    }

    /// The first 16 bytes, the length and (for longer keys) the last 8 bytes, mixed.
    @inline(__always)
    private static func hash(_ words: (UInt64, UInt64), _ key: UnsafeRawBufferPointer) -> Int {
        var tail: UInt64 = 0
        if key.count > 16 { withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key.suffix(8))) } }
        var h = words.0 &* 0x9E37_79B9_7F4A_7C15 ^ (words.1 &+ UInt64(key.count)) &* 0xC2B2_AE3D_27D4_EB4F ^ tail &* 0x1656_67B1_9E37_79F9
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}

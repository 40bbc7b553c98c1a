/// Positions of codes, found from the raw UTF-8 bytes of a column without making a `String` per row, matching as
/// `String` equality does.
///
/// ASCII keys of up to 16 bytes (every NBS code) sit inline in an open-addressing table and are compared as
/// bytes, which for ASCII is `String` equality: one memory access per lookup, most of the time. Other
/// lookups, and every lookup when some key is not ASCII, go through a `String` dictionary.
struct CodeTable {
    private struct Slot {
        /// The key's bytes, zero-padded.
        var words: (UInt64, UInt64) = (0, 0)
        var value: Int32 = -1
        /// -1: empty.
        var length: Int32 = -1
    }

    private let keys: [String]
    private var slots: [Slot]
    private let mask: Int
    private var allASCII = true
    /// Every key with its first position, built on the first lookup that needs `String` equality.
    private var byString: [String: Int32]?

    /// A table of `keys`, each mapped to its position in the list; a key listed twice keeps its first position.
    init(_ keys: [String]) {
        self.keys = keys
        var size = 16
        while size < keys.count + keys.count / 2 { size *= 2 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        for (position, key) in keys.enumerated() {
            var key = key
            key.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                if !raw.allSatisfy({ $0 < 0x80 }) {
                    allASCII = false
                } else if raw.count <= 16 {
                    insert(raw, value: Int32(position))
                }
            }
        }
    }

    private mutating func insert(_ key: UnsafeRawBufferPointer, value: Int32) {
        let words = Self.words(key)
        var slot = Self.hash(words, key.count) & mask
        while slots[slot].length >= 0 {
            if slots[slot].length == key.count && slots[slot].words == words { return }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(words: words, value: value, length: Int32(key.count))
    }

    /// The position of `key` (UTF-8), or -1 when it is not in the table.
    mutating func position(of key: UnsafeRawBufferPointer) -> Int32 {
        guard allASCII, key.count <= 16 else { return slowPosition(of: key) }
        let words = Self.words(key)
        guard (words.0 | words.1) & 0x8080_8080_8080_8080 == 0 else { return slowPosition(of: key) }
        var slot = Self.hash(words, key.count) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let entry = slots[slot]
                if entry.length < 0 { return -1 }
                if entry.length == key.count && entry.words == words { return entry.value }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The position of `key`, or -1 when it is not in the table.
    mutating func position(of key: String) -> Int32 {
        var key = key
        return key.withUTF8 { position(of: UnsafeRawBufferPointer($0)) }
    }

    private mutating func slowPosition(of key: UnsafeRawBufferPointer) -> Int32 {
        if byString == nil {
            var table: [String: Int32] = [:]
            for (position, key) in keys.enumerated() where table[key] == nil { table[key] = Int32(position) }
            byString = table
        }
        return byString![String(decoding: key, as: UTF8.self)] ?? -1
    }

    /// Up to 16 bytes, zero-padded, as two words.
    @inline(__always)
    private static func words(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: key) }
        return words
    }

    @inline(__always)
    private static func hash(_ words: (UInt64, UInt64), _ length: Int) -> Int {
        var h = words.0 &* 0x9E37_79B9_7F4A_7C15 ^ (words.1 &+ UInt64(length)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}

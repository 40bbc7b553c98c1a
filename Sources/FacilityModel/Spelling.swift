/// Nearest names, for "did you mean" in errors: edit distance over characters (a Chinese character is one), with
/// case, `_`, `-` and spaces ignored, and a name that contains the other (卫生院 in 乡镇卫生院) counted one closer.
public enum Spelling {
    /// The Levenshtein distance between `a` and `b`, in Characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    static func folded(_ text: String) -> String {
        String(text.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    /// The candidates nearest to `text`, best first (at most `limit`), among those close enough to be a slip:
    /// at most half the longer name's length away (and at least one character alike).
    public static func nearest(to text: String, among candidates: [String], limit: Int = 1) -> [String] {
        // A name of more than 64 characters is not a slip of a short one (and would cost its length squared).
        guard text.utf8.count <= 256 else { return [] }
        let key = folded(text)
        guard !key.isEmpty, key.count <= 64 else { return [] }
        var scored: [(score: Int, raw: Int, name: String)] = []
        var seen = Set<String>()
        for candidate in candidates where seen.insert(candidate).inserted {
            let other = folded(candidate)
            guard other != key, !other.isEmpty else { continue }
            let raw = distance(key, other)
            let contains = other.contains(key) || key.contains(other)
            let score = raw - (contains ? 1 : 0)
            guard raw < max(key.count, other.count), score <= max(1, max(key.count, other.count) / 2) else { continue }
            scored.append((score, raw, candidate))
        }
        scored.sort { ($0.score, $0.raw, $0.name) < ($1.score, $1.raw, $1.name) }
        return scored.prefix(limit).map(\.name)
    }
}

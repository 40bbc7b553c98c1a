/// The words a file, a command or a request may use for yes and no (`inclusive`, a `share` target's attribute,
/// `strict=`), compared case-insensitively: one list for every reader.
public enum YesNo {
    public static let yes = ["true", "1", "yes", "y", "是", "t"]
    public static let no = ["false", "0", "no", "n", "否", "f"]
    /// As a message lists them.
    public static let shown = "true/false, 1/0, yes/no or 是/否"

    private static let table: [String: Bool] = Dictionary(uniqueKeysWithValues: yes.map { ($0, true) } + no.map { ($0, false) })

    /// True for a yes word, false for a no word, nil for anything else.
    public static func parse(_ text: String) -> Bool? {
        table[text] ?? table[text.lowercased()]
    }
}

extension String {
    /// The text on one line: line breaks (CR, LF, NEL, U+2028, U+2029) in quoted input become ⏎, so an error
    /// message stays one line whatever the file held.
    public var singleLine: String {
        guard contains(where: { $0.isNewline }) else { return self }
        return String(map { $0.isNewline ? "⏎" : $0 })
    }
}

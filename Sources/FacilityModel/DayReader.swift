/// Days of `opened` and `closed` text as `Day.ordinal`, as `Day(parsing:)` reads them: the stored `YYYY-MM-DD`
/// form from the bytes, any other text once per distinct value.
public struct DayReader {
    private var parsed: [String: Int32?] = [:]

    public init() {}

    /// The day's ordinal; nil for NULL or text that is not a day.
    public mutating func ordinal(_ bytes: UnsafeRawBufferPointer?) -> Int32? {
        guard let bytes else { return nil }
        if bytes.count == 10, let day = Day(bytes: bytes, bareYearMeansEnd: false) { return day.ordinal }
        let text = String(decoding: bytes, as: UTF8.self)
        if let known = parsed[text] { return known }
        let ordinal = Day(parsing: text)?.ordinal
        parsed[text] = ordinal
        return ordinal
    }
}

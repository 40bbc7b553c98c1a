/// Days of `opened` and `closed` text as `Day.ordinal`, as `Day(parsing:)` reads them: the stored `YYYY-MM-DD`
/// form from the bytes, any other text once per distinct value.
public struct DayReader {
    private var parsed: [String: Int32?] = [:]

    public init() {}

    /// The day's ordinal; nil for NULL or text that is not a day.
    public mutating func ordinal(_ bytes: UnsafeRawBufferPointer?) -> Int32? {
        guard let bytes else { return nil }
        if bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-") {
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for position in range {
                    let digit = Int(bytes[position]) &- 48
                    guard digit >= 0 && digit <= 9 else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            if let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
               let parsed = Day(year: year, month: month, day: day) {
                return parsed.ordinal
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let known = parsed[text] { return known }
        let ordinal = Day(parsing: text)?.ordinal
        parsed[text] = ordinal
        return ordinal
    }
}

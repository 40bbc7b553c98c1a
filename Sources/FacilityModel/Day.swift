import Foundation

/// A calendar day, `YYYY-MM-DD`, as used for `opened`, `closed` and `--as-of`.
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid Gregorian day, or nil.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Day.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYY.MM.DD`) or a bare `YYYY`.
    /// A bare year is its first day, or its last day when `bareYearMeansEnd` is true
    /// (so a facility `closed` in 2023 still counts during 2023).
    public init?(parsing text: String, bareYearMeansEnd: Bool = false) {
        if let day = Day.storedForm(text) { self = day; return }
        let trimmed = text.trimmed
        let parts = trimmed.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        let allDigits = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard allDigits else { return nil }
        switch parts.count {
        case 1 where parts[0].count == 4:
            let year = Int(parts[0])!
            self.init(year: year, month: bareYearMeansEnd ? 12 : 1, day: bareYearMeansEnd ? 31 : 1)
        case 3 where parts[0].count == 4 && parts[1].count <= 2 && parts[2].count <= 2:
            self.init(year: Int(parts[0])!, month: Int(parts[1])!, day: Int(parts[2])!)
        default:
            return nil
        }
    }

    /// Exactly `YYYY-MM-DD` (the form the store and exports use), read without splitting; nil otherwise.
    private static func storedForm(_ text: String) -> Day? {
        guard text.utf8.count == 10 else { return nil }
        if let day = text.utf8.withContiguousStorageIfAvailable({ Day(bytes: $0, bareYearMeansEnd: false) }) { return day }
        return Day(bytes: Array(text.utf8), bareYearMeansEnd: false)
    }

    /// The day that exactly `YYYY-MM-DD`, or a bare `YYYY` (its first day, or with `bareYearMeansEnd` its last), spells
    /// in `bytes`: the one byte reader of days, for the stored form and the import's byte path. Nil for anything else
    /// (`init(parsing:)` reads the other forms).
    @inlinable
    public init?<Bytes: RandomAccessCollection>(bytes: Bytes, bareYearMeansEnd: Bool) where Bytes.Element == UInt8, Bytes.Index == Int {
        let start = bytes.startIndex
        func number(_ from: Int, _ to: Int) -> Int? {
            var value = 0
            for k in from..<to {
                let byte = bytes[start + k]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        if bytes.count == 4, let year = number(0, 4) {
            self.init(year: year, month: bareYearMeansEnd ? 12 : 1, day: bareYearMeansEnd ? 31 : 1)
            return
        }
        guard bytes.count == 10, bytes[start + 4] == 0x2D, bytes[start + 7] == 0x2D, let year = number(0, 4),
              let month = number(5, 7), let day = number(8, 10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The last day of `year`.
    public static func endOfYear(_ year: Int) -> Day { Day(year: year, month: 12, day: 31)! }

    public static func < (a: Day, b: Day) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// The runs of row numbers each import created (`facility_creations`), read in order of their first row, and walked
/// beside facility rows read in row-number order: which import created each row.
public struct CreationRuns {
    private var runs: [(first: Int, last: Int, import: Int)] = []
    private var next = 0

    public init() {}

    /// Adds the run `first...last` created by import `number`; runs come in order of `first`.
    public mutating func append(first: Int, last: Int, import number: Int) {
        runs.append((first, last, number))
    }

    /// The import that created row `rowNumber`, nil when no run holds it. Rows are asked in increasing order.
    public mutating func creator(of rowNumber: Int) -> Int? {
        while next < runs.count && runs[next].last < rowNumber { next += 1 }
        return next < runs.count && runs[next].first <= rowNumber ? runs[next].import : nil
    }
}

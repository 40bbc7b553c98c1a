import FacilityCoverage
import Foundation

/// `suggest --exact`: one area's siting problem solved exactly as a 0-1 program by GLPK's `glpsol` (Debian
/// `glpk-utils`), run as a process: minimise the sites chosen, each unit counted covered only when a chosen site covers
/// it, at least `needed` units covered.
public enum ExactSiting {
    /// The largest problem it takes (candidates' covered units added up); beyond it, the greedy answer stands.
    public static let maxNonZeros = 200_000

    static var glpsol: String? {
        ["/usr/bin/glpsol", "/usr/local/bin/glpsol"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The optimal picks (candidate indices), or nil when GLPK proves no optimum within `seconds`.
    public static func solve(_ problem: SitingProblem, seconds: Int = 60) throws -> [Int]? {
        guard let glpsol else {
            throw SitingError(Phrase("siting.no-glpsol"))
        }
        let nonZeros = problem.sets.reduce(0) { $0 + $1.count }
        guard nonZeros <= maxNonZeros else {
            throw SitingError(Phrase("siting.exact-too-large", problem.area.name, problem.area.code, String(problem.sets.count), String(nonZeros), String(maxNonZeros)))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-exact-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("siting.lp"), solution = folder.appendingPathComponent("siting.sol")
        try Data(lp(problem).utf8).write(to: model)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: glpsol)
        process.arguments = ["--lp", model.path, "--tmlim", String(seconds), "-w", solution.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let text = try? String(contentsOf: solution, encoding: .utf8) else { return nil }
        var optimal = false
        var chosen: [Int] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.first == "s", fields.count >= 5 { optimal = fields[1] == "mip" && fields[4] == "o" }
            // Columns are numbered in the order they first appear: x0 … x(n−1) in the objective.
            if fields.first == "j", fields.count >= 3, let column = Int(fields[1]), column <= problem.sets.count,
               let value = Double(fields[2]), value > 0.5 {
                chosen.append(column - 1)
            }
        }
        return optimal ? chosen : nil
    }

    /// The problem in CPLEX LP format: `x<i>` a chosen candidate, `y<k>` a covered unit.
    static func lp(_ problem: SitingProblem) -> String {
        var units: [Int: Int] = [:]
        var coveredBy: [[Int]] = []
        for (i, set) in problem.sets.enumerated() {
            for u in set {
                if units[u] == nil { units[u] = coveredBy.count; coveredBy.append([]) }
                coveredBy[units[u]!].append(i)
            }
        }
        func terms(_ names: [String], _ sign: String) -> String {
            stride(from: 0, to: names.count, by: 12).map { names[$0..<min($0 + 12, names.count)].map { "\(sign) \($0)" }.joined(separator: " ") }
                .joined(separator: "\n   ")
        }
        let xs = problem.sets.indices.map { "x\($0)" }, ys = coveredBy.indices.map { "y\($0)" }
        var out = "Minimize\n obj: " + terms(xs, "+").dropFirst(2) + "\nSubject To\n"
        for (k, sites) in coveredBy.enumerated() { out += " c\(k): y\(k) " + terms(sites.map { "x\($0)" }, "-") + " <= 0\n" }
        out += " need: " + terms(ys, "+").dropFirst(2) + " >= \(problem.needed)\n"
        if let maxNew = problem.maxNew { out += " most: " + terms(xs, "+").dropFirst(2) + " <= \(maxNew)\n" }
        out += "Binary\n " + (xs + ys).joined(separator: "\n ") + "\nEnd\n"
        return out
    }
}

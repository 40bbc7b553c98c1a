import FacilityCoverage
import FacilityMapData
import FacilityModel
import FacilityStore
import FacilityText
import Foundation

/// `facilitymap demo`: the Luoyang plan checked on a whole city, from the data built into the binary.
public struct Demo {
    /// The folder that receives the store, `coverage.geojson` and `coverage.html`.
    public var folder: URL
    /// Only this goal year (default: every goal year of the plan).
    public var year: Int?

    public init(folder: URL, year: Int? = nil) {
        self.folder = folder
        self.year = year
    }

    /// The files of the embedded data set, in import order, as a user would import them.
    public static func files(in data: URL) -> (units: [URL], facilities: [(file: URL, importer: FacilityImporter)]) {
        (units: [data.appendingPathComponent("districts.geojson"), data.appendingPathComponent("units.csv")],
         facilities: [
            (data.appendingPathComponent("facilities-education.csv"), FacilityImporter()),
            // GB18030 with Chinese headers and GCJ-02 points, as a health bureau sends it.
            (data.appendingPathComponent("facilities-health.csv"), FacilityImporter(coordinateSystem: .gcj02)),
            (data.appendingPathComponent("facilities-elderly-care.csv"), FacilityImporter()),
         ])
    }

    /// The name a file of the embedded data set has in the repository: `GeoData/luoyang/units.csv`.
    static func dataSetName(_ file: URL) -> String { "GeoData/luoyang/" + file.lastPathComponent }

    /// Builds (or refreshes) the store, writes the GeoJSON and the map, and returns the text to print.
    public func run(log: (String) -> Void) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: folder.appendingPathComponent("facilitymap.sqlite").path)
        let data = EmbeddedData.luoyang
        let files = Demo.files(in: data)
        // The import log and the history name each file as the data set does (GeoData/luoyang/units.csv), not by
        // where the binary's resources happen to lie.
        for file in files.units {
            var importer = UnitImporter()
            importer.sourceName = Demo.dataSetName(file)
            let summary = try importer.run(path: file.path, into: store)
            log("\(file.lastPathComponent): \(summary.line(in: .current))")
        }
        for (file, var importer) in files.facilities {
            importer.sourceName = Demo.dataSetName(file)
            let summary = try importer.run(path: file.path, into: store)
            log("\(file.lastPathComponent): \(summary.line(in: .current))")
        }
        log(RegistryCheck.summary(try RegistryCheck.run(store: store), in: .current))
        let plan = TargetPlan.luoyang2022
        let engine = try CoverageEngine(store: store, attributes: plan.usesExtraAttributes)
        let years = year.map { [$0] } ?? Set(plan.targets.flatMap { $0.goals.keys }).sorted()
        var out = ""
        for y in years {
            out += CoverageFormatter.table(engine.report(plan: plan, query: CoverageQuery(year: y)), in: .current) + "\n"
        }
        let query = CoverageQuery(year: years.last)
        let geojson = folder.appendingPathComponent("coverage.geojson")
        let target = plan.targets[0]
        try GeoJSONExport(store: store, outputPath: geojson.path).coverage(engine: engine, plan: plan, target: target, query: query)
        let html = folder.appendingPathComponent("coverage.html")
        try Data(CoverageMap.html(engine: engine, plan: plan, query: query, language: .current).utf8).write(to: html)
        out += "wrote \(geojson.path) (\(target.id), \(years.last.map(String.init) ?? ""))\n"
        out += "wrote \(html.path) — open it in a browser\n"
        out += "store: \(store.path) — try: facilitymap coverage --store \(store.path) --by township --target beds-per-1000\n"
        return out
    }
}

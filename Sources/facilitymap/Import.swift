import ArgumentParser
import FacilityMapKit
import FacilityStore
import Foundation

struct Import: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.import").text(),
        subcommands: [ImportUnits.self, ImportFacilities.self, ImportRoads.self]
    ) }
}

/// Options shared by both imports.
struct ImportOptions: ParsableArguments {
    @Option(help: ArgumentHelp(Message("option.the-file-s-coordinate-system-wgs84-or-cgcs2000-t").text(),
                               discussion: Message("option.gcj-02-and-bd-09-as-copied-from-chinese-web-maps").text()))
    var crs: String = "wgs84"

    /// The Shapefile's projected system `--crs EPSG:NNNN` names; nil for the systems of longitude and latitude.
    var projection: RecordSources.Projection? {
        get throws {
            guard CoordinateSystem(argument: crs) == nil else { return nil }
            let digits = crs.lowercased().hasPrefix("epsg:") ? String(crs.dropFirst(5)) : crs
            guard let code = Int(digits), code > 0 else { return nil }
            guard let projection = RecordSources.Projection(epsg: code) else {
                throw ValidationError("--crs \(crs): PROJ knows no projected system EPSG:\(code) — name the layer's projected system (EPSG:4547 for CGCS2000 / 3-degree Gauss–Kruger CM 114E, EPSG:3857 for Web Mercator), or one of wgs84, cgcs2000, gcj02, bd09")
            }
            return projection
        }
    }

    @Option(help: ArgumentHelp(Message("option.text-encoding-of-a-csv-file-or-a-shapefile-s-dbf").text()))
    var encoding: String = "auto"

    @Option(help: ArgumentHelp(Message("option.the-sheet-of-a-workbook-xlsx-xls-to-read-by-name").text(), valueName: "name|n"))
    var sheet: String?

    @Option(name: .customLong("header-row"), help: ArgumentHelp(
        Message("option.the-row-of-a-workbook-s-sheet-that-holds-the-col").text(),
        valueName: "n"))
    var headerRow: Int?

    var workbook: WorkbookOptions { WorkbookOptions(sheet: sheet, headerRow: headerRow) }

    @Flag(help: ArgumentHelp(Message("option.reject-the-whole-file-changing-nothing-if-any-ro").text()))
    var strict = false

    @Flag(name: .customLong("no-check"), help: ArgumentHelp(Message("option.skip-the-registry-check-whose-summary-line-ends").text()))
    var noCheck = false

    @Option(help: ArgumentHelp(Message("option.write-the-rejected-rows-to-this-csv-with-a-reaso").text(),
                               valueName: "out.csv"))
    var rejects: String?

    @Option(name: .customLong("rejects-encoding"), help: ArgumentHelp(
        Message("option.encoding-of-the-rejects-file-utf-8-bom-utf-8-or").text(),
        valueName: "encoding"))
    var rejectsEncodingName: String?

    var rejectsEncoding: CSVOutputEncoding? {
        get throws {
            guard let name = rejectsEncodingName else { return nil }
            guard let encoding = CSVOutputEncoding(argument: name) else {
                throw ValidationError("--rejects-encoding \(name) is not known: use utf-8-bom, utf-8 or gb18030")
            }
            return encoding
        }
    }

    var coordinateSystem: CoordinateSystem {
        get throws {
            if try projection != nil { return .wgs84 }
            guard let crs = CoordinateSystem(argument: self.crs) else {
                throw ValidationError("--crs \(self.crs) is not known: use wgs84, cgcs2000, gcj02, bd09, or a Shapefile's projected EPSG:NNNN")
            }
            return crs
        }
    }

    var encodingChoice: EncodingChoice {
        get throws {
            guard let choice = EncodingChoice(argument: encoding) else {
                throw ValidationError("--encoding \(encoding) is not known: use auto, utf-8 or gb18030")
            }
            return choice
        }
    }

    func validate() throws {
        _ = try coordinateSystem
        _ = try encodingChoice
        _ = try rejectsEncoding
    }
}

/// Prints an import's outcome (then, unless `--no-check`, the registry check's summary line when it changed
/// something) and turns it into the documented exit status: 1 as well when the check finds an error in the file
/// just imported (its points off by the GCJ-02 shift), whose rows stay stored.
func report(_ summary: ImportSummary, check: (() throws -> [Finding])? = nil, ofImport: Bool = false) throws {
    let language = Language.current
    for rejection in summary.rejections.prefix(200) { printError(rejection.description(in: language)) }
    if summary.rejections.count > 200 {
        printError(Message("import.more-rejected").text(String(summary.rejections.count - 200), in: language))
    }
    for warning in summary.warningPhrases { printError(Message("warning").text(warning.text(in: language), in: language)) }
    print(summary.line(in: language))
    if let note = summary.repeatNote(in: language) { print(note) }
    var fileErrors: [Finding] = []
    if let check, summary.committed, summary.repeatNote == nil {
        let findings = try check()
        print(RegistryCheck.summary(findings, ofImport: ofImport, in: language))
        fileErrors = RegistryCheck.errors(in: findings, attributedTo: summary.file)
        for finding in fileErrors {
            printError(Message("finding.after-import").text(finding.rule.rawValue, summary.file, finding.problemPhrase.text(in: language),
                                                            finding.actionPhrase.text(in: language), in: language))
        }
    }
    if !summary.committed || summary.rejected > 0 || !fileErrors.isEmpty { throw Exit(status: 1) }
}

/// The limits on a units file's polygons (`import units` and `serve`).
struct GeometryLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-vertices-per-feature"), help: ArgumentHelp(Message("option.most-positions-vertices-one-unit-s-polygons-may").text(), valueName: "n"))
    var verticesPerFeature = GeometryLimits().verticesPerFeature
    @Option(name: .customLong("max-vertices"), help: ArgumentHelp(Message("option.most-positions-in-one-units-file").text(), valueName: "n"))
    var vertices = GeometryLimits().vertices
    @Option(name: .customLong("max-parts-per-feature"), help: ArgumentHelp(Message("option.most-polygons-one-unit-may-have-exact-repeats-dr").text(), valueName: "n"))
    var partsPerFeature = GeometryLimits().partsPerFeature
    @Option(name: .customLong("max-parts"), help: ArgumentHelp(Message("option.most-polygons-in-one-units-file").text(), valueName: "n"))
    var parts = GeometryLimits().parts
    @Option(name: .customLong("geometry-seconds"), help: ArgumentHelp(Message("option.most-seconds-geos-may-spend-checking-and-repairi").text(), valueName: "s"))
    var seconds = GeometryLimits().budget.seconds
    @Option(name: .customLong("geometry-memory-mb"), help: ArgumentHelp(Message("option.most-mib-the-process-may-grow-by-while-geos-chec").text(), valueName: "mb"))
    var memoryMB = GeometryLimits().budget.memoryBytes >> 20

    func validate() throws {
        for (value, name) in [(verticesPerFeature, "--max-vertices-per-feature"), (vertices, "--max-vertices"),
                              (partsPerFeature, "--max-parts-per-feature"), (parts, "--max-parts"), (memoryMB, "--geometry-memory-mb")]
        where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        if !(seconds > 0) { throw ValidationError("--geometry-seconds must be more than 0") }
    }

    var limits: GeometryLimits {
        var limits = GeometryLimits()
        limits.verticesPerFeature = verticesPerFeature
        limits.vertices = vertices
        limits.partsPerFeature = partsPerFeature
        limits.parts = parts
        limits.budget = GeometryBudget(seconds: seconds, memoryBytes: memoryMB << 20)
        return limits
    }
}

struct ImportUnits: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "units",
        abstract: Message("help.import-units").text(),
        discussion: """
            GeoJSON: a FeatureCollection of Polygon, MultiPolygon or Point features with properties code (or adcode), \
            name, level, parent (or parent_code, parent_adcode), population. A crs naming EPSG:4490 or CRS84/4326 is \
            read as WGS-84.
            CSV: code,name,level,parent,population,lon,lat (or 区划代码,名称,级别,上级代码,人口,经度,纬度).
            Levels: city, district (county), township, community, village. A unit with a code already stored is updated with what the file carries; the rest is kept.
            Polygons are checked and repaired with GEOS (MakeValid, structure method) within the limits below; a file \
            over one is refused, naming the feature and the option that raises the limit.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp(Message("option.a-geojson-shp-or-a-zip-holding-one-csv-xlsx-or-x").text())) var file: String
    @Option(help: ArgumentHelp(Message("option.the-level-of-units-whose-file-gives-none-city-di").text()))
    var level: String?
    @OptionGroup var options: ImportOptions
    @OptionGroup(title: "Limits on the polygons") var geometry: GeometryLimitOptions

    func validate() throws {
        if let level, UnitLevel(argument: level) == nil {
            throw ValidationError("--level \(level) is not a level: use city, district (county), township, community or village")
        }
    }

    func run() throws {
        let store = try storeOptions.open(creating: true)
        var importer = UnitImporter(level: level.flatMap(UnitLevel.init(argument:)),
                                    coordinateSystem: try options.coordinateSystem, encoding: try options.encodingChoice,
                                    strict: options.strict, rejectsPath: options.rejects)
        importer.geometryLimits = geometry.limits
        importer.rejectsEncoding = try options.rejectsEncoding
        importer.workbook = options.workbook
        importer.projection = try options.projection
        importer.language = .current
        let summary = try importer.run(path: file, into: store)
        Trace.mark("returned")
        let findings = summary.committed && !options.noCheck ? try RegistryCheck.run(store: store) : nil
        store.close()
        Trace.mark("closed")
        try report(summary, check: findings.map { found in { found } })
    }
}

struct ImportFacilities: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "facilities",
        abstract: Message("help.import-facilities").text(),
        discussion: """
            Columns, with an English or Chinese header, in any order (id, name, kind, lon, lat are required): \
            \(columnsHelp)
            Any other column is kept as a text attribute; a column that looks like a known one (实有床位数) is named in a warning, and the reason column of a rejects file is skipped, so a fixed rejects file imports as it is.
            Kinds: \(FacilityKind.helpList).
            Rows are upserted by id; the import is one transaction. Exit status: 0 all rows taken; 1 some rejected (or none taken under --strict), or the check after the import finds the file's points off by the GCJ-02 shift (the rows stay stored: import it again with --crs gcj02); 2 usage error or unreadable file.
            """
    ) }

    /// Each field as `beds\u{00A0}床位数`, with what it takes where that is not plain.
    static var columnsHelp: String {
        FacilityField.allCases.map { field in
            let name = "\(field.rawValue)\u{00A0}\(field.label)"
            return switch field {
            case .inclusive: name + " (true/false, 1/0, yes/no, 是/否)"
            case .closed: name + " (YYYY or YYYY-MM-DD)"
            default: name
            }
        }.joined(separator: " · ")
    }

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp(Message("option.a-csv-file-an-excel-workbook-xlsx-or-xls-or-poin").text())) var file: String
    @OptionGroup var options: ImportOptions

    func run() throws {
        Trace.mark("start")
        let store = try storeOptions.open(creating: true)
        Trace.mark("store open")
        let progress = ProgressLine()
        var importer = FacilityImporter(coordinateSystem: try options.coordinateSystem, encoding: try options.encodingChoice,
                                        strict: options.strict, rejectsPath: options.rejects,
                                        progress: progress.isEnabled ? progress.update : nil)
        importer.rejectsEncoding = try options.rejectsEncoding
        importer.workbook = options.workbook
        importer.projection = try options.projection
        importer.language = .current
        let summary = try importer.run(path: file, into: store)
        progress.finish()
        // The check examines what the import changed: its rows and their neighbours.
        let check = { try RegistryCheck.run(store: store, afterImport: summary.number ?? 0, changed: summary.new + summary.updated) }
        try report(summary, check: options.noCheck ? nil : check, ofImport: true)
    }
}

struct ImportRoads: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "roads",
        abstract: Message("help.import-roads").text(),
        discussion: """
            OpenStreetMap: an extract as .osm.pbf (Geofabrik, BBBike) or .osm XML, read with libreadosm; every way with \
            a highway tag that is a road (not proposed, construction, abandoned, planned, razed, platform, bus_stop, \
            rest_area, services, raceway, no or disused), with its name, oneway, junction, foot and access tags. Always WGS-84.
            GeoJSON: LineString or MultiLineString features (each part one road) with a highway property (and name, \
            oneway, junction, foot, access, osm_id). Shapefile: a layer of lines with a highway (or Geofabrik's fclass) column.
            The file's roads replace the stored ones in one transaction (--append adds them). Exit status: 0 all taken; \
            1 some features rejected, or none is a road; 2 usage error, or a file that cannot be read to its end.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp(Message("option.an-openstreetmap-extract-geojson-lines-or-a-shapefile").text()))
    var file: String
    @Flag(help: ArgumentHelp(Message("option.keep-the-stored-roads-and-add-these").text()))
    var append = false
    @OptionGroup var options: ImportOptions

    func validate() throws {
        let lower = file.lowercased()
        if (lower.hasSuffix(".pbf") || lower.hasSuffix(".osm")) && options.crs.lowercased() != "wgs84" {
            throw ValidationError("--crs \(options.crs): OpenStreetMap files are always WGS-84 — leave --crs out")
        }
    }

    func run() throws {
        let store = try storeOptions.open(creating: true)
        defer { store.close() }
        var importer = RoadImporter(coordinateSystem: try options.coordinateSystem, append: append, rejectsPath: options.rejects)
        importer.encoding = try options.encodingChoice
        importer.projection = try options.projection
        importer.rejectsEncoding = try options.rejectsEncoding
        importer.language = .current
        let result = try importer.run(path: file, into: store)
        let language = Language.current
        for rejection in result.summary.rejections.prefix(200) { printError(rejection.description(in: language)) }
        if result.summary.rejections.count > 200 {
            printError(Message("import.more-rejected").text(String(result.summary.rejections.count - 200), in: language))
        }
        for line in result.lines(in: language) { print(line) }
        if result.summary.rejected > 0 { throw Exit(status: 1) }
    }
}

/// `N rows, R rows/s` on stderr while it is a terminal; nothing otherwise.
final class ProgressLine {
    let isEnabled = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var shown = false

    func update(rows: Int, bytesRead: Int, bytesTotal: Int) {
        guard isEnabled else { return }
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        let percent = bytesTotal > 0 ? bytesRead * 100 / bytesTotal : 100
        FileHandle.standardError.write(Data("\r\(rows) rows, \(Int(Double(rows) / seconds)) rows/s, \(percent)%   ".utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

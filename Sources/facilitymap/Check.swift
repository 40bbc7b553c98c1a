import ArgumentParser
import FacilityMapKit
import Foundation

extension CheckFormat: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}

struct Check: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.check").text(),
        discussion: """
            One finding per line: severity, rule, the facility id (or unit code, or import file), what is wrong and what \
            to do. Rules: duplicate (same kind, similar name — 省/市/区 prefixes, full-width characters and 有限公司-style \
            suffixes aside — within 50 m; each pair once); unknown-unit; outside-unit (outside its unit's polygon, or \
            farther than --max-distance from its point); gcj02-offset (an import's points displaced from their units by \
            the local GCJ-02 shift, with the re-import to run); capacity (a village clinic with 300 beds, a kindergarten \
            with no places, a hospital with no beds); closed-before-opened; population (a unit without people, or whose \
            children hold more than it does); unit-code (not the national 12-digit scheme of its level, or not under its \
            parent's digits). Errors: gcj02-offset, closed-before-opened, unit-code, children over their parent.
            Exit status: 0 no finding at or above --fail-on; 1 some; 2 usage error.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .customLong("in"), help: ArgumentHelp(Message("option.only-facilities-and-units-in-this-unit-s-subtree").text(), valueName: "code"))
    var within: String?
    @Option(help: ArgumentHelp(Message("option.only-facilities-of-this-kind-english-or-chinese").text())) var kind: String?
    @Option(help: ArgumentHelp(Message("option.table-csv-or-json").text())) var format: CheckFormat = .table
    @OptionGroup var csv: CSVEncodingOption
    @Option(name: .customLong("fail-on"), help: ArgumentHelp(Message("option.exit-1-when-a-finding-is-at-least-this-severe-er").text()))
    var failOn: Severity = .warning
    @Option(name: .customLong("max-distance"), help: ArgumentHelp(Message("option.metres-from-a-point-only-unit-beyond-which-a-fac").text(), valueName: "metres"))
    var maxDistance: Double = 5_000

    func validate() throws {
        if let kind, FacilityKind(argument: kind) == nil {
            throw ValidationError("--kind " + FacilityKind.unknownMessage(kind))
        }
        if !(maxDistance > 0) { throw ValidationError("--max-distance must be more than 0 metres") }
    }

    func run() throws {
        let store = try storeOptions.open()
        if let within, try !store.containsUnit(code: within) {
            printError(Message("cli.check-no-unit").text(within))
            throw Exit(status: 2)
        }
        let check = QualityCheck(maxDistanceMetres: maxDistance, within: within, kind: kind.flatMap(FacilityKind.init(argument:)))
        let findings = try RegistryCheck.run(store: store, check: check)
        try RegistryCheck.write(findings, as: format, csvEncoding: try csv.encoding, to: .standardOutput, language: .current)
        if findings.contains(where: { $0.severity >= failOn }) { throw Exit(status: 1) }
    }
}

import ArgumentParser
import FacilityMapKit
import FacilityText

/// `--basemap` and its companions, on `map` and `serve`: XYZ tiles under the coverage map.
struct BasemapOptions: ParsableArguments {
    @Option(name: .customLong("basemap"), help: ArgumentHelp(Message("option.basemap").text(), valueName: "url-template"))
    var template: String?
    @Option(name: .customLong("basemap-attribution"), help: ArgumentHelp(Message("option.basemap-attribution").text(), valueName: "text"))
    var attribution: String = ""
    @Option(name: .customLong("basemap-subdomains"), help: ArgumentHelp(Message("option.basemap-subdomains").text(), valueName: "characters"))
    var subdomains: String = "abc"
    @Option(name: .customLong("basemap-max-zoom"), help: ArgumentHelp(Message("option.basemap-max-zoom").text(), valueName: "z"))
    var maxZoom: Int = 18

    func validate() throws {
        _ = try basemap()
    }

    /// The base map asked for, nil for none.
    func basemap() throws -> Basemap? {
        guard let template else {
            if !attribution.isEmpty { throw ValidationError(Message("basemap.attribution-alone").text()) }
            return nil
        }
        do {
            return try Basemap(template: template, subdomains: subdomains, attribution: attribution, maxZoom: maxZoom)
        } catch let problem as Basemap.Problem {
            throw ValidationError(problem.phrase.text(in: .current))
        }
    }
}

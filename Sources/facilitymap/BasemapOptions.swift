import ArgumentParser
import FacilityMapKit

/// `--basemap` and its companions, on `map` and `serve`: XYZ tiles under the coverage map.
struct BasemapOptions: ParsableArguments {
    @Option(name: .customLong("basemap"), help: ArgumentHelp(
        "XYZ tiles under the map, in Web Mercator on WGS-84, e.g. 天地图 https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY (default: none; the map then needs no network).",
        valueName: "url-template"))
    var template: String?
    @Option(name: .customLong("basemap-attribution"), help: ArgumentHelp("The credit the tiles' provider asks for, shown on the map (e.g. \"© 天地图\").", valueName: "text"))
    var attribution: String = ""
    @Option(name: .customLong("basemap-subdomains"), help: ArgumentHelp("What {s} in the template stands for, one character each (天地图: 01234567).", valueName: "characters"))
    var subdomains: String = "abc"
    @Option(name: .customLong("basemap-max-zoom"), help: ArgumentHelp("The deepest zoom the tiles have.", valueName: "z"))
    var maxZoom: Int = 18

    func validate() throws {
        _ = try basemap()
    }

    /// The base map asked for, nil for none.
    func basemap() throws -> Basemap? {
        guard let template else {
            if !attribution.isEmpty { throw ValidationError("--basemap-attribution needs --basemap") }
            return nil
        }
        do {
            return try Basemap(template: template, subdomains: subdomains, attribution: attribution, maxZoom: maxZoom)
        } catch let problem as Basemap.Problem {
            throw ValidationError(problem.description)
        }
    }
}

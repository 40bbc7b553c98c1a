import FacilityFormats
import FacilityText
import Foundation

/// A base map of XYZ tiles under the coverage map (`--basemap`): an address template with `{z}`, `{x}` and `{y}`
/// (or `{-y}`, TMS's rows from the south), optionally `{s}` for one of `subdomains`, and the credit its provider
/// asks for. The tiles must be Web Mercator (EPSG:3857) in WGS-84: 天地图's `_w` layers and OpenStreetMap's are; a
/// GCJ-02 map (高德, 腾讯) would show every facility a few hundred metres off.
public struct Basemap: Sendable, Equatable {
    public let template: String
    public let subdomains: String
    public let attribution: String
    public let maxZoom: Int

    /// What is wrong with a template, said so that the user can mend it.
    public struct Problem: PhrasedError {
        public let phrase: Phrase
        init(_ key: String, _ arguments: String...) { phrase = Phrase(key, arguments: arguments.map(Phrase.Argument.text)) }
    }

    public init(template: String, subdomains: String = "abc", attribution: String = "", maxZoom: Int = 18) throws {
        guard let url = URL(string: template.replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D")),
              ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw Problem("basemap.not-http", template)
        }
        guard template.contains("{z}"), template.contains("{x}"), template.contains("{y}") || template.contains("{-y}") else {
            throw Problem("basemap.no-zxy", template)
        }
        if template.contains("{s}") && subdomains.isEmpty {
            throw Problem("basemap.no-subdomains", template)
        }
        guard (1...22).contains(maxZoom) else {
            throw Problem("basemap.max-zoom", String(maxZoom))
        }
        self.template = template
        self.subdomains = subdomains
        self.attribution = attribution
        self.maxZoom = maxZoom
        _ = try cspSource()
    }

    /// The source to let through a page's `Content-Security-Policy` `img-src`: the scheme and host (with its port),
    /// `{s}` in the host's first label made `*.`.
    public func cspSource() throws -> String {
        let afterScheme = template.range(of: "://").map { template[$0.upperBound...] } ?? Substring(template)
        let scheme = template.prefix { $0 != ":" }.lowercased()
        var host = String(afterScheme.prefix { $0 != "/" && $0 != "?" })
        if host.contains("{s}") {
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard labels.count > 2, labels[0].contains("{s}"), !labels.dropFirst().contains(where: { $0.contains("{") }) else {
                throw Problem("basemap.s-first-label", template)
            }
            host = "*." + labels.dropFirst().joined(separator: ".")
        }
        guard !host.contains("{"), !host.contains("}"), !host.isEmpty,
              host.allSatisfy({ $0.isLetter || $0.isNumber || "-.:*[]".contains($0) }) else {
            throw Problem("basemap.host-placeholder", template)
        }
        return "\(scheme)://\(host)"
    }

    /// The page's `BASEMAP` object.
    var json: String {
        JSONText.object([("url", JSONText.string(template)), ("subdomains", JSONText.string(subdomains)),
                         ("attribution", JSONText.string(attribution)), ("maxZoom", JSONText.value(maxZoom))])
    }
}

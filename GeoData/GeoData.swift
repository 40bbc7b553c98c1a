import Foundation

/// The embedded default data set: `GeoData/luoyang/`, copied into the build as a SwiftPM resource bundle
/// that sits beside the `facilitymap` binary, so `facilitymap demo` runs from any directory.
public enum EmbeddedData {
    /// The folder holding the Luoyang files (see `GeoData/luoyang/README.md`).
    public static var luoyang: URL {
        guard let url = Bundle.module.url(forResource: "luoyang", withExtension: nil) else {
            fatalError("the Luoyang data is missing from the build's resource bundle — rebuild facilitymap")
        }
        return url
    }
}

import FacilityGeometry
import FacilityText
import Foundation

/// One feature of a layer that was read and passed the structural checks: GeoJSON's model, which every feature
/// source gives (a Shapefile's record is one too: its attributes the properties, its shape the geometry).
public struct Feature: Sendable {
    /// 0-based position in the layer (in a GeoJSON file, in the `features` array; 0 for a lone Feature document).
    public let index: Int
    /// 1-based line (or record number) where a person finds the feature.
    public let line: Int
    /// The feature's id (GeoJSON's `id` member, string or number), nil when absent or null.
    public let id: JSONValue?
    /// The properties (attributes); empty when absent or null.
    public let properties: [String: JSONValue]
    /// The geometry, coordinates as in the file (no datum conversion, altitude dropped).
    public let geometry: Geometry

    public init(index: Int, line: Int, id: JSONValue? = nil, properties: [String: JSONValue], geometry: Geometry) {
        self.index = index
        self.line = line
        self.id = id
        self.properties = properties
        self.geometry = geometry
    }
}

/// Why one feature was skipped; the rest of the file is still read.
public struct FeatureError: PhrasedError, Equatable {
    /// 0-based position in the layer.
    public let index: Int
    /// 1-based line (or record number) where the feature starts.
    public let line: Int
    /// What is wrong and what to do, without the "feature N (line L)" prefix, in any language.
    public let reason: Phrase

    public init(index: Int, line: Int, reason: Phrase) {
        self.index = index
        self.line = line
        self.reason = reason
    }

    public init(index: Int, line: Int, message: String) {
        self.init(index: index, line: line, reason: .verbatim(message))
    }

    /// What is wrong and what to do, in English.
    public var message: String { reason.text(in: .en) }

    /// e.g. "feature 3 (line 57): polygon 1, ring 0 is not closed (first [112.1, 34.5], last [112.2, 34.5]) — close the ring in the source …".
    public var description: String { "feature \(index) (line \(line)): \(message)".singleLine }

    public var phrase: Phrase { Phrase("feature.error", arguments: [.text(String(index)), .text(String(line)), .phrase(reason)]) }

    /// The same feature and the same words in English, however they were put together.
    public static func == (a: FeatureError, b: FeatureError) -> Bool { a.index == b.index && a.line == b.line && a.message == b.message }
}

/// Where an import's features come from, whatever the file's format: each feature with its properties and geometry,
/// handed over as it is read. The units importer reads any source through this; a new format (a Shapefile) is one
/// more type here and a line in `RecordSources.open`, with no change to the importer or the stores.
public protocol FeatureSource: AnyObject {
    /// The file, for messages (`FILE:LINE`) and the import log.
    var path: String { get }
    /// Hands each feature (or why it was skipped) to `body` in file order, as it is read; `limits` bound the positions
    /// (vertices) a feature and the file may hold, past which the read stops with an error that names the feature.
    func forEachFeature(limits: GeoJSONLimits, _ body: (Result<Feature, FeatureError>) throws -> Void) throws
}

/// A GeoJSON file's features (RFC 7946; see `GeoJSONDocument.read(path:limits:each:)` for what is accepted).
public final class GeoJSONFeatureSource: FeatureSource {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func forEachFeature(limits: GeoJSONLimits, _ body: (Result<Feature, FeatureError>) throws -> Void) throws {
        try GeoJSONDocument.read(path: path, limits: limits, each: body)
    }
}

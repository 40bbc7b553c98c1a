import FacilityGEOS

/// What a units import's polygons may hold, and what checking and repairing them may spend. Each is named in
/// the error that it causes, with the option that raises it (`import units` and `serve` take the same options).
public struct GeometryLimits: Sendable, Equatable {
    /// Positions (vertices) in one feature (`--max-vertices-per-feature`): more refuses the file.
    public var verticesPerFeature = 1_000_000
    /// Positions in the whole file (`--max-vertices`): more refuses the file.
    public var vertices = 5_000_000
    /// Polygons in one feature once exact repeats are dropped (`--max-parts-per-feature`): more rejects the feature.
    public var partsPerFeature = 10_000
    /// Polygons in the whole file (`--max-parts`): more refuses the file.
    public var parts = 100_000
    /// Time and memory for GEOS's validity checks and repairs of the whole file (`--geometry-seconds`,
    /// `--geometry-memory-mb`): spent, the file is refused, naming the feature it was spent on.
    public var budget = GeometryBudget()

    public init() {}
}

/// The time and memory GEOS may spend on one import's polygons.
public typealias GeometryBudget = FacilityGEOS.GeometryBudget

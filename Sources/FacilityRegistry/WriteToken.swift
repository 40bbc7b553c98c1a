import FacilityModel

/// A token that may write to the registry: its holder's name and scope. The secret itself is never stored,
/// only its SHA-256.
public struct WriteToken: Equatable, Sendable {
    public var name: String
    /// The kinds it may write; empty means every kind.
    public var kinds: [FacilityKind]
    /// The unit whose subtree it may write; nil means everywhere.
    public var unit: String?
    public var createdAt: String
    /// The last day it may be used (YYYY-MM-DD, UTC); nil: it does not expire.
    public var expiresOn: String?
    /// When a request last carried it (to the minute; ISO 8601); nil: never.
    public var lastUsedAt: String?

    public init(name: String, kinds: [FacilityKind], unit: String?, createdAt: String, expiresOn: String? = nil,
                lastUsedAt: String? = nil) {
        self.name = name
        self.kinds = kinds
        self.unit = unit
        self.createdAt = createdAt
        self.expiresOn = expiresOn
        self.lastUsedAt = lastUsedAt
    }

    /// Whether it has expired on `today` (YYYY-MM-DD): after its last day.
    public func hasExpired(today: String) -> Bool {
        expiresOn.map { $0 < today } ?? false
    }
}


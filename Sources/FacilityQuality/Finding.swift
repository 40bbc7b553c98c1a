import FacilityText

/// How much a finding matters: an error biases coverage for sure; a warning is worth a look.
public enum Severity: String, CaseIterable, Comparable, Sendable {
    case warning, error

    public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
}

/// A rule of `facilitymap check`.
public enum QualityRule: String, CaseIterable, Sendable {
    /// Two facilities of one kind, with the same name once normalised, within `duplicateMetres`.
    case duplicate
    /// A facility whose registered unit is not in the store.
    case unknownUnit = "unknown-unit"
    /// A point outside the polygon of its registered unit, or farther than `maxDistanceMetres` from its point.
    case outsideUnit = "outside-unit"
    /// A whole import (or kind) shifted by the GCJ-02 offset against the units: stored as WGS-84 by mistake.
    case gcj02Offset = "gcj02-offset"
    /// Kind and capacity that contradict (a village clinic with 300 beds, a kindergarten with no places).
    case capacity
    /// A closing day before the opening day.
    case closedBeforeOpened = "closed-before-opened"
    /// A unit with no population, or whose children hold more people than it does.
    case population
    /// A unit code that does not follow the national 12-digit scheme of its level.
    case unitCode = "unit-code"
    /// A unit that is its own ancestor (a store edited by other means: imports refuse cycles).
    case parentCycle = "parent-cycle"

    public var severity: Severity {
        switch self {
        case .gcj02Offset, .closedBeforeOpened, .unitCode, .parentCycle: .error
        case .duplicate, .unknownUnit, .outsideUnit, .capacity, .population: .warning
        }
    }
}

/// One problem found: what it is about, the rule, what is wrong and what to do.
public struct Finding: Equatable, Sendable {
    /// What the finding is about.
    public enum Subject: String, Sendable {
        case facility, unit
        /// A whole import (its file), or the facilities of one kind that no recorded import created.
        case source
    }

    public var subject: Subject
    /// The facility id, the unit code, or the import's file (`kind:<kind>` when no import is recorded).
    public var id: String
    public var name: String
    public var rule: QualityRule
    public var severity: Severity
    /// What is wrong, with the numbers that show it, to be said in any language; `problem` is its English.
    public var problemPhrase: Phrase
    /// What to do about it; `action` is its English.
    public var actionPhrase: Phrase
    /// `duplicate`: the other facility of the pair.
    public var other: String?

    /// What is wrong, in English (JSON and CSV, the same in every language).
    public var problem: String { problemPhrase.text(in: .en) }
    /// What to do about it, in English.
    public var action: String { actionPhrase.text(in: .en) }

    public init(subject: Subject, id: String, name: String, rule: QualityRule, severity: Severity? = nil, problem: Phrase,
                action: Phrase, other: String? = nil) {
        self.subject = subject
        self.id = id
        self.name = name
        self.rule = rule
        self.severity = severity ?? rule.severity
        problemPhrase = problem
        actionPhrase = action
        self.other = other
    }

    public init(subject: Subject, id: String, name: String, rule: QualityRule, severity: Severity? = nil, problem: String,
                action: String, other: String? = nil) {
        self.init(subject: subject, id: id, name: name, rule: rule, severity: severity, problem: .verbatim(problem),
                  action: .verbatim(action), other: other)
    }
}

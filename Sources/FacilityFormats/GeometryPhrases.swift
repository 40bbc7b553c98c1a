import FacilityGeometry
import FacilityText

// The words of FacilityGeometry's problems, which says them in English only (it depends on nothing): here they are
// phrases, said in the user's language by the importers.

extension GeometryProblem {
    /// The problem in any language; `description` is its English.
    public var phrase: Phrase {
        switch self {
        case .coordinateNotFinite(let path):
            Phrase("geometry.not-finite", arguments: [.phrase(Self.pathPhrase(path))])
        case .coordinateOutOfRange(let path, let p):
            Phrase("geometry.out-of-range", arguments: [.phrase(Self.pathPhrase(path)), .text(p.description)])
        case .ringNotClosed(let path, let first, let last):
            Phrase("geometry.ring-not-closed", arguments: [.phrase(Self.pathPhrase(path)), .text(first.description), .text(last.description)])
        case .ringTooShort(let path, let count):
            Phrase(count == 1 ? "geometry.ring-too-short.one" : "geometry.ring-too-short", arguments: [.phrase(Self.pathPhrase(path)), .text(String(count))])
        case .empty:
            Phrase("geometry.empty")
        }
    }

    /// The first three of `problems`, `; ` between them, and how many more there are.
    public static func phrase(of problems: [GeometryProblem]) -> Phrase {
        var phrases = problems.prefix(3).map(\.phrase)
        if problems.count > 3 { phrases.append(Phrase("geometry.more-problems", String(problems.count - 3))) }
        return phrases.count == 1 ? phrases[0] : .sequence(phrases)
    }

    /// Where in a geometry, as `structuralProblems()` and the GeoJSON reader name it in English ("point",
    /// "polygon 1, ring 0, position 3", "MultiPolygon coordinates"), said in any language; a path it does not know
    /// stays as it is.
    public static func pathPhrase(_ path: String) -> Phrase {
        let parts = path.components(separatedBy: ", ").map { part -> Phrase in
            if part == "point" { return Phrase("geometry.path.point") }
            if part.hasSuffix(" coordinates") { return Phrase("geometry.path.coordinates", String(part.dropLast(" coordinates".count))) }
            for name in ["polygon", "ring", "position"] where part.hasPrefix(name + " ") {
                let number = part.dropFirst(name.count + 1)
                if !number.isEmpty, number.allSatisfy(\.isNumber) { return Phrase("geometry.path.\(name)", String(number)) }
            }
            return .verbatim(part)
        }
        return parts.dropFirst().reduce(parts[0]) { Phrase("geometry.path.in", arguments: [.phrase($0), .phrase($1)]) }
    }
}

extension JSONValue {
    /// What kind of JSON value this is ("an array"), in any language: `kindDescription` is its English.
    public var kindPhrase: Phrase {
        switch self {
        case .null: Phrase("json.kind.null")
        case .bool: Phrase("json.kind.boolean")
        case .number: Phrase("json.kind.number")
        case .string: Phrase("json.kind.string")
        case .array: Phrase("json.kind.array")
        case .object: Phrase("json.kind.object")
        }
    }
}

extension WKBError: PhrasedError {
    /// Where the blob could not be read, in any language; what was found stays as FacilityGeometry words it.
    public var phrase: Phrase { Phrase("wkb.error", String(offset), message) }
}

import FacilityText

extension Phrase {
    /// A reason given as English text by a lower layer (the system, a reader, a store), said in the catalogue's words
    /// when it is one of the reasons the catalogue knows (`reason.*`), else as it is: SQLite's, PROJ's and the
    /// archive's detailed messages stay English in every language.
    public static func reason(_ text: String) -> Phrase {
        for known in knownReasons {
            if known.suffix == nil {
                if known.prefix.hasSuffix(" ") {
                    if text.hasPrefix(known.prefix) { return Phrase(known.key, String(text.dropFirst(known.prefix.count))) }
                } else if text == known.prefix {
                    return Phrase(known.key)
                }
            } else if let suffix = known.suffix, text.hasPrefix(known.prefix), text.hasSuffix(suffix),
                      text.count > known.prefix.count + suffix.count {
                return Phrase(known.key, String(text.dropFirst(known.prefix.count).dropLast(suffix.count)))
            }
        }
        return .verbatim(text)
    }

    /// A reason the catalogue words: the whole text, or (ending in a space) a prefix whose rest is the value, or a
    /// prefix and a suffix around the value.
    private struct KnownReason {
        let prefix: String, suffix: String?, key: String
        init(_ text: String, _ key: String) { prefix = text; suffix = nil; self.key = key }
        init(_ prefix: String, _ suffix: String, _ key: String) { self.prefix = prefix; self.suffix = suffix; self.key = key }
    }

    private static let knownReasons: [KnownReason] = [
        KnownReason("no such file", "reason.no-such-file"),
        KnownReason("No such file or directory", "reason.enoent"),
        KnownReason("permission denied", "reason.permission-denied"),
        KnownReason("Permission denied", "reason.eacces"),
        KnownReason("it is a directory", "reason.directory"),
        KnownReason("Is a directory", "reason.eisdir"),
        KnownReason("it is a folder", "reason.folder"),
        KnownReason("this system's iconv cannot convert from GB18030", "reason.no-gb18030"),
        KnownReason("not a .zip archive (no central directory)", "reason.not-zip"),
        KnownReason("the .zip's directory is damaged", "reason.zip-damaged"),
        KnownReason("the file is not a SQLite database", "reason.not-sqlite"),
        KnownReason("the file cannot be read — check its permissions", "reason.cannot-read-permissions"),
        KnownReason("its application id is ", ", not FacilityMap's", "reason.application-id"),
        KnownReason("it holds tables FacilityMap did not make: ", "reason.foreign-tables"),
    ]
}

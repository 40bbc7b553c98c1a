import Foundation

/// The entries of a ZIP archive (stored or deflated, as Windows, macOS, `zip`, Excel, WPS, LibreOffice and Python's
/// `zipfile` write them; ZIP64 sizes too). Only the central directory is read when it opens; an entry is read when
/// asked for, whole (`contents(of:)`) or a piece at a time (`stream(_:)`), so a large workbook is never in memory at
/// once.
struct ZipArchive {
    /// Why the archive or one of its entries cannot be read; the caller names the file.
    struct Failure: Error, Equatable {
        let message: String
    }

    struct Entry {
        let name: String
        let method: Int
        let compressedSize: Int
        let size: Int
        /// Where the local header starts; the data follows it and its name and extra field.
        let headerOffset: Int
    }

    let path: String
    let entries: [Entry]
    let fileSize: Int

    init(path: String) throws {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(message: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        fileSize = size
        // The end of the central directory: the last record with its signature, within a comment's reach of the end.
        let tailStart = max(0, size - 22 - 65_535)
        let tail = try Self.read(handle, at: tailStart, count: size - tailStart)
        var end = tail.count - 22
        while end >= 0, Self.u32(tail, end) != 0x0605_4B50 { end -= 1 }
        guard end >= 0 else { throw Failure(message: "not a .zip archive (no central directory)") }
        var count = Self.u16(tail, end + 10)
        var directorySize = Self.u32(tail, end + 12)
        var directoryOffset = Self.u32(tail, end + 16)
        // ZIP64: the record's locator sits just before it and points at the ZIP64 end record.
        if end >= 20, Self.u32(tail, end - 20) == 0x0706_4B50 {
            let record = try Self.read(handle, at: Self.u64(tail, end - 12), count: 56)
            guard record.count == 56, Self.u32(record, 0) == 0x0606_4B50 else {
                throw Failure(message: "the .zip's ZIP64 directory is damaged")
            }
            count = Self.u64(record, 32)
            directorySize = Self.u64(record, 40)
            directoryOffset = Self.u64(record, 48)
        }
        guard directoryOffset + directorySize <= size, directorySize <= 1 << 30 else {
            throw Failure(message: "the .zip's directory is damaged")
        }
        let directory = try Self.read(handle, at: directoryOffset, count: directorySize)
        var at = 0
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, 65_536))
        for _ in 0..<count {
            guard at + 46 <= directory.count, Self.u32(directory, at) == 0x0201_4B50 else {
                throw Failure(message: "the .zip's directory is damaged")
            }
            let nameLength = Self.u16(directory, at + 28), extra = Self.u16(directory, at + 30), comment = Self.u16(directory, at + 32)
            guard at + 46 + nameLength + extra <= directory.count else { throw Failure(message: "the .zip's directory is damaged") }
            let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            var compressed = Self.u32(directory, at + 20), plain = Self.u32(directory, at + 24), local = Self.u32(directory, at + 42)
            // ZIP64 extra field (0x0001): the sizes and offset that did not fit, in this order.
            var field = at + 46 + nameLength
            let fieldsEnd = field + extra
            while field + 4 <= fieldsEnd {
                let id = Self.u16(directory, field), length = Self.u16(directory, field + 2)
                if id == 0x0001 {
                    var value = field + 4
                    func next() -> Int? {
                        guard value + 8 <= field + 4 + length, value + 8 <= fieldsEnd else { return nil }
                        defer { value += 8 }
                        return Self.u64(directory, value)
                    }
                    if plain == 0xFFFF_FFFF { plain = next() ?? plain }
                    if compressed == 0xFFFF_FFFF { compressed = next() ?? compressed }
                    if local == 0xFFFF_FFFF { local = next() ?? local }
                }
                field += 4 + length
            }
            entries.append(Entry(name: name, method: Self.u16(directory, at + 10), compressedSize: compressed, size: plain,
                                 headerOffset: local))
            at += 46 + nameLength + extra + comment
        }
        self.entries = entries
    }

    /// The entry named `name` (as the archive spells it; `/` separated), if any.
    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name } ?? entries.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The entry's bytes, inflated, all at once: for the small entries (a Shapefile's, a workbook's parts).
    func contents(of entry: Entry) throws -> [UInt8] {
        // Deflate packs at most 1032 to 1: a larger claim is a damaged or hostile archive.
        guard entry.size <= entry.compressedSize * 1032 + 1024, entry.size <= 1 << 31 else {
            throw Failure(message: "\(entry.name) claims \(entry.size) bytes from \(entry.compressedSize) — the .zip is damaged")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entry.size)
        try stream(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Hands the entry's bytes to `body` a piece at a time (at most a megabyte each), in order; throws when the entry
    /// is damaged, or inflates to another size than the directory says.
    func stream(_ entry: Entry, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let reader = try EntryReader(archive: self, entry: entry)
        while try reader.next(body) {}
    }

    /// An entry read a piece at a time, as its reader asks: each `next` reads the next piece of the archive and hands
    /// what it inflates to a closure.
    final class EntryReader {
        let entry: Entry
        /// How far into the archive the reading is, in bytes (for progress).
        private(set) var consumed: Int
        private let handle: FileHandle
        private let inflater: Zlib.RawInflater?
        private var left: Int
        private var made = 0
        private var ended = false

        init(archive: ZipArchive, entry: Entry) throws {
            self.entry = entry
            guard let handle = FileHandle(forReadingAtPath: archive.path) else { throw Failure(message: "cannot open the file again") }
            self.handle = handle
            let header = try ZipArchive.read(handle, at: entry.headerOffset, count: 30)
            guard header.count == 30, ZipArchive.u32(header, 0) == 0x0403_4B50 else {
                throw Failure(message: "\(entry.name) has no local header where the directory says — the .zip is damaged")
            }
            let dataOffset = entry.headerOffset + 30 + ZipArchive.u16(header, 26) + ZipArchive.u16(header, 28)
            guard dataOffset + entry.compressedSize <= archive.fileSize else {
                throw Failure(message: "\(entry.name) runs past the end of the .zip")
            }
            switch entry.method {
            case 0: inflater = nil
            case 8: inflater = try Zlib.RawInflater()
            default: throw Failure(message: "\(entry.name) is packed by method \(entry.method): re-zip it with the usual (deflate)")
            }
            try handle.seek(toOffset: UInt64(dataOffset))
            consumed = dataOffset
            left = entry.compressedSize
        }

        deinit { try? handle.close() }

        /// Reads the next piece and hands what it holds to `body`; false once the entry is done (and checked).
        func next(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
            guard !ended else { return false }
            let piece = left > 0 ? (try handle.read(upToCount: min(1 << 16, left)) ?? Data()) : Data()
            guard left == 0 || !piece.isEmpty else { throw Failure(message: "\(entry.name) runs past the end of the .zip") }
            left -= piece.count
            consumed += piece.count
            if let inflater {
                let status = try piece.withUnsafeBytes { input in
                    try inflater.inflate(input.bindMemory(to: UInt8.self)) { output in
                        made += output.count
                        guard made <= entry.size else {
                            throw Failure(message: "\(entry.name) inflates past the \(entry.size) bytes the .zip's directory says — it is damaged")
                        }
                        try body(output)
                    }
                }
                switch status {
                case .ended: ended = true
                case .needsInput where left == 0: throw Failure(message: "\(entry.name) in the .zip is damaged (its data ends early)")
                case .needsInput: break
                case .damaged: throw Failure(message: "\(entry.name) in the .zip is damaged (inflating it failed)")
                }
            } else {
                made += piece.count
                if !piece.isEmpty { try piece.withUnsafeBytes { try body($0.bindMemory(to: UInt8.self)) } }
                ended = left == 0
            }
            if ended, made != entry.size {
                throw Failure(message: "\(entry.name) holds \(made) bytes, not the \(entry.size) the .zip's directory says — it is damaged")
            }
            return true
        }
    }

    static func read(_ handle: FileHandle, at offset: Int, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        do {
            try handle.seek(toOffset: UInt64(offset))
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw Failure(message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    static func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> Int { u16(b, at) | u16(b, at + 2) << 16 }
    static func u64(_ b: [UInt8], _ at: Int) -> Int { u32(b, at) | u32(b, at + 4) << 32 }
}

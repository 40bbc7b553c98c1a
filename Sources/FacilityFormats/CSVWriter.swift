import FacilityText
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes RFC 4180 CSV with LF line ends, as UTF-8 (with or without a byte order mark) or GB18030, buffered
/// (flushes about every 64 KiB, at the end of a record).
/// A field is quoted when it contains a comma, quote, CR or LF, starts or ends with a space
/// or tab, or starts with U+FEFF; embedded quotes are doubled. Copies of a writer share the same output.
/// Call `close()` to flush and to see write errors.
public struct CSVWriter {
    private let output: Output

    /// Creates (or truncates) the file at `path`. With `byteOrderMark`, starts it with EF BB BF
    /// (helps Excel open UTF-8 files).
    public init(path: String, byteOrderMark: Bool = false) throws {
        try self.init(path: path, encoding: byteOrderMark ? .utf8BOM : .utf8)
    }

    /// Creates (or truncates) the file at `path`, written in `encoding`.
    public init(path: String, encoding: CSVOutputEncoding) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileWriteError(path: path, "csv-write.create", systemReason())
        }
        output = Output(fd: fd, name: path, ownsDescriptor: true, handle: nil, encoding: encoding)
    }

    /// Writes to an open file handle (e.g. `FileHandle.standardOutput`), which is not closed by `close()`.
    public init(fileHandle: FileHandle, encoding: CSVOutputEncoding = .utf8) {
        let fd = fileHandle.fileDescriptor
        let name = fd == STDOUT_FILENO ? "standard output" : (fd == STDERR_FILENO ? "standard error" : "file descriptor \(fd)")
        output = Output(fd: fd, name: name, ownsDescriptor: false, handle: fileHandle, encoding: encoding)
    }

    /// Appends one record. A record of one empty field is written as `""` so it is not an empty line.
    public func write(_ fields: [String]) throws {
        try output.checkOpen()
        if fields.count == 1 && fields[0].isEmpty {
            output.buffer.append(contentsOf: [quoteByte, quoteByte])
        } else {
            for (index, field) in fields.enumerated() {
                if index > 0 { output.buffer.append(commaByte) }
                output.append(field: field)
            }
        }
        output.buffer.append(0x0A)
        if output.buffer.count >= Output.flushThreshold { try output.flush() }
    }

    /// Writes buffered bytes to the file without closing it.
    public func flush() throws {
        try output.flush()
    }

    /// Flushes and closes the file (a file handle passed to `init(fileHandle:)` stays open).
    public func close() throws {
        try output.close()
    }
}

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

private let quoteByte: UInt8 = 0x22
private let commaByte: UInt8 = 0x2C

private final class Output {
    static let flushThreshold = 65_536
    let fd: Int32
    let name: String
    let ownsDescriptor: Bool
    let handle: FileHandle?  // kept alive so its descriptor stays valid
    let encoding: CSVOutputEncoding
    var buffer: [UInt8] = []
    var closed = false
    /// Whether anything was written yet (the byte order mark goes first).
    var started = false

    init(fd: Int32, name: String, ownsDescriptor: Bool, handle: FileHandle?, encoding: CSVOutputEncoding) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        self.handle = handle
        self.encoding = encoding
        buffer.reserveCapacity(Output.flushThreshold + 4096)
    }

    deinit {
        if !closed { try? close() }
    }

    func checkOpen() throws {
        if closed { throw FileWriteError(path: name, "csv-write.closed") }
    }

    func append(field: String) {
        var needsQuotes = false
        var hasQuote = false
        var utf8 = field.utf8
        if let first = utf8.first, let last = utf8.last {
            needsQuotes = first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        }
        // A field starting with U+FEFF (EF BB BF) is quoted: unquoted at the start of a file, readers take it for a
        // byte order mark and drop it.
        if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { needsQuotes = true }
        let scanned: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte <= 0x2C {
                if byte == quoteByte { hasQuote = true; needsQuotes = true }
                else if byte == commaByte || byte == 0x0A || byte == 0x0D { needsQuotes = true }
            }
        }
        if scanned == nil {
            var copy = field
            copy.makeContiguousUTF8()
            utf8 = copy.utf8
            for byte in utf8 where byte <= 0x2C {
                if byte == quoteByte { hasQuote = true; needsQuotes = true }
                else if byte == commaByte || byte == 0x0A || byte == 0x0D { needsQuotes = true }
            }
        }
        if !needsQuotes {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(quoteByte)
        if hasQuote {
            for byte in utf8 {
                buffer.append(byte)
                if byte == quoteByte { buffer.append(quoteByte) }
            }
        } else {
            buffer.append(contentsOf: utf8)
        }
        buffer.append(quoteByte)
    }

    func flush() throws {
        try checkOpen()
        if encoding != .utf8 && (!buffer.isEmpty || !started) {
            buffer = encoding.encode(buffer, atStart: !started)
        }
        started = true
        var written = 0
        let total = buffer.count
        try buffer.withUnsafeBytes { bytes in
            while written < total {
                let n = systemWrite(fd, bytes.baseAddress! + written, total - written)
                if n >= 0 {
                    written += n
                } else if errno != EINTR {
                    throw FileWriteError(path: name, "csv-write.failed", systemReason())
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        guard !closed else { return }
        var failure: Error?
        do { try flush() } catch { failure = error }
        closed = true
        if ownsDescriptor && systemClose(fd) != 0 && failure == nil {
            failure = FileWriteError(path: name, "csv-write.close-failed", systemReason())
        }
        if let failure { throw failure }
    }
}

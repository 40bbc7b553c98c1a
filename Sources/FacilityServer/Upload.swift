import FacilityMapKit
import Foundation
import Hummingbird
import NIOCore

/// An uploaded file, saved under its own name in a folder of its own (so the importer's messages can name it).
struct Upload: Sendable {
    let folder: String
    let path: String

    /// Saves `body` to a new temporary folder as `name`; more than `limit` bytes (declared or sent) is 413.
    /// An upload that has come in slower than `minimumRate` bytes a second once `grace` seconds have passed is a
    /// 408 (a trickling client holds a connection and a file as long as it likes otherwise; a silent one is closed
    /// by the server's idle timeout).
    ///
    /// With `form`, the body is a `multipart/form-data` form parsed as it comes: only its file part is saved, and
    /// the form (its fields, the file's name) is left in `form`.
    static func receive(_ body: RequestBody, name: String, limit: Int, declaredLength: Int?,
                        minimumRate: Double = 10_000, grace: Double = 60, form: MultipartForm? = nil) async throws -> Upload {
        if let declaredLength, declaredLength > limit {
            throw APIError(.contentTooLarge, "the upload is \(declaredLength) bytes; this server takes at most \(limit) — split the file, or start the server with a larger --max-upload-mb")
        }
        var template = Array((NSTemporaryDirectory() + "/facilitymap-upload-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw APIError(.internalServerError, "cannot make a folder for the upload: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let upload = Upload(folder: folder, path: folder + "/" + name)
        do {
            let fd = open(upload.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw APIError(.internalServerError, "cannot save the upload: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var total = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for try await buffer in body {
                total += buffer.readableBytes
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if seconds > grace && Double(total) / seconds < minimumRate {
                    throw APIError(.requestTimeout, "the upload came in at \(Int(Double(total) / seconds)) bytes a second, slower than the \(Int(minimumRate)) this server waits for — send it again over a faster connection")
                }
                if total > limit {
                    throw APIError(.contentTooLarge, "the upload is larger than \(limit) bytes, the most this server takes — split the file, or start the server with a larger --max-upload-mb")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    if let form {
                        try form.feed(bytes) { part in try part.withUnsafeBytes { try Self.write(fd, $0) } }
                    } else {
                        try Self.write(fd, bytes)
                    }
                }
            }
            if total == 0 { throw APIError(.badRequest, "the request has no body: send the file's bytes as the body") }
            try form?.finish()
        } catch let error as APIError {
            upload.remove()
            throw error
        } catch {
            // The body stream itself failed: broken chunked framing, a connection closed mid-body.
            upload.remove()
            throw APIError(.badRequest, "the request body could not be read (\(error)) — send the file again with a correct Content-Length or chunked framing; nothing was imported")
        }
        return upload
    }

    private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "cannot save the upload: \(String(cString: strerror(errno))) — nothing was imported")
            }
            offset += n
        }
    }

    /// The same file under `name` in the same folder.
    func renamed(_ name: String) throws -> Upload {
        let moved = Upload(folder: folder, path: folder + "/" + name)
        guard rename(path, moved.path) == 0 else {
            throw APIError(.badRequest, "cannot save the upload as \(name): \(String(cString: strerror(errno))) — give the file a shorter plain name")
        }
        return moved
    }

    /// `text` with the temporary folder left out of the paths in it: `FILE:LINE: …` names the upload.
    func named(_ text: String) -> String {
        text.replacingOccurrences(of: folder + "/", with: "")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension ServedRegistry {
    /// A response body written by `produce`, which writes a file at the path it is given (a pipe) on a thread of
    /// its own while this side sends what it has written: memory does not grow with the layer.
    func stream(_ produce: @escaping @Sendable (String) throws -> Void) -> ResponseBody {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            return ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\": \"cannot open a pipe\"}"))
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        // Nobody waits for the producer's value: it ends when the layer is written or the reader goes away.
        _ = Background<Void, Never> {
            defer { close(writeEnd) }
            do { try produce("/dev/fd/\(writeEnd)") } catch {
                FileHandle.standardError.write(Data("facilitymap serve: a streamed layer stopped: \(error)\n".utf8))
            }
        }
        return ResponseBody { [self] writer in
            defer { close(readEnd) }
            while true {
                let chunk = try await blocking {
                    var bytes = [UInt8](repeating: 0, count: 1 << 16)
                    while true {
                        let n = Glibc.read(readEnd, &bytes, bytes.count)
                        if n < 0 && errno == EINTR { continue }
                        return n <= 0 ? [] : Array(bytes[..<n])
                    }
                }
                if chunk.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
    }
}

/// A `multipart/form-data` body (RFC 7578) as browsers send a form, parsed while it streams in: the file part's
/// bytes go to the upload's file as they come (memory holds one network chunk and a delimiter's length, whatever the
/// file's size), the small text fields are kept.
final class MultipartForm {
    /// The `boundary` parameter of a multipart Content-Type; 400 when there is none.
    static func boundary(of contentType: String) throws -> String {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                if !value.isEmpty && value.utf8.count <= 200 { return value }
            }
        }
        throw APIError(.badRequest, "malformed multipart body: the Content-Type names no boundary — send the form as a browser does, or the file itself as the body")
    }

    private enum State { case preamble, afterDelimiter, headers, file, field(String?), skipped, done }

    private let delimiter: [UInt8]
    private let next: [UInt8]
    private var state = State.preamble
    /// Bytes not yet consumed, and the offset in the body of the first of them.
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Where the current part's headers start, for messages.
    private var partStart = 0
    private var fieldBytes: [UInt8] = []
    private(set) var fields: [String: String] = [:]
    private(set) var fileName: String?
    private(set) var hasFile = false

    init(boundary: String) {
        delimiter = Array("--\(boundary)".utf8)
        next = Array("\r\n--\(boundary)".utf8)
    }

    private func malformed(_ what: String) -> APIError {
        APIError(.badRequest, "malformed multipart body: \(what) — send the form as a browser does, or the file itself as the body")
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        return buffer.withUnsafeBytes { hay -> Int? in
            guard let base = hay.baseAddress else { return nil }
            var at = 0
            while at + needle.count <= hay.count {
                guard let hit = memchr(base + at, Int32(needle[0]), hay.count - needle.count + 1 - at) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                if needle.withUnsafeBytes({ memcmp(base + offset, $0.baseAddress!, needle.count) }) == 0 { return offset }
                at = offset + 1
            }
            return nil
        }
    }

    private func consume(_ count: Int) {
        buffer.removeFirst(count)
        bufferStart += count
    }

    /// Takes the next bytes of the body; the file part's bytes are handed to `writeFile` as they are known to be
    /// content (a tail that may begin the closing delimiter is held back).
    func feed(_ bytes: UnsafeRawBufferPointer, writeFile: (ArraySlice<UInt8>) throws -> Void) throws {
        buffer.append(contentsOf: bytes)
        while true {
            switch state {
            case .done:
                buffer.removeAll()
                return
            case .preamble:
                guard let at = find(delimiter) else {
                    let keep = min(buffer.count, delimiter.count - 1)
                    consume(buffer.count - keep)
                    return
                }
                consume(at + delimiter.count)
                state = .afterDelimiter
            case .afterDelimiter:
                guard buffer.count >= 2 else { return }
                if buffer[0] == UInt8(ascii: "-") && buffer[1] == UInt8(ascii: "-") {
                    state = .done
                    continue
                }
                guard buffer[0] == 13 && buffer[1] == 10 else { throw malformed("a boundary is not followed by a line break") }
                consume(2)
                partStart = bufferStart
                state = .headers
            case .headers:
                guard let end = find(Array("\r\n\r\n".utf8)), end < 16_384 else {
                    if buffer.count >= 16_384 + 4 { throw malformed("the headers of the part at byte \(partStart) do not end") }
                    return
                }
                let headers = String(decoding: buffer[..<end], as: UTF8.self)
                consume(end + 4)
                var name: String?, fileName: String?
                for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                    for parameter in line.split(separator: ";").dropFirst() {
                        let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        guard pair.count == 2 else { continue }
                        let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                        switch pair[0].lowercased() {
                        case "name": name = value
                        case "filename": fileName = value
                        default: break
                        }
                    }
                }
                if fileName != nil || name == "file" {
                    if hasFile {
                        state = .skipped
                    } else {
                        hasFile = true
                        self.fileName = fileName
                        state = .file
                    }
                } else {
                    fieldBytes.removeAll()
                    state = .field(name)
                }
            case .file, .field, .skipped:
                let found = find(next)
                let content = found ?? max(0, buffer.count - (next.count - 1))
                switch state {
                case .file: if content > 0 { try writeFile(buffer[..<content]) }
                case .field: if fieldBytes.count <= 1024 { fieldBytes += buffer[..<min(content, 1025)] }
                default: break
                }
                guard let found else {
                    consume(content)
                    return
                }
                if case .field(let name?) = state, fieldBytes.count <= 1024 {
                    fields[name] = String(decoding: fieldBytes, as: UTF8.self)
                }
                consume(found + next.count)
                state = .afterDelimiter
            }
        }
    }

    /// The body has ended: a form that did not close, or has no file part, is a 400 saying so.
    func finish() throws {
        switch state {
        case .done: break
        case .preamble: throw malformed("the boundary never appears")
        case .afterDelimiter: throw malformed("it ends without the closing boundary")
        case .headers: throw malformed("the headers of the part at byte \(partStart) do not end")
        case .file, .field, .skipped: throw malformed("the part at byte \(partStart) has no closing boundary (the upload was cut short?)")
        }
        if !hasFile { throw malformed("the form has no file part (a field with a filename, or one named file)") }
    }
}

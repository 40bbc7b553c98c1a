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
    static func receive(_ body: RequestBody, name: String, limit: Int, declaredLength: Int?,
                        minimumRate: Double = 10_000, grace: Double = 60) async throws -> Upload {
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
                    var offset = 0
                    while offset < bytes.count {
                        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "cannot save the upload: \(String(cString: strerror(errno))) — nothing was imported")
                        }
                        offset += n
                    }
                }
            }
            if total == 0 { throw APIError(.badRequest, "the request has no body: send the file's bytes as the body") }
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

    /// `text` with the temporary folder left out of the paths in it: `FILE:LINE: …` names the upload.
    func named(_ text: String) -> String {
        text.replacingOccurrences(of: folder + "/", with: "")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension Registry {
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
        Thread.detachNewThread {
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

/// A `multipart/form-data` body (RFC 7578) as browsers send a form: its file part and its small text fields.
struct MultipartForm {
    var fields: [String: String] = [:]
    var fileName: String?
    /// Where the file part's bytes are, in the body.
    var file: Range<Int>?

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

    /// Reads the parts of `body`; a part that does not end, headers that do not end, or a form without a file part
    /// is a 400 saying so.
    init(body: UnsafeRawBufferPointer, boundary: String) throws {
        func malformed(_ what: String) -> APIError {
            APIError(.badRequest, "malformed multipart body: \(what) — send the form as a browser does, or the file itself as the body")
        }
        /// The offset of the first `needle` at or after `start` (memchr for its first byte, then memcmp).
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard let base = body.baseAddress, !needle.isEmpty else { return nil }
            var at = start
            while at + needle.count <= body.count {
                guard let hit = memchr(base + at, Int32(needle[0]), body.count - needle.count + 1 - at) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                if needle.withUnsafeBytes({ memcmp(base + offset, $0.baseAddress!, needle.count) }) == 0 { return offset }
                at = offset + 1
            }
            return nil
        }
        let delimiter = Array("--\(boundary)".utf8)
        let next = Array("\r\n--\(boundary)".utf8)
        guard var position = find(delimiter, from: 0) else { throw malformed("the boundary never appears") }
        position += delimiter.count
        while true {
            guard position + 2 <= body.count else { throw malformed("it ends without the closing boundary") }
            if body[position] == UInt8(ascii: "-") && body[position + 1] == UInt8(ascii: "-") { break }
            guard body[position] == 13 && body[position + 1] == 10 else { throw malformed("a boundary is not followed by a line break") }
            let headersStart = position + 2
            guard let headersEnd = find(Array("\r\n\r\n".utf8), from: headersStart), headersEnd - headersStart < 16_384 else {
                throw malformed("the headers of the part at byte \(headersStart) do not end")
            }
            let headers = String(decoding: UnsafeRawBufferPointer(rebasing: body[headersStart..<headersEnd]), as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let contentEnd = find(next, from: contentStart) else {
                throw malformed("the part at byte \(headersStart) has no closing boundary (the upload was cut short?)")
            }
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
                if file == nil {
                    file = contentStart..<contentEnd
                    self.fileName = fileName
                }
            } else if let name, contentEnd - contentStart <= 1024 {
                fields[name] = String(decoding: UnsafeRawBufferPointer(rebasing: body[contentStart..<contentEnd]), as: UTF8.self)
            }
            position = contentEnd + next.count
        }
        if file == nil { throw malformed("the form has no file part (a field with a filename, or one named file)") }
    }
}

extension Upload {
    /// The form's file part saved on its own under `name` (its bytes copied out of the whole body, which is then
    /// removed); returns the form's text fields and the file name the browser gave.
    func takeFormFile(boundary: String, name: (String?) -> String) throws -> (upload: Upload, fields: [String: String]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let (form, bytes): (MultipartForm, Data) = try data.withUnsafeBytes { body in
            let form = try MultipartForm(body: body, boundary: boundary)
            return (form, Data(UnsafeRawBufferPointer(rebasing: body[form.file!])))
        }
        let file = Upload(folder: folder, path: folder + "/" + name(form.fileName))
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: file.path, contents: bytes) else {
            throw APIError(.internalServerError, "cannot save the upload's file part")
        }
        return (file, form.fields)
    }
}

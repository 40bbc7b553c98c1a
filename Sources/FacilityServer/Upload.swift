import Foundation
import Hummingbird
import NIOCore

/// An uploaded file, saved under its own name in a folder of its own (so the importer's messages can name it).
struct Upload: Sendable {
    let folder: String
    let path: String

    /// Saves `body` to a new temporary folder as `name`; more than `limit` bytes (declared or sent) is 413.
    static func receive(_ body: RequestBody, name: String, limit: Int, declaredLength: Int?) async throws -> Upload {
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
            for try await buffer in body {
                total += buffer.readableBytes
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
        } catch {
            upload.remove()
            throw error
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

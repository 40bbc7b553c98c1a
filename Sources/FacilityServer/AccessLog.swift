import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// The server's access log: one line a request, written when its answer starts —
/// `2026-12-05T07:10:00Z 127.0.0.1 GET /api/facilities?kind=幼儿园 200 3.1ms token=市卫健委` (the time, the client's
/// address, the method, the path and query with any secret-looking parameter blanked, the status, the milliseconds
/// to the answer's head, and the name of the token the request carried, or `-`). To standard error or a file.
public final class AccessLog: Sendable {
    private let output: NIOLockedValueBox<FileHandle>

    /// A log to `handle` (standard error by default).
    public init(handle: FileHandle = .standardError) {
        output = NIOLockedValueBox(handle)
    }

    /// A log appended to the file at `path` (created when missing).
    public init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw AccessLogError(path: path)
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw AccessLogError(path: path) }
        handle.seekToEndOfFile()
        output = NIOLockedValueBox(handle)
    }

    /// The name of the token the request being handled carries, once the API has checked it.
    @TaskLocal static var current: Note?

    /// What a request's handling learns for its log line.
    final class Note: Sendable {
        let tokenName = NIOLockedValueBox<String?>(nil)
    }

    /// Notes the token the current request carries (called where the API accepts a token).
    static func noteToken(_ name: String) {
        current?.tokenName.withLockedValue { $0 = name }
    }

    /// Query parameters whose values are never written.
    static let secretNames: Set<String> = ["token", "access_token", "secret", "password", "key", "api_key"]

    /// `path?query` as the log shows it: percent-escapes decoded (Chinese readable), secret-looking values blanked,
    /// control characters and spaces escaped so one request stays one line.
    static func target(path: String, query: String?) -> String {
        var shown = path.removingPercentEncoding ?? path
        if let query, !query.isEmpty {
            let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                let decodedName = (name.removingPercentEncoding ?? name).lowercased()
                if parts.count == 2 && secretNames.contains(decodedName) { return name + "=…" }
                return String(pair).removingPercentEncoding ?? String(pair)
            }
            shown += "?" + pairs.joined(separator: "&")
        }
        var out = ""
        for scalar in shown.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F { out += String(format: "%%%02X", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
        return out.count > 2_000 ? String(out.prefix(2_000)) + "…" : out
    }

    /// Now in UTC as `2026-12-05T07:10:00Z`, without a formatter per line.
    static func utcTime() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    func write(address: String, method: String, target: String, status: Int, milliseconds: Double, token: String?) {
        let time = Self.utcTime()
        let line = "\(time) \(address) \(method) \(target) \(status) \(String(format: "%.1f", milliseconds))ms token=\(token ?? "-")\n"
        output.withLockedValue { handle in try? handle.write(contentsOf: Data(line.utf8)) }
    }
}

/// The access log's file cannot be opened.
public struct AccessLogError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "\(path): cannot open the access log for writing — check the folder exists and is writable" }
}

/// Writes each request's line to the `AccessLog` once its answer (or its error) is known.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let log: AccessLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let note = AccessLog.Note()
        func write(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            log.write(address: LoginThrottleMiddleware.clientAddress(request, context: context), method: request.method.rawValue,
                      target: AccessLog.target(path: request.uri.path, query: request.uri.query), status: status,
                      milliseconds: ms, token: note.tokenName.withLockedValue { $0 })
        }
        do {
            let response = try await AccessLog.$current.withValue(note) { try await next(request, context) }
            write(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            write(error.status.code)
            throw error
        } catch {
            write(500)
            throw error
        }
    }
}

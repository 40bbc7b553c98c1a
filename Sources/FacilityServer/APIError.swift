import FacilityMapKit
import Foundation
import Hummingbird

/// An error the API answers with: a status and the message the command line would print, as
/// `{"error": "…", "status": 400}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = JSONText.object([("error", JSONText.string(message)), ("status", JSONText.value(Int(status.code)))]) + "\n"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The API's answer to one of FacilityMap's own errors: the status `ErrorMeaning` gives it, the table the command
    /// line's exit statuses come from (an unreadable file 400 / exit 2, a file refused 422 / exit 1, a write outside
    /// the token's scope 403, a busy store or a database that does not answer 503).
    static func from(_ error: Error) -> APIError {
        switch error {
        case let api as APIError: return api
        case let http as HTTPError: return APIError(http.status, http.body ?? http.status.reasonPhrase)
        default:
            guard let meaning = ErrorMeaning.of(error) else { return APIError(.internalServerError, "the server failed: \(error)") }
            return APIError(HTTPResponse.Status(code: meaning.httpStatus), "\(error)")
        }
    }
}

/// Answers every error as JSON (`APIError`), including the router's own (an unknown path is 404).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var api = APIError.from(error)
            if let http = error as? HTTPError, http.status == .notFound, http.body == nil {
                api = APIError(.notFound, "no such address: \(request.method) \(request.uri.path) — see /api for the API's addresses")
            }
            if api.status == .internalServerError {
                context.logger.error("\(request.method) \(request.uri): \(error)")
            }
            var response = try api.response(from: request, context: context)
            // A request refused with a body still coming (no token, a scope it lacks, too large): answered from its
            // headers, and its connection closed rather than its body read to the end.
            let bodyComing = request.headers[.transferEncoding] != nil || (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0
            if bodyComing && [.unauthorized, .forbidden, .contentTooLarge, .unsupportedMediaType, .tooManyRequests].contains(api.status) {
                response.headers[.connection] = "close"
                if let registry = context as? RegistryRequestContext {
                    registry.channel.eventLoop.execute { registry.channel.close(mode: .input, promise: nil) }
                }
            }
            return response
        }
    }
}

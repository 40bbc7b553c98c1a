import FacilityFormats
import Foundation
import HTTPTypes
import Hummingbird

/// Every answer's security headers, and the body of an answer to `HEAD` left out (the routes answer HEAD as GET).
///
/// - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` on every answer;
/// - on the page, a `Content-Security-Policy` that lets run only its own script (by its SHA-256), fetch only from
///   this server, show images from it (tiles fetched with the token are `blob:`) and from the base map's host
///   (`imageSources`), load nothing else, and be framed by no one (`frame-ancestors 'none'`).
struct HTTPHygieneMiddleware<Context: RequestContext>: RouterMiddleware {
    /// `'sha256-…'` sources of the page's inline scripts.
    let pageScriptHashes: [String]
    /// Hosts the page may show images from besides its own (the base map's tiles).
    var imageSources: [String] = []

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isHead = request.method == .head
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; script-src \(pageScriptHashes.joined(separator: " ")); "
                + "style-src 'unsafe-inline'; img-src \((["'self'", "data:", "blob:"] + imageSources).joined(separator: " ")); connect-src 'self'; form-action 'self'; base-uri 'none'; "
                + "frame-ancestors 'none'"
        }
        if isHead {
            // The headers GET would send, its length among them where it is known; no body.
            let length = response.headers[.contentLength] ?? response.body.contentLength.map(String.init)
            response.body = ResponseBody()
            if let length { response.headers[.contentLength] = length }
        }
        return response
    }
}

/// The `'sha256-BASE64'` source of each `<script>…</script>` in `page`.
func pageScriptHashes(of page: String) -> [String] {
    var hashes: [String] = []
    var rest = page[...]
    while let open = rest.range(of: "<script>"), let close = rest.range(of: "</script>", range: open.upperBound..<rest.endIndex) {
        var hasher = SHA256()
        hasher.update(Array(rest[open.upperBound..<close.lowerBound].utf8))
        hashes.append("'sha256-\(Data(hasher.finalize()).base64EncodedString())'")
        rest = rest[close.upperBound...]
    }
    return hashes
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
}

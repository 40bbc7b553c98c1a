import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Failed token checks per client address: each is logged (time, address, method, path, status; never the secret),
/// and an address with `limit` failures within `window` seconds gets 429 with `Retry-After` for every request that
/// carries a token until the oldest of them leaves the window.
final class LoginThrottle: Sendable {
    let limit: Int
    let window: Double
    /// Each address's failure times, within the window.
    private let failures = NIOLockedValueBox<[String: [Double]]>([:])

    init(limit: Int = 10, window: Double = 60) {
        self.limit = limit
        self.window = window
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Seconds until `address` may try again; nil when it may now.
    func retryAfter(_ address: String) -> Double? {
        let now = Self.now()
        return failures.withLockedValue { failures in
            guard var times = failures[address] else { return nil }
            times.removeAll { now - $0 >= window }
            failures[address] = times.isEmpty ? nil : times
            guard times.count >= limit else { return nil }
            return max(1, window - (now - times[times.count - limit]))
        }
    }

    func recordFailure(_ address: String) {
        let now = Self.now()
        failures.withLockedValue { failures in
            if failures.count > 100_000 { failures.removeAll() }  // a flood of addresses: start again
            failures[address, default: []].append(now)
            if failures[address]!.count > limit * 2 { failures[address]!.removeFirst(limit) }
        }
    }
}

/// Applies `LoginThrottle` to requests that carry an `Authorization` header, and logs each failed check.
struct LoginThrottleMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let throttle: LoginThrottle

    /// The client's address: the peer's, or behind a proxy on this machine (docs/nginx-facilitymap.conf) the
    /// `X-Real-IP` it sets. A client farther away cannot name its own address.
    static func clientAddress(_ request: Request, context: Context) -> String {
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if peer == "127.0.0.1" || peer == "::1", let real = request.headers[HTTPField.Name("X-Real-IP")!], !real.isEmpty, real.utf8.count <= 64 {
            return real
        }
        return peer
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] != nil else { return try await next(request, context) }
        let address = Self.clientAddress(request, context: context)
        if let wait = throttle.retryAfter(address) {
            context.logger.warning("refused \(request.method) \(request.uri.path) from \(address): \(throttle.limit) failed token checks within \(Int(throttle.window)) s (429)")
            var error = APIError(.tooManyRequests, "\(throttle.limit) requests from this address carried a token that was refused within \(Int(throttle.window)) s — wait \(Int(wait.rounded(.up))) s, then send a valid token")
            error.headers[.retryAfter] = String(Int(wait.rounded(.up)))
            throw error
        }
        do {
            return try await next(request, context)
        } catch let error as APIError where error.status == .unauthorized {
            throttle.recordFailure(address)
            context.logger.warning("failed token check: \(request.method) \(request.uri.path) from \(address) (401): \(error.message)")
            throw error
        }
    }
}

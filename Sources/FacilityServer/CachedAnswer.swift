import FacilityFormats
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// A JSON answer kept in memory: its bytes as sent (shared by every response, never copied), and gzipped on the
/// first request that accepts it (coverage at nation scale is megabytes of JSON; gzip makes it a seventh).
final class CachedAnswer: Sendable {
    let plain: ByteBuffer
    private let compressed = NIOLockedValueBox<ByteBuffer?>(nil)

    init(_ text: String) {
        plain = ByteBuffer(string: text)
    }

    /// The bytes gzipped (made once).
    var gzipped: ByteBuffer {
        compressed.withLockedValue { compressed in
            if let compressed { return compressed }
            let made = ByteBuffer(bytes: Zlib.gzip(plain.readableBytesView))
            compressed = made
            return made
        }
    }
}

import CZlib
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
            let made = ByteBuffer(bytes: Gzip.compress(plain.readableBytesView))
            compressed = made
            return made
        }
    }
}

enum Gzip {
    /// `bytes` as one gzip member (RFC 1952), at zlib's default level.
    static func compress(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var input = Array(bytes)
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        let produced: Int = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                _ = deflate(&stream, Z_FINISH)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }
}

import CZlib

/// zlib, for what the tool does with it: gzip an answer (the server's large JSON) and inflate a `.zip` entry (a
/// Shapefile as bureaus mail it).
public enum Zlib {
    /// `bytes` as one gzip member (RFC 1952), at zlib's default level; empty when zlib cannot start.
    public static func gzip(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let room = Int(deflateBound(&stream, UInt(bytes.count))) + 32
        return pass(&stream, Array(bytes), room: room) { CZlib.deflate(&$0, Z_FINISH) }.output
    }

    /// Raw deflate data (a `.zip` entry's, RFC 1951, no header) inflated a piece at a time, into a buffer of its own.
    public final class RawInflater {
        /// Where a call to `inflate(_:_:)` left the stream.
        public enum Status { case needsInput, ended, damaged }

        private var stream = z_stream()
        private var output = [UInt8](repeating: 0, count: 1 << 20)

        public init() throws {
            // -15: raw deflate, no zlib header (a .zip's entries have none).
            guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ZipArchive.Failure(message: "zlib could not start")
            }
        }

        deinit { inflateEnd(&stream) }

        /// Inflates all of `input`, handing each piece made to `body` (valid only during the call).
        public func inflate(_ input: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Status {
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let (status, made): (Int32, Int) = output.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, target.count - Int(stream.avail_out))
                }
                if made > 0 { try output.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<made])) } }
                switch status {
                case Z_STREAM_END: return .ended
                case Z_OK where stream.avail_in > 0 || stream.avail_out == 0: continue
                case Z_OK, Z_BUF_ERROR: return .needsInput
                default: return .damaged
                }
            }
        }
    }

    /// `input` through `step` in one call, into at most `room` bytes: the status and the bytes made.
    private static func pass(_ stream: inout z_stream, _ input: [UInt8], room: Int,
                             _ step: (inout z_stream) -> Int32) -> (status: Int32, output: [UInt8]) {
        var input = input
        var output = [UInt8](repeating: 0, count: room)
        let (status, made): (Int32, Int) = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = step(&stream)
                return (status, target.count - Int(stream.avail_out))
            }
        }
        return (status, Array(output[..<made]))
    }
}

extension Zlib {
    /// `bytes` as one zlib stream (RFC 1950: a PNG's image data) at `level` (1 fastest … 9 smallest).
    public static func deflate(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit_(&stream, level, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        let room = Int(deflateBound(&stream, UInt(bytes.count))) + 32
        return pass(&stream, bytes, room: room) { CZlib.deflate(&$0, Z_FINISH) }.output
    }

    /// The CRC-32 of `bytes` continuing `crc` (ISO 3309, as PNG's chunks and gzip use it).
    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(UInt(crc), $0.baseAddress, uInt($0.count))) }
    }
}

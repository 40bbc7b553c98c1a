import CLibCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4), computed incrementally by OpenSSL's libcrypto (which uses the CPU's SHA extensions:
/// about 1.2 GB/s here, six times a portable implementation; an import hashes the whole file it reads).
public struct SHA256 {
    /// The digest state; copied before a write when shared, so that `SHA256` behaves as a value.
    private final class Context {
        let pointer: OpaquePointer

        init() {
            guard let pointer = EVP_MD_CTX_new(), EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1 else {
                fatalError("libcrypto could not set up SHA-256 (out of memory?)")
            }
            self.pointer = pointer
        }

        init(copying other: Context) {
            guard let pointer = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(pointer, other.pointer) == 1 else {
                fatalError("libcrypto could not copy a SHA-256 state (out of memory?)")
            }
            self.pointer = pointer
        }

        deinit { EVP_MD_CTX_free(pointer) }
    }

    private var context = Context()

    public init() {}

    private mutating func ownContext() -> OpaquePointer {
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        return context.pointer
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(ownContext(), base, bytes.count) == 1 else {
            fatalError("libcrypto's SHA-256 update failed (called after finalize?)")
        }
    }

    /// Adds bytes to the message.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done != nil { return }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(4096)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == 4096 {
                chunk.withUnsafeBytes { update($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk.withUnsafeBytes { update($0) }
    }

    /// Pads the message and returns the 32-byte digest. Call once; the hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let context = ownContext()
        guard digest.withUnsafeMutableBufferPointer({ EVP_DigestFinal_ex(context, $0.baseAddress, &length) }) == 1,
              length == 32 else {
            fatalError("libcrypto's SHA-256 finalize failed (called twice?)")
        }
        return digest
    }

    /// The lowercase hex SHA-256 of a file, read in 1 MiB chunks. Throws `CSVError.unreadable`.
    public static func hex(ofFileAt path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let n = read(fd, buffer, chunkSize)
            if n > 0 {
                hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw CSVError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        }
        return hexString(hasher.finalize())
    }

    /// The lowercase hex SHA-256 of some bytes.
    public static func hex(of data: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data)
        return hexString(hasher.finalize())
    }

    private static func hexString(_ digest: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

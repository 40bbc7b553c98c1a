import Foundation
import XCTest
@testable import FacilityFormats

final class SHA256Tests: XCTestCase {
    var folder: TemporaryFolder!

    override func setUpWithError() throws { folder = try TemporaryFolder() }
    override func tearDown() { folder.remove() }

    func testEmptyMessageMatchesTheStandardVector() {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testAbcMatchesTheStandardVector() {
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testTwoBlockMessageMatchesTheStandardVector() {
        XCTAssertEqual(SHA256.hex(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testOneMillionLetterAMatchesTheStandardVector() {
        XCTAssertEqual(SHA256.hex(of: repeatElement(UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testFinalizeReturnsThirtyTwoBytes() {
        var hasher = SHA256()
        hasher.update(Array("abc".utf8))
        let digest = hasher.finalize()
        XCTAssertEqual(digest.count, 32)
        XCTAssertEqual(Array(digest.prefix(4)), [0xba, 0x78, 0x16, 0xbf])
    }

    func testUpdatesInOddPiecesMatchOneUpdate() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256.hex(of: data)
        for pieceSize in [1, 3, 55, 56, 63, 64, 65, 127, 1000] {
            var hasher = SHA256()
            var offset = 0
            while offset < data.count {
                let end = min(offset + pieceSize, data.count)
                data[offset..<end].withUnsafeBytes { hasher.update($0) }
                offset = end
            }
            let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(hex, whole, "piece size \(pieceSize)")
        }
    }

    func testPaddingBoundaryLengthsDiffer() {
        // 55, 56 and 64 bytes exercise the one- and two-block padding cases.
        let hashes = [55, 56, 63, 64].map { SHA256.hex(of: [UInt8](repeating: 0x61, count: $0)) }
        XCTAssertEqual(Set(hashes).count, 4)
        XCTAssertEqual(hashes[1], "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }

    func testFileHashReadsTheFileInChunks() throws {
        let million = try folder.file("a.txt", bytes: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        XCTAssertEqual(try SHA256.hex(ofFileAt: million),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")

        let data = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let large = try folder.file("large.bin", bytes: data)
        XCTAssertEqual(try SHA256.hex(ofFileAt: large), SHA256.hex(of: data))
    }

    func testHashOfAMissingFileThrowsUnreadable() {
        let path = folder.path("missing.bin")
        XCTAssertThrowsError(try SHA256.hex(ofFileAt: path)) { error in
            guard case let CSVError.unreadable(errorPath, _)? = error as? CSVError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(errorPath, path)
        }
    }
}

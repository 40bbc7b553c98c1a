import CExpat
import Foundation

/// What an `XMLStream` calls as it reads: elements by their local name (any namespace prefix dropped, so `x:row`
/// is `row`), with their attributes, and the text between them, which may come in several pieces.
protocol XMLHandler: AnyObject {
    func start(_ name: XMLName, _ attributes: XMLAttributes)
    func end(_ name: XMLName)
    func text(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// An element's local name, as Expat gives it, for the duration of the call.
struct XMLName {
    let pointer: UnsafePointer<CChar>

    /// Whether the name is `name`.
    @inline(__always)
    func `is`(_ name: StaticString) -> Bool {
        strcmp(pointer, UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }
}

/// An element's attributes, as Expat gives them, for the duration of the call.
struct XMLAttributes {
    let pointer: UnsafeMutablePointer<UnsafePointer<CChar>?>

    /// The value of the attribute whose local name is `name` (any prefix dropped: `r:id` is `id`).
    func value(_ name: StaticString) -> UnsafePointer<CChar>? {
        var at = 0
        while let key = pointer[at] {
            if strcmp(XMLStream.localName(key), UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 {
                return pointer[at + 1]
            }
            at += 2
        }
        return nil
    }

    func string(_ name: StaticString) -> String? { value(name).map { String(cString: $0) } }
}

/// Expat's push parser, fed bytes a piece at a time (a workbook's parts as they inflate), calling an `XMLHandler`.
/// Entities are resolved by Expat; no external entity or DTD is ever loaded.
final class XMLStream {
    /// Why the XML could not be read: Expat's words, with the line.
    struct Failure: Error, Equatable {
        let message: String
    }

    private let parser: XML_Parser
    private let handler: XMLHandler

    init(handler: XMLHandler) {
        self.handler = handler
        parser = XML_ParserCreate(nil)
        XML_SetUserData(parser, Unmanaged.passUnretained(self).toOpaque())
        XML_SetElementHandler(parser, { user, name, attributes in
            guard let user, let name, let attributes else { return }
            let stream = Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue()
            stream.handler.start(XMLName(pointer: XMLStream.localName(name)), XMLAttributes(pointer: attributes))
        }, { user, name in
            guard let user, let name else { return }
            let stream = Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue()
            stream.handler.end(XMLName(pointer: XMLStream.localName(name)))
        })
        XML_SetCharacterDataHandler(parser) { user, text, length in
            guard let user, let text, length > 0 else { return }
            let stream = Unmanaged<XMLStream>.fromOpaque(user).takeUnretainedValue()
            text.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                stream.handler.text(UnsafeBufferPointer(start: $0, count: Int(length)))
            }
        }
    }

    deinit { XML_ParserFree(parser) }

    /// Parses the next piece; `final` on the last one (which may be empty).
    func feed(_ bytes: UnsafeBufferPointer<UInt8>, final: Bool = false) throws {
        var at = 0
        // XML_Parse takes an Int32 length.
        repeat {
            let count = min(bytes.count - at, 1 << 30)
            let last = final && at + count == bytes.count
            let status = bytes.baseAddress.map { base in
                (base + at).withMemoryRebound(to: CChar.self, capacity: count) { XML_Parse(parser, $0, Int32(count), last ? 1 : 0) }
            } ?? XML_Parse(parser, nil, 0, last ? 1 : 0)
            guard status == XML_STATUS_OK else {
                let code = XML_GetErrorCode(parser)
                let reason = XML_ErrorString(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
                throw Failure(message: "line \(XML_GetCurrentLineNumber(parser)), column \(XML_GetCurrentColumnNumber(parser)): \(reason)")
            }
            at += count
        } while at < bytes.count
    }

    /// Parses a whole document.
    func parse(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try feed($0, final: true) }
    }

    /// The part of a qualified name after its prefix.
    static func localName(_ name: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        guard let colon = strrchr(name, 0x3A) else { return name }
        return UnsafePointer(colon + 1)
    }
}

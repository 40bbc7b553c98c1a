import FacilityMapKit
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// HTTP/1.1 wrapped so that a request line holding raw (unencoded) non-ASCII bytes — `GET /api/facilities?kind=幼儿园`,
/// as curl sends what it is given — gets a JSON 400 saying what to percent-encode, where the HTTP parser would answer
/// an empty 400. Only a connection's first request line is looked at (browsers always encode; a tool that does not
/// sends one request a connection); then the guard leaves the pipeline.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(RawTargetGuard())
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// `.http1(configuration:)` with `RawTargetGuard` in front of the HTTP parser.
    static func guardedHTTP1(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: configuration)) }
    }
}

/// Reads a connection's bytes up to the end of its first request line; passes them on when the line is ASCII,
/// else answers 400 with a JSON error and closes the connection.
final class RawTargetGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending: ByteBuffer?
    /// Set once the first request line has been judged: what follows is passed on untouched.
    private var passed = false
    /// A request line longer than this is left to the HTTP parser's own limits.
    private let lookahead = 16 * 1024

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !passed else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        if var pending {
            pending.writeBuffer(&bytes)
            self.pending = nil
            bytes = pending
        }
        let view = bytes.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if bytes.readableBytes < lookahead { pending = bytes; return }
            return pass(bytes, context: context)
        }
        let line = view[view.startIndex..<end]
        guard line.contains(where: { $0 >= 0x80 }) else { return pass(bytes, context: context) }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let target = text.split(separator: " ").dropFirst().first.map(String.init) ?? text
        let encoded = target.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "+"))) ?? target
        let message = "the request line holds characters that are not percent-encoded (\(target)) — percent-encode their UTF-8 bytes: \(encoded)"
        let body = "{\"error\": \(JSONText.string(message))}\n"
        let head = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + body))).whenComplete { _ in context.close(promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pending == nil { context.fireChannelReadComplete() }
    }

    /// Hands `bytes` on and leaves the pipeline: later requests on the connection go straight to the parser.
    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        passed = true
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let pending { self.pending = nil; context.fireChannelRead(wrapInboundOut(pending)) }
        context.fireChannelInactive()
    }
}

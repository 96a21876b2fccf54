import Randomness
import Foundation
import NIOCore
import SurveyIO
import NIOHTTP1
import NIOPosix

/// A local stand-in for the SDSS services, on 127.0.0.1 at a port the system picks: the SQL
/// search (a CSV with SkyServer's `#` preamble, paged by `TOP n` and `specObjID > x`), the
/// SAS tree of spectra under each galaxy's run2d, and the JPEG cutout service. It can be told
/// to fail (`inject`), to fail at random, and to answer late, and it logs every request.
/// Started and stopped by the tests and by `galam bench fetch`; never part of a real fetch.
public final class SDSSStandIn: @unchecked Sendable {
    let lock = NSLock()
    var galaxies: [StandInGalaxy]
    var faults: [String: [StandInFault]] = [:]
    var log: [StandInRequest] = []
    var rng: SplitMix64
    /// Lines appended to the first SQL page as they are (malformed rows for the tests).
    public var extraSQLLines: [String] = []
    /// Share of file requests that fail at random (half 503, half a dropped connection).
    public var randomFailureRate = 0.0
    /// Seconds added to every answer (a network's round trip).
    public var latency = 0.0
    let started = Date()

    private var group: MultiThreadedEventLoopGroup?
    private var channel: Channel?
    public private(set) var port = 0

    public init(galaxies: [StandInGalaxy], seed: UInt64 = 1) {
        self.galaxies = galaxies.sorted { $0.specObjID < $1.specObjID }
        rng = SplitMix64(seed: seed)
    }

    /// SkyServer's base URL on the stand-in (`--skyserver-url`).
    public var skyServerURL: String { "http://127.0.0.1:\(port)" }
    /// The SAS base URL on the stand-in (`--sas-url`).
    public var sasURL: String { "http://127.0.0.1:\(port)/sas" }

    /// Starts listening; returns the port.
    @discardableResult
    public func start(threads: Int = 1) throws -> Int {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(StandInHandler(server: self))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.group = group
        self.channel = channel
        port = channel.localAddress?.port ?? 0
        return port
    }

    public func stop() {
        try? channel?.close().wait()
        try? group?.syncShutdownGracefully()
        channel = nil
        group = nil
    }

    deinit { stop() }

    /// The next requests for `key` misbehave in this order: `"sql"`, `"spectra/NAME"` or
    /// `"images/NAME"`.
    public func inject(_ list: [StandInFault], for key: String) {
        lock.lock(); defer { lock.unlock() }
        faults[key, default: []] += list
    }

    /// Every request so far.
    public var requests: [StandInRequest] {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    public func clearLog() {
        lock.lock(); defer { lock.unlock() }
        log.removeAll()
    }

    /// The largest number of requests that started within any window of `seconds`.
    public func peakRequests(within seconds: Double, matching include: (String) -> Bool = { _ in true }) -> Int {
        let times = requests.filter { include($0.uri) }.map(\.time).sorted()
        var best = 0, lo = 0
        for hi in times.indices {
            while times[hi] - times[lo] >= seconds { lo += 1 }
            best = max(best, hi - lo + 1)
        }
        return best
    }

    func record(_ uri: String, _ status: Int) {
        lock.lock(); defer { lock.unlock() }
        log.append(StandInRequest(time: Date().timeIntervalSince(started), uri: uri, status: status))
    }

    func nextFault(_ key: String) -> StandInFault? {
        lock.lock(); defer { lock.unlock() }
        if var list = faults[key], !list.isEmpty {
            let f = list.removeFirst()
            faults[key] = list
            return f
        }
        guard randomFailureRate > 0, key != "sql" else { return nil }
        let u = Double(rng.next() >> 11) * 0x1.0p-53
        guard u < randomFailureRate else { return nil }
        return u < randomFailureRate / 2 ? .status(503, retryAfter: nil) : .dropMidBody
    }
}

/// One connection's requests: builds the reply, then sends it as the fault says.
final class StandInHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: SDSSStandIn
    var head: HTTPRequestHead?

    init(server: SDSSStandIn) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let reply = server.reply(to: head.uri)
        server.record(head.uri, reply.status)
        let delay = server.latency + reply.delay
        let keepAlive = head.isKeepAlive
        let send = { [self] in
            guard context.channel.isActive else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: reply.contentType)
            headers.add(name: "Content-Length", value: String(reply.announcedLength ?? reply.body.count))
            for (k, v) in reply.extraHeaders { headers.add(name: k, value: v) }
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let status = HTTPResponseStatus(statusCode: reply.status)
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: reply.body.count)
            buffer.writeBytes(reply.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            if reply.dropAfterBody {
                context.flush()
                context.close(promise: nil)
                return
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
        if delay > 0 {
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) { send() }
        } else {
            send()
        }
    }
}

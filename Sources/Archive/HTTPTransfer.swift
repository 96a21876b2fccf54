import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SurveyIO

/// What became of one download after its retries.
public enum TransferOutcome<Value: Sendable>: Sendable {
    case ok(Value)
    /// The server has no such file (404/410); not retried.
    case missing(String)
    /// Every attempt failed, or the failure cannot be cured by asking again.
    case failed(String)
}

/// GETs with AsyncHTTPClient under a `TransferPolicy`: the shared rate limit, a deadline
/// per request (body included), a size cap, and retries with exponential backoff and jitter
/// on timeouts, connection errors, 408, 429 (honouring `Retry-After`), 500, 502, 503, 504 and
/// on bodies that fail their check (an HTML page served with 200, a truncated file).
public final class HTTPTransfer: Sendable {
    public let policy: TransferPolicy
    public let stats = TransferStats()
    let client: HTTPClient

    public init(policy: TransferPolicy) {
        self.policy = policy
        var config = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .milliseconds(Int64(policy.timeoutSeconds * 1000)),
                           read: .milliseconds(Int64(policy.timeoutSeconds * 1000))))
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, policy.connections)
        config.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One attempt's result.
    enum Attempt<Value> {
        case ok(Value)
        case retry(String, retryAfter: Double?)
        case missing(String)
        case fatal(String)
    }

    /// Downloads `url` until `accept` takes the body (it returns the value or why the body is
    /// not acceptable), retrying as the policy says. Throws only `CancellationError`.
    public func fetch<Value: Sendable>(_ url: String, maxBytes: Int, limiter: RateLimiter,
                                       accept: (Data) -> Result<Value, BodyProblem>) async throws -> TransferOutcome<Value> {
        var attempt = 0
        while true {
            attempt += 1
            try await limiter.acquire()
            stats.add(requests: 1)
            let result = try await once(url, maxBytes: maxBytes, accept: accept)
            switch result {
            case .ok(let v):
                return .ok(v)
            case .missing(let why):
                return .missing(why)
            case .fatal(let why):
                return .failed(why)
            case .retry(let why, let retryAfter):
                guard attempt < policy.maxAttempts else {
                    return .failed(attempt > 1 ? "\(why) (\(attempt) attempts)" : why)
                }
                stats.add(retries: 1)
                var wait = policy.backoff(retry: attempt, jitter: Double.random(in: 0..<1))
                if let retryAfter {
                    let honoured = min(retryAfter, policy.retryAfterMaxSeconds)
                    await limiter.pause(seconds: honoured)
                    wait = max(wait, honoured)
                }
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
    }

    private func once<Value>(_ url: String, maxBytes: Int, accept: (Data) -> Result<Value, BodyProblem>) async throws -> Attempt<Value> {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "galam/\(GalAMVersion.string) (fetch-sdss)")
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(policy.timeoutSeconds * 1000)))
            let code = Int(response.status.code)
            guard code == 200 else {
                _ = try? await response.body.collect(upTo: 64 << 10)  // let the connection be reused
                switch code {
                case 404, 410: return .missing("HTTP \(code): not on the server")
                case 408, 429, 500, 502, 503, 504:
                    let after = response.headers.first(name: "Retry-After").flatMap(Self.retryAfterSeconds)
                    return .retry("HTTP \(code)", retryAfter: after)
                default: return .fatal("HTTP \(code)")
                }
            }
            let buffer = try await response.body.collect(upTo: maxBytes)
            let data = Data(buffer.readableBytesView)
            stats.add(bytes: data.count)
            if let page = ResponseCheck.errorPage(in: data.prefix(1024)) { return .retry(page + " with status 200", retryAfter: nil) }
            switch accept(data) {
            case .success(let v): return .ok(v)
            case .failure(let p): return p.retryable ? .retry(p.reason, retryAfter: nil) : .fatal(p.reason)
            }
        } catch is NIOTooManyBytesError {
            return .fatal("response over the limit of \(maxBytes) bytes, cut off")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if let e = error as? HTTPClientError {
                if e == .deadlineExceeded || e == .readTimeout { return .retry("timed out after \(policy.timeoutSeconds) s", retryAfter: nil) }
                if e == .cancelled { throw CancellationError() }
                return .retry("connection error (\(Self.describe(e)))", retryAfter: nil)
            }
            if error is CancellationError { throw error }
            return .retry("connection error (\(Self.describe(error)))", retryAfter: nil)
        }
    }

    /// A short, stable description of a transport error (no addresses or ports, so
    /// catalogs of two runs compare equal).
    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .remoteConnectionClosed: return "the server closed the connection"
            case .connectTimeout: return "connect timeout"
            default: return "\(e)".components(separatedBy: ":").first ?? "\(e)"
            }
        }
        if error is IOError || error is ChannelError { return "connection failed" }
        return String(describing: type(of: error))
    }

    /// `Retry-After` as seconds: a number or an HTTP date.
    static func retryAfterSeconds(_ value: String) -> Double? {
        let t = value.trimmingCharacters(in: .whitespaces)
        if let s = Double(t), s >= 0, s.isFinite { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: t).map { max(0, $0.timeIntervalSinceNow) }
    }
}

/// Why a body was not accepted; `retryable` when asking again may give a good one (a
/// truncated transfer), not when the content itself is wrong every time.
public struct BodyProblem: Error, Sendable {
    public let reason: String
    public let retryable: Bool
    public init(_ reason: String, retryable: Bool = true) {
        self.reason = reason
        self.retryable = retryable
    }
}

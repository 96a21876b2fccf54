import Foundation

/// How files are transferred: concurrency, request rate, timeouts, retries and size limits.
/// The defaults suit the public SDSS services from a shared link; tests shrink the times.
public struct TransferPolicy: Sendable, Codable, Equatable {
    /// Transfers in flight at once (`--connections`).
    public var connections = 8
    /// Requests per second over all connections (`--rate`); 0 = no limit.
    public var requestsPerSecond = 10.0
    /// SQL queries per second: SkyServer allows about 60 a minute.
    public var queriesPerSecond = 1.0
    /// Seconds one request may take, response body included (`--timeout`).
    public var timeoutSeconds = 60.0
    /// Attempts per file before it is recorded as failed (`--retries` + 1).
    public var maxAttempts = 6
    /// First backoff in seconds, doubled per retry up to `backoffMaxSeconds`, times a random
    /// factor in [0.5, 1) so that many clients do not retry in step.
    public var backoffBaseSeconds = 1.0
    public var backoffMaxSeconds = 60.0
    /// The longest `Retry-After` honoured (a larger one is cut to this).
    public var retryAfterMaxSeconds = 600.0
    /// Largest accepted responses; a larger body is cut off and the file recorded as failed.
    public var maxSpectrumBytes = 20 << 20
    public var maxFullSpectrumBytes = 200 << 20
    public var maxImageBytes = 5 << 20
    public var maxQueryBytes = 512 << 20

    public init() {}

    /// The wait before retry number `retry` (1 for the first retry).
    public func backoff(retry: Int, jitter: Double) -> Double {
        let exponent = Double(max(0, retry - 1))
        return min(backoffMaxSeconds, backoffBaseSeconds * pow(2, exponent)) * (0.5 + 0.5 * jitter)
    }
}

/// Keeps requests at most `rate` per second over every task that shares it: each request
/// takes the next free slot, `1 / rate` seconds after the previous one. A 429 with
/// `Retry-After` pauses every task, since the service is telling the whole client to wait.
public actor RateLimiter {
    private let interval: Duration?
    private var nextSlot = ContinuousClock.now

    public init(perSecond rate: Double) {
        interval = rate > 0 && rate.isFinite ? .nanoseconds(Int64(1e9 / rate)) : nil
    }

    /// Waits for this request's slot.
    public func acquire() async throws {
        guard let interval else { return }
        let now = ContinuousClock.now
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }

    /// No request starts for `seconds`.
    public func pause(seconds: Double) {
        let until = ContinuousClock.now + .nanoseconds(Int64(seconds * 1e9))
        nextSlot = max(nextSlot, until)
    }
}

/// Counters shared by the transfers, for the progress line and the log.
public final class TransferStats: @unchecked Sendable {
    private let lock = NSLock()
    private var _requests = 0, _retries = 0, _bytes = 0, _failures = 0

    public init() {}

    func add(requests: Int = 0, retries: Int = 0, bytes: Int = 0, failures: Int = 0) {
        lock.lock(); defer { lock.unlock() }
        _requests += requests; _retries += retries; _bytes += bytes; _failures += failures
    }

    public var snapshot: (requests: Int, retries: Int, bytes: Int, failures: Int) {
        lock.lock(); defer { lock.unlock() }
        return (_requests, _retries, _bytes, _failures)
    }
}

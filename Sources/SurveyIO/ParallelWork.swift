import Foundation

/// Per-galaxy work spread over threads. Each worker pulls the next unclaimed index, so a slow
/// file does not stall a fixed chunk; results come back in input order whatever the thread
/// count, so outputs never depend on it.
public enum ParallelWork {
    /// `body(i)` for every i in 0..<count on up to `threads` threads, in input order.
    public static func map<T>(count: Int, threads: Int, progress: ProgressReporter? = nil, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let next = SharedCounter()
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
                while true {
                    let i = next.increment()
                    if i >= count { break }
                    results[i] = body(i)
                    progress?.advance()
                }
            }
        }
        return results.map { $0! }
    }
}

/// An integer shared by worker threads.
public final class SharedCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    public init() {}

    /// Returns the current value and increments it.
    public func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }

    /// The current value.
    public var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

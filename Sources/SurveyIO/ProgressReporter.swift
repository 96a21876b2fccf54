import Foundation

/// Progress of a long run on standard error: "label: done/total (pct) rate ETA". On a
/// terminal the line is redrawn in place; otherwise a line is printed at most every
/// `interval` seconds, so logs of batch jobs stay short. Thread-safe.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let interval: Double
    private let start = Date()
    private var done = 0
    private var lastPrint = Date()
    private let lock = NSLock()
    private let isTTY = isatty(STDERR_FILENO) != 0
    public var enabled: Bool

    public init(label: String, total: Int, interval: Double = 2, enabled: Bool = true) {
        self.label = label
        self.total = total
        self.interval = interval
        self.enabled = enabled
    }

    /// Records `n` more finished items; `detail`, when given, is appended to the line
    /// (e.g. transfer rates and retry counts), evaluated only when a line is printed.
    public func advance(by n: Int = 1, detail: (() -> String)? = nil) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        let now = Date()
        guard enabled, done == total || now.timeIntervalSince(lastPrint) >= (isTTY ? 0.2 : interval) else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "%@: %d/%d (%.0f%%) %.1f/s ETA %.0f s", label, done, total,
                          100 * Double(done) / Double(max(total, 1)), rate, eta) + (detail.map { ", " + $0() } ?? "")
        FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[K" : "") + line + (isTTY && done < total ? "" : "\n")).utf8))
    }

    /// Seconds since the reporter was created.
    public var elapsedSeconds: Double { Date().timeIntervalSince(start) }
}

/// Prints a line to standard error (warnings and per-file problems).
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

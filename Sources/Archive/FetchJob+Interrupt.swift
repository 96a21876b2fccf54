import Foundation
import SurveyIO

extension FetchJob {
    /// Runs the fetch to its end from synchronous code (the command line). Ctrl-C or SIGTERM
    /// stops it cleanly: transfers in flight are cancelled, their temporary files removed,
    /// and the catalog and manifest written for what has arrived; a second Ctrl-C exits at
    /// once (nothing is lost then either: files only ever appear verified and whole).
    public func runUntilInterrupted() throws -> FetchSummary {
        let signals = [SIGINT, SIGTERM]
        var sources: [DispatchSourceSignal] = []
        defer { for (s, sig) in zip(sources, signals) { s.cancel(); signal(sig, SIG_DFL) } }
        return try runBlocking({ try await self.run() }, started: { task in
            var stopping = false
            sources = signals.map { sig -> DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if stopping { exit(130) }
                    stopping = true
                    printError("\nfetch-sdss: stopping (writing catalog.csv and manifest.json; Ctrl-C again to quit at once)")
                    task.cancel()
                }
                source.resume()
                return source
            }
        })
    }
}

/// Runs async work to its end from synchronous code (a command's `run()`), on the
/// cooperative pool, and returns its result. `started` gets the task (to cancel it on Ctrl-C).
public func runBlocking<T>(_ operation: @escaping () async throws -> T, started: (Task<Void, Never>) -> Void = { _ in }) throws -> T {
    let box = ResultBox<T>(), done = DispatchSemaphore(value: 0)
    let task = Task {
        do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
        done.signal()
    }
    started(task)
    done.wait()
    return try box.result!.get()
}

/// Where the task leaves its result for the waiting thread (the semaphore orders the accesses).
private final class ResultBox<T>: @unchecked Sendable { var result: Result<T, Error>? }

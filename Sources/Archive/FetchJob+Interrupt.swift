import Foundation
import SurveyIO

extension FetchJob {
    /// Runs the fetch to its end from synchronous code (the command line). Ctrl-C or SIGTERM
    /// stops it cleanly: transfers in flight are cancelled, their temporary files removed,
    /// and the catalog and manifest written for what has arrived; a second Ctrl-C exits at
    /// once (nothing is lost then either: files only ever appear verified and whole).
    public func runUntilInterrupted() throws -> FetchSummary {
        final class Box: @unchecked Sendable { var result: Result<FetchSummary, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do { box.result = .success(try await self.run()) } catch { box.result = .failure(error) }
            done.signal()
        }
        let signals = [SIGINT, SIGTERM]
        var stopping = false
        let sources = signals.map { sig -> DispatchSourceSignal in
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
        done.wait()
        for (s, sig) in zip(sources, signals) { s.cancel(); signal(sig, SIG_DFL) }
        return try box.result!.get()
    }
}

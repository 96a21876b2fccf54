import Foundation
import SurveyIO

/// The output folder: what every other stage reads (`catalog.csv`, `spectra/`, `images/`),
/// the selection and manifest, and the bookkeeping of runs and shards under `.fetch-state/`.
public struct FetchLayout: Sendable {
    public let root: String
    public init(root: String) { self.root = root }

    public var catalog: String { root + "/catalog.csv" }
    public var manifest: String { root + "/manifest.json" }
    public var selectionCSV: String { root + "/selection.csv" }
    public var spectra: String { root + "/spectra" }
    public var images: String { root + "/images" }
    var state: String { root + "/.fetch-state" }
    var selectionRecord: String { state + "/selection.json" }
    var lock: String { state + "/lock" }
    func shardState(_ s: Shard) -> String { state + "/\(s.fileTag).json" }
    /// Downloads land here until verified; one folder per shard, so a shard clears only its
    /// own leftovers from a killed run.
    func temporary(_ s: Shard) -> String { state + "/tmp-\(s.fileTag)" }
    /// Wall-clock timings of the last run of a shard (kept out of the manifest so that the
    /// manifest depends only on what was fetched).
    func log(_ s: Shard) -> String { root + (s.count == 1 ? "/fetch-log.json" : "/fetch-log-\(s.fileTag).json") }

    func create() throws {
        for d in [root, spectra, images, state] {
            do { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) } catch {
                throw SurveyIOError(path: d, reason: "cannot create folder: \(error.localizedDescription)")
            }
        }
    }

    /// Runs `body` holding an exclusive lock on the folder (flock), so shards sharing it take
    /// turns at the selection and at writing the catalog and manifest. Waits without blocking
    /// a thread, and still waits (then briefly blocking) once cancelled, since the catalog
    /// must be written after Ctrl-C too.
    func locked<T>(_ body: () async throws -> T) async throws -> T {
        let fd = open(lock, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw SurveyIOError(path: lock, reason: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw SurveyIOError(path: lock, reason: "cannot lock: \(String(cString: strerror(errno)))")
            }
            if Task.isCancelled { usleep(20_000) } else { try? await Task.sleep(nanoseconds: 20_000_000) }
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }

    /// Removes the temporary files a killed run left beside the shared outputs (hold the
    /// lock: other shards write those only under it) and beside this shard's own files.
    func removeLeftovers(of shard: Shard) {
        let fm = FileManager.default
        let shared = ["catalog.csv", "manifest.json", "selection.csv", (log(shard) as NSString).lastPathComponent]
        let state = ["selection.json", shard.fileTag + ".json"]
        for (dir, names) in [(root, shared), (self.state, state)] {
            for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where names.contains(where: { f.hasPrefix("." + $0 + ".tmp-") }) {
                try? fm.removeItem(atPath: dir + "/" + f)
            }
        }
    }
}

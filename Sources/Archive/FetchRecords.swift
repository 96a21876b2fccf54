import Foundation
import SurveyIO

/// What a shard knows of its files: written to `.fetch-state/shard-i-of-N.json` during and
/// after a run. A file under its final name is always a verified one; records add the
/// reasons of files that are not there and the checksums of those that are.
struct FileRecord: Codable, Sendable, Equatable {
    var status: String  // "ok", "missing", "failed"
    var reason: String
    var sha256: String?
    var bytes: Int?
}

struct ShardState: Codable, Sendable {
    var records: [String: FileRecord]
}

/// Per-kind tallies for the manifest and the summary.
public struct FetchCounts: Codable, Sendable, Equatable {
    public var ok = 0, missing = 0, failed = 0, pending = 0
    public init(ok: Int = 0, missing: Int = 0, failed: Int = 0, pending: Int = 0) {
        self.ok = ok; self.missing = missing; self.failed = failed; self.pending = pending
    }
    mutating func add(_ status: String) {
        switch status {
        case "ok": ok += 1
        case "missing": missing += 1
        case "failed": failed += 1
        default: pending += 1
        }
    }
}

enum FetchRecords {
    static func load(_ path: String) -> [String: FileRecord] {
        guard let data = FileManager.default.contents(atPath: path),
              let state = try? JSONDecoder().decode(ShardState.self, from: data) else { return [:] }
        return state.records
    }

    /// Every shard's records, older state files first so newer knowledge wins.
    static func merged(_ layout: FetchLayout) -> [String: FileRecord] {
        let fm = FileManager.default
        let files = ((try? fm.contentsOfDirectory(atPath: layout.state)) ?? [])
            .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") }
            .map { layout.state + "/" + $0 }
        func mtime(_ p: String) -> Date { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        var all: [String: FileRecord] = [:]
        for f in files.sorted(by: { (mtime($0), $0) < (mtime($1), $1) }) {
            all.merge(load(f)) { _, new in new }
        }
        return all
    }

    /// The status of `path` now: on disk (verified) → ok with its checksum; else what a
    /// shard recorded; else pending (not fetched yet, perhaps by a shard still running).
    static func current(_ path: String, layout: FetchLayout, records: [String: FileRecord]) -> FileRecord {
        let full = layout.root + "/" + path
        if let attrs = try? FileManager.default.attributesOfItem(atPath: full), let size = (attrs[.size] as? NSNumber)?.intValue {
            if let r = records[path], r.status == "ok", r.bytes == size, let sha = r.sha256 {
                return FileRecord(status: "ok", reason: "", sha256: sha, bytes: size)
            }
            let sha = (try? Provenance.sha256(ofFile: full)) ?? "unreadable"
            return FileRecord(status: "ok", reason: "", sha256: sha, bytes: size)
        }
        if let r = records[path], r.status != "ok" { return r }
        return FileRecord(status: "pending", reason: "not fetched yet", sha256: nil, bytes: nil)
    }
}

/// `manifest.json`: what the folder holds and how it was selected. No wall-clock times
/// (they are in `fetch-log.json`), no shard or connection settings: an interrupted and
/// resumed run, a sharded one and a plain one leave the same manifest.
struct FetchManifest: Codable {
    var tool = "galam fetch-sdss"
    var version = GalAMVersion.string
    var release: Int
    var skyServerURL: String
    var sasURL: String
    var query: String
    var sample: FetchOptions.Sample?
    var spectra: String
    var images: ImageRequest?
    var selection: SelectionCounts
    var spectraCounts: FetchCounts
    var imageCounts: FetchCounts
    /// SHA-256 of every fetched file, by path relative to the folder.
    var files: [String: String]
    var catalogSHA256: String
    var selectionSHA256: String
    var timings = "fetch-log.json (fetch-log-shard-i-of-N.json per shard): kept apart so this manifest depends only on what was fetched"

    struct SelectionCounts: Codable {
        var pages: Int
        var returnedRows: Int
        var validRows: Int
        var selectedRows: Int
        var malformedCount: Int
        var malformed: [MalformedRow]
    }
}

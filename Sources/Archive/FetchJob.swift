import Foundation
import SurveyIO

/// What a run did.
public struct FetchSummary: Sendable {
    public var selected: Int
    public var spectra: FetchCounts
    public var images: FetchCounts
    /// Files this run downloaded (the rest were there already or belong to other shards).
    public var attempted: Int
    public var alreadyPresent: Int
    public var requests: Int
    public var retries: Int
    public var bytes: Int
    public var seconds: Double
    /// Stopped by Ctrl-C (or task cancellation) before the end.
    public var cancelled: Bool
}

/// `galam fetch-sdss`: select galaxies with SkyServer SQL, download their spectra from the
/// SAS and their cutouts from SkyServer, verify each file before it takes its final name,
/// and write `catalog.csv` and `manifest.json` so every other stage reads the folder as is.
/// Safe to kill at any moment: run again with the same options, only what is missing is
/// fetched and the folder ends as an uninterrupted run would leave it.
public final class FetchJob: Sendable {
    public let options: FetchOptions
    let layout: FetchLayout

    public init(options: FetchOptions) {
        self.options = options
        layout = FetchLayout(root: options.outputDirectory)
    }

    public func run() async throws -> FetchSummary {
        let o = options
        let started = Date()
        try layout.create()
        let transfer = HTTPTransfer(policy: o.policy)
        do {
            let summary = try await run(transfer, started: started)
            await transfer.shutdown()
            return summary
        } catch {
            await transfer.shutdown()
            throw error
        }
    }

    private func run(_ transfer: HTTPTransfer, started: Date) async throws -> FetchSummary {
        let o = options, layout = layout
        let selection = try await layout.locked {
            layout.removeLeftovers(of: o.shard)
            return try await SelectionStage.loadOrQuery(o, transfer: transfer, layout: layout)
        }
        if o.showProgress {
            let r = selection.record
            printError("fetch-sdss: \(selection.rows.count) galaxies selected (\(r.validRows) usable of \(r.returnedRows) rows in \(r.pages) "
                       + "quer\(r.pages == 1 ? "y" : "ies")\(r.malformedCount > 0 ? ", \(r.malformedCount) not used" : ""))")
        }
        let plan = FetchPlan(selection: selection, options: o)
        let known = FetchRecords.merged(layout)
        let fm = FileManager.default
        let mine = plan.tasks(for: o.shard)
        let todo = mine.filter { t in
            if fm.fileExists(atPath: layout.root + "/" + t.path) { return false }
            return o.retryMissing || known[t.path]?.status != "missing"
        }
        let tmp = layout.temporary(o.shard)
        try? fm.removeItem(atPath: tmp)  // leftovers of a killed run of this shard
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)

        let sink = RecordSink(FetchRecords.load(layout.shardState(o.shard)))
        let cancelled = try await transferAll(todo, transfer: transfer, sink: sink, temporary: tmp)
        try? fm.removeItem(atPath: tmp)
        try Provenance.writeJSON(ShardState(records: await sink.records), to: layout.shardState(o.shard))
        let counts = try await layout.locked { try self.writeCatalogAndManifest(selection, plan) }
        let s = transfer.stats.snapshot
        let seconds = Date().timeIntervalSince(started)
        try? Provenance.writeJSON(FetchLog(shard: o.shard.description, started: ISO8601DateFormatter().string(from: started), seconds: seconds,
                                           attempted: todo.count, alreadyPresent: mine.count - todo.count, requests: s.requests,
                                           retries: s.retries, failures: s.failures, bytes: s.bytes,
                                           megabytesPerSecond: Double(s.bytes) / 1e6 / max(seconds, 1e-9), policy: o.policy,
                                           cancelled: cancelled), to: layout.log(o.shard))
        return FetchSummary(selected: selection.rows.count, spectra: counts.spectra, images: counts.images, attempted: todo.count,
                            alreadyPresent: mine.count - todo.count, requests: s.requests, retries: s.retries, bytes: s.bytes,
                            seconds: seconds, cancelled: cancelled)
    }

    /// Downloads `tasks` on `connections` workers; returns whether it was cancelled.
    private func transferAll(_ tasks: [FileTask], transfer: HTTPTransfer, sink: RecordSink, temporary: String) async throws -> Bool {
        let o = options, layout = layout
        let queue = TaskQueue(tasks)
        let limiter = RateLimiter(perSecond: o.policy.requestsPerSecond)
        let progress = ProgressReporter(label: "fetch-sdss", total: tasks.count, enabled: o.showProgress && !tasks.isEmpty)
        let start = Date()
        let detail: @Sendable () -> String = {
            let s = transfer.stats.snapshot
            return String(format: "%.2f MB/s, %d retries, %d failed", Double(s.bytes) / 1e6 / max(Date().timeIntervalSince(start), 1e-3), s.retries, s.failures)
        }
        let checkpoint = Task {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(o.checkpointSeconds * 1e9))
                try? Provenance.writeJSON(ShardState(records: await sink.records), to: layout.shardState(o.shard))
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, o.policy.connections) {
                group.addTask {
                    while !Task.isCancelled, let task = await queue.next() {
                        guard let record = await self.fetch(task, transfer: transfer, limiter: limiter, temporary: temporary) else { break }
                        if record.status != "ok" {
                            transfer.stats.add(failures: 1)
                            printError("fetch-sdss: \(task.path): \(record.status), \(record.reason) (\(task.url))")
                        }
                        await sink.set(task.path, record)
                        progress.advance(detail: detail)
                    }
                }
            }
        }
        checkpoint.cancel()
        return Task.isCancelled
    }

    /// One file: download, verify, rename into place. Nil when cancelled (nothing recorded,
    /// the temporary file removed).
    private func fetch(_ task: FileTask, transfer: HTTPTransfer, limiter: RateLimiter, temporary: String) async -> FileRecord? {
        let name = (task.path as NSString).lastPathComponent
        let tmp = temporary + "/" + name
        let policy = options.policy
        let images = options.images
        let maxBytes: Int
        switch task.kind {
        case .spectrum: maxBytes = options.spectra == .full ? policy.maxFullSpectrumBytes : policy.maxSpectrumBytes
        case .image: maxBytes = policy.maxImageBytes
        }
        do {
            let outcome = try await transfer.fetch(task.url, maxBytes: maxBytes, limiter: limiter) { data -> Result<FileRecord, BodyProblem> in
                let checked: Result<Int, BodyProblem>
                switch task.kind {
                case .spectrum: checked = FileVerification.spectrum(data, temporaryPath: tmp)
                case .image: checked = FileVerification.image(data, width: images?.width ?? 0, height: images?.height ?? 0, temporaryPath: tmp)
                }
                return checked.map { FileRecord(status: "ok", reason: "", sha256: Provenance.sha256(data), bytes: $0) }
            }
            switch outcome {
            case .ok(let record):
                if rename(tmp, layout.root + "/" + task.path) != 0 {
                    let why = String(cString: strerror(errno))
                    try? FileManager.default.removeItem(atPath: tmp)
                    return FileRecord(status: "failed", reason: "cannot move the verified file into place: \(why)", sha256: nil, bytes: nil)
                }
                return record
            case .missing(let why):
                return FileRecord(status: "missing", reason: why, sha256: nil, bytes: nil)
            case .failed(let why):
                try? FileManager.default.removeItem(atPath: tmp)
                return FileRecord(status: "failed", reason: why, sha256: nil, bytes: nil)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            return nil
        }
    }

    /// `catalog.csv` (every selected row, its file names and each file's fate) and
    /// `manifest.json`, from the files on disk and every shard's records.
    private func writeCatalogAndManifest(_ selection: Selection, _ plan: FetchPlan) throws -> (spectra: FetchCounts, images: FetchCounts) {
        let o = options
        let records = FetchRecords.merged(layout)
        var cache: [String: FileRecord] = [:]
        func state(_ path: String) -> FileRecord {
            if let r = cache[path] { return r }
            let r = FetchRecords.current(path, layout: layout, records: records)
            cache[path] = r
            return r
        }
        var specCounts = FetchCounts(), imageCounts = FetchCounts()
        var countedImages = Set<String>()
        var files: [String: String] = [:]
        // The added columns, in this order, one value per selected row.
        let added = ["spec_file", "image_file", "spec_fetch_status", "spec_fetch_reason", "image_fetch_status", "image_fetch_reason"]
        var values: [[String]] = Array(repeating: [], count: added.count)
        for row in plan.rows {
            var spec = (name: "", status: "not requested", reason: "")
            if let p = row.spectrum {
                let r = state(p)
                spec = ((p as NSString).lastPathComponent, r.status, r.reason)
                specCounts.add(r.status)
                if r.status == "ok", let sha = r.sha256 { files[p] = sha }
            }
            var image = (name: "", status: "not requested", reason: "")
            if let p = row.image {
                let r = row.imageProblem.map { FileRecord(status: "failed", reason: $0) } ?? state(p)
                image = ((p as NSString).lastPathComponent, r.status, r.reason)
                // A cutout two rows share is counted once.
                if countedImages.insert(p).inserted || row.imageProblem != nil { imageCounts.add(r.status) }
                if r.status == "ok", let sha = r.sha256 { files[p] = sha }
            }
            for (i, v) in [spec.name, image.name, spec.status, spec.reason, image.status, image.reason].enumerated() { values[i].append(v) }
        }
        var catalog = Catalog(columns: selection.header, rows: selection.rows.map(\.fields), path: layout.catalog)
        for (name, column) in zip(added, values) { catalog.setColumn(name, column) }
        try catalog.write(to: layout.catalog)
        let rec = selection.record
        let manifest = FetchManifest(
            release: o.endpoints.release, skyServerURL: o.endpoints.skyServer, sasURL: o.endpoints.sas, query: rec.query,
            sample: rec.sample, spectra: o.spectra?.rawValue ?? "none", images: o.images,
            selection: .init(pages: rec.pages, returnedRows: rec.returnedRows, validRows: rec.validRows, selectedRows: selection.rows.count,
                             malformedCount: rec.malformedCount, malformed: rec.malformed),
            spectraCounts: specCounts, imageCounts: imageCounts, files: files,
            catalogSHA256: try Provenance.sha256(ofFile: layout.catalog), selectionSHA256: rec.selectionSHA256)
        try Provenance.writeJSON(manifest, to: layout.manifest)
        return (specCounts, imageCounts)
    }
}

extension FileRecord {
    init(status: String, reason: String) { self.init(status: status, reason: reason, sha256: nil, bytes: nil) }
}

/// Hands out the files to the workers, each once.
actor TaskQueue {
    private var tasks: [FileTask]
    private var position = 0
    init(_ tasks: [FileTask]) { self.tasks = tasks }
    func next() -> FileTask? {
        guard position < tasks.count else { return nil }
        defer { position += 1 }
        return tasks[position]
    }
}

/// The records of this shard, updated as files finish.
actor RecordSink {
    private(set) var records: [String: FileRecord]
    init(_ records: [String: FileRecord]) { self.records = records }
    func set(_ path: String, _ record: FileRecord) { records[path] = record }
}

/// `fetch-log.json`: the timings and transfer settings of a run.
struct FetchLog: Codable {
    var shard: String
    var started: String
    var seconds: Double
    var attempted: Int
    var alreadyPresent: Int
    var requests: Int
    var retries: Int
    var failures: Int
    var bytes: Int
    var megabytesPerSecond: Double
    var policy: TransferPolicy
    var cancelled: Bool
}

import Foundation

/// How one galaxy fared in a per-galaxy stage.
public struct Fate: Sendable, Equatable {
    /// Why the galaxy was rejected; nil when it was accepted.
    public var rejectReason: String?
    /// The input file could not be read (a run where every file fails is an error).
    public var fileError: Bool
    /// Worth a line on standard error: file problems and failures of a method, not the
    /// scientific rejections (cuts, blends) that only go to the output catalog.
    public var isNotable: Bool

    public init(rejectReason: String?, fileError: Bool = false, isNotable: Bool? = nil) {
        self.rejectReason = rejectReason
        self.fileError = fileError
        self.isNotable = isNotable ?? fileError
    }

    public static let accepted = Fate(rejectReason: nil)
    public var isAccepted: Bool { rejectReason == nil }
}

/// What a per-galaxy stage returns for one galaxy.
public protocol StageOutcome: Sendable {
    var fate: Fate { get }
}

/// The skeleton every catalog job shares (`prepare-spectra`, `prepare-images`, `prepare`,
/// `fit-labels`, `predict`): rows → the per-galaxy stage on all threads, batch by batch (so
/// outputs stream and memory stays bounded) → each galaxy's fate → outputs. A job fills in
/// what one galaxy's processing is and what it does with each batch; the skeleton owns the
/// parallelism, progress, fate bookkeeping, messages and the "nothing could be read" error.
public struct CatalogJob: Sendable {
    /// The command's name: labels the progress line and messages on standard error.
    public var name: String
    public var threads: Int
    public var showProgress: Bool
    /// Galaxies per batch handed to `consume`.
    public var batchSize: Int
    /// What the input files are, in messages ("spectra", "images").
    public var inputs: String

    public init(name: String, inputs: String = "input files", threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                showProgress: Bool = true, batchSize: Int = 1024) {
        self.name = name
        self.inputs = inputs
        self.threads = max(1, threads)
        self.showProgress = showProgress
        self.batchSize = max(1, batchSize)
    }

    /// The fates of a run, in catalog order.
    public struct Fates: Sendable {
        /// Rejection reason per row ("" when accepted).
        public var reasons: [String]
        public var fileErrors: Int
        public var seconds: Double

        public var count: Int { reasons.count }
        public var accepted: [Bool] { reasons.map(\.isEmpty) }
        public var acceptedCount: Int { reasons.filter(\.isEmpty).count }

        /// Rejections counted by reason, numbers stripped so that similar reasons group.
        public var rejections: [String: Int] {
            var out: [String: Int] = [:]
            for r in reasons where !r.isEmpty { out[CatalogJob.groupingKey(r), default: 0] += 1 }
            return out
        }

        /// Adds `accepted`, `reject_reason` and the row of each accepted galaxy in the output
        /// arrays (`index`: 0, 1, … in catalog order, -1 when rejected).
        public func annotate(_ catalog: inout Catalog, index: ColumnName) {
            catalog.setColumn(.accepted, accepted.map { $0 ? "true" : "false" })
            catalog.setColumn(.rejectReason, reasons)
            catalog.setColumn(index, CatalogJob.indexColumn(accepted: accepted))
        }
    }

    /// Runs `process` for rows 0..<count on `threads` threads and hands each batch's
    /// outcomes, in row order, to `consume` (on the calling thread).
    /// - Parameters:
    ///   - count: number of rows.
    ///   - source: the catalog or folder the rows came from (labels the error when no file
    ///     could be read).
    ///   - label: a row's name for messages on standard error (its file).
    ///   - process: one galaxy's stage; must not throw (every failure is a fate).
    ///   - consume: what the job does with a finished batch (append to arrays, write rows).
    /// - Throws: `SurveyIOError` when there are no rows, when no input file could be read, or
    ///   whatever `consume` throws.
    public func run<Outcome: StageOutcome>(count: Int, source: String, label: (Int) -> String,
                                           process: (Int) -> Outcome,
                                           consume: (_ rows: Range<Int>, _ outcomes: [Outcome]) throws -> Void) throws -> Fates {
        guard count > 0 else { throw SurveyIOError(path: source, reason: "no galaxies to process") }
        let progress = ProgressReporter(label: name, total: count, enabled: showProgress)
        var reasons = [String](repeating: "", count: count)
        var fileErrors = 0
        var start = 0
        while start < count {
            let rows = start..<min(count, start + batchSize)
            let outcomes = ParallelWork.map(count: rows.count, threads: threads, progress: progress) { process(rows.lowerBound + $0) }
            for (i, o) in zip(rows, outcomes) {
                let fate = o.fate
                guard let reason = fate.rejectReason else { continue }
                reasons[i] = reason.isEmpty ? "unknown" : reason
                if fate.fileError { fileErrors += 1 }
                if fate.isNotable { printError("\(name): \(label(i)): \(reasons[i])") }
            }
            try consume(rows, outcomes)
            start = rows.upperBound
        }
        if fileErrors == count {
            throw SurveyIOError(path: source, reason: "none of the \(count) \(inputs) could be read")
        }
        return Fates(reasons: reasons, fileErrors: fileErrors, seconds: progress.elapsedSeconds)
    }

    /// For each row, its row in the output array ("0", "1", … in catalog order), or "-1"
    /// when it was rejected.
    public static func indexColumn(accepted: [Bool]) -> [String] {
        var next = 0
        return accepted.map { a in
            guard a else { return "-1" }
            defer { next += 1 }
            return String(next)
        }
    }

    /// A rejection reason with its numbers replaced by "#", so that counts group reasons that
    /// differ only in a value ("S/N 3.2 < 5" and "S/N 4.1 < 5").
    public static func groupingKey(_ reason: String) -> String {
        reason.replacingOccurrences(of: "[-+]?[0-9][0-9.e+-]*", with: "#", options: .regularExpression)
    }

    /// SHA-256 of the catalog (when given) and of every input file that exists, by path;
    /// "unreadable" for a file that exists but cannot be read.
    public static func inputChecksums(catalogPath: String?, files: [String]) throws -> [String: String] {
        var inputs: [String: String] = [:]
        if let catalogPath { inputs[catalogPath] = try Provenance.sha256(ofFile: catalogPath) }
        for p in files where FileManager.default.fileExists(atPath: p) {
            inputs[p] = (try? Provenance.sha256(ofFile: p)) ?? "unreadable"
        }
        return inputs
    }
}

/// `manifest.json` of a catalog job: provenance (tool, stage, time), the whole configuration,
/// counts, what each output holds and the SHA-256 of every input. `details` adds
/// stage-specific top-level entries (the wavelength grid, the channels).
public struct StageManifest<Parameters: Encodable, Details: Encodable>: Encodable {
    public var tool = "galam \(GalAMVersion.string)"
    public var stage: String
    public var created = Provenance.timestamp()
    public var parameters: Parameters
    public var details: Details
    public var counts: [String: Int]
    public var outputs: [String: String]
    public var inputs: [String: String]
    /// The shard this run took ("i/N"; absent for the whole catalog): `galam merge` checks it.
    public var shard: Shard

    public init(stage: String, shard: Shard = .all, parameters: Parameters, details: Details, counts: [String: Int], outputs: [String: String],
                inputs: [String: String]) {
        self.stage = stage
        self.shard = shard
        self.parameters = parameters
        self.details = details
        self.counts = counts
        self.outputs = outputs
        self.inputs = inputs
    }

    /// The standard counts of a run.
    public static func counts(_ fates: CatalogJob.Fates) -> [String: Int] {
        ["input": fates.count, "accepted": fates.acceptedCount, "rejected": fates.count - fates.acceptedCount,
         "file_errors": fates.fileErrors]
    }

    enum CodingKeys: String, CodingKey { case tool, stage, shard, created, parameters, counts, outputs, inputs }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tool, forKey: .tool)
        try c.encode(stage, forKey: .stage)
        if !shard.isWhole { try c.encode(shard.description, forKey: .shard) }
        try c.encode(created, forKey: .created)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(counts, forKey: .counts)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(inputs, forKey: .inputs)
        // Stage-specific entries sit beside the standard ones.
        try details.encode(to: encoder)
    }

    public func write(to path: String) throws { try Provenance.writeJSON(self, to: path) }
}

/// No stage-specific manifest entries.
public struct NoDetails: Encodable, Sendable { public init() {} }

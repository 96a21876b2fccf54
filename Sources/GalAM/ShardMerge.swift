import Foundation
import SurveyIO

/// `galam merge`: joins the outputs of a sharded stage (`--shard i/N` on `prepare-spectra`,
/// `prepare-images`, `prepare`, `fit-labels`, `predict`) into exactly what one unsharded run
/// writes — the same rows in the same order, the same bytes for the arrays and tables — and
/// refuses a set that is incomplete (naming the missing shards) or inconsistent (different N,
/// different settings, row counts that cannot come from one catalog).
///
/// - A folder (`OUT`) holding `shard-i-of-N/` folders: the stage named in their manifests;
///   `catalog.csv` interleaved with the array index renumbered, the `.npy` arrays interleaved
///   by the accepted rows, the manifests' counts summed. For `prepare`, `labels.csv` too, with
///   the 8:1:1 split assigned over every kept galaxy, as one run assigns it.
/// - A file (`labels.csv`, `predictions.csv`, `predictions.fits`) with `NAME.shard-i-of-N.EXT`
///   beside it: one row per input row, interleaved; a CSV's `.fits` table (fit-labels) and
///   `.manifest.json` (predict) beside it are merged as well.
public struct ShardMerge {
    public var path: String

    public init(path: String) { self.path = path }

    /// What was merged, for the command's report.
    public struct Summary: Sendable {
        public var stage: String
        public var shards: Int
        public var rows: Int
        public var written: [String]
    }

    public func run() throws -> Summary {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
           (try? FileManager.default.contentsOfDirectory(atPath: path))?.contains(where: { Shard(fileTag: $0) != nil }) == true {
            return try mergeFolders()
        }
        return try mergeFiles()
    }

    /// Arrays and the index column of each folder-writing stage.
    static let folderStages: [String: (arrays: [(String, isImages: Bool)], index: ColumnName)] = [
        "prepare-spectra": ([("spectra.npy", false)], .spectrumIndex),
        "prepare-images": ([("images.npy", true)], .imageIndex),
        "prepare": ([("spectra.npy", false), ("images.npy", true)], .datasetIndex),
    ]

    func mergeFolders() throws -> Summary {
        let shards = try ShardSet.directories(under: path)
        let manifests = shards.map { $0 + "/manifest.json" }
        guard let data = FileManager.default.contents(atPath: manifests[0]),
              let stage = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["stage"] as? String else {
            throw SurveyIOError(path: manifests[0], reason: "missing or unreadable manifest: the shard did not finish")
        }
        guard let layout = Self.folderStages[stage] else {
            throw SurveyIOError(path: manifests[0], reason: "stage '\(stage)' writes no sharded folder galam merge knows")
        }
        let catalogs = try shards.map { try Catalog(contentsOf: $0 + "/catalog.csv") }
        let accepted = try catalogs.map { try $0.column(.accepted).map { $0 == "true" } }
        var catalog = try ShardSet.interleave(catalogs)
        let acceptedAll = try catalog.column(.accepted).map { $0 == "true" }
        let kept = acceptedAll.filter { $0 }.count
        // The manifests are checked before anything is written.
        var manifest = try ShardSet.mergeManifests(manifests, accepted: kept)
        var written: [String] = []
        for (name, isImages) in layout.arrays {
            let parts = shards.map { $0 + "/" + name }
            if isImages {
                try ShardSet.interleaveArrays(parts, accepted: accepted, as: UInt8.self, to: path + "/" + name)
            } else {
                try ShardSet.interleaveArrays(parts, accepted: accepted, as: Float.self, to: path + "/" + name)
            }
            written.append(name)
        }
        if stage == "prepare" {
            let value = (manifest["parameters"] as? [String: Any])?["seed"]
            guard let seed = (value as? NSNumber)?.uint64Value ?? (value as? Int).map(UInt64.init) else {
                throw SurveyIOError(path: manifests[0], reason: "no parameters.seed: the split cannot be assigned")
            }
            let split = try mergeLabels(shards: shards, accepted: accepted, total: catalog.count, seed: seed)
            // The shards' split counts summed mean nothing: the split of the whole replaces them.
            var counts = manifest["counts"] as? [String: Int] ?? [:]
            for s in Split.allCases { counts[s.rawValue] = split.filter { $0 == s }.count }
            manifest["counts"] = counts
            written.append("labels.csv")
        }
        catalog.setColumn(layout.index, CatalogJob.indexColumn(accepted: acceptedAll))
        try catalog.write(to: path + "/catalog.csv")
        try ShardSet.writeJSON(manifest, to: path + "/manifest.json")
        return Summary(stage: stage, shards: shards.count, rows: catalog.count, written: written + ["catalog.csv", "manifest.json"])
    }

    /// `labels.csv` of `prepare`: the shards' kept galaxies in catalog order, numbered again,
    /// with the split one run over them all assigns (it depends on the number kept).
    func mergeLabels(shards: [String], accepted: [[Bool]], total: Int, seed: UInt64) throws -> [Split] {
        let tables = try shards.map { try Catalog(contentsOf: $0 + "/labels.csv") }
        for (t, a) in zip(tables, accepted) where t.count != a.filter({ $0 }).count {
            throw SurveyIOError(path: t.path, reason: "\(t.count) galaxies, but its catalog keeps \(a.filter { $0 }.count)")
        }
        let n = shards.count
        var next = [Int](repeating: 0, count: n)
        var rows: [[String]] = []
        for g in 0..<total where accepted[g % n][g / n] {
            rows.append(tables[g % n].rows[next[g % n]])
            next[g % n] += 1
        }
        let split = Split.assign(count: rows.count, seed: seed)
        var labels = Catalog(columns: tables[0].columns, rows: rows)
        labels.setColumn(.index, rows.indices.map(String.init))
        labels.setColumn(.split, split.map(\.rawValue))
        try labels.write(to: path + "/labels.csv")
        return split
    }

    func mergeFiles() throws -> Summary {
        let shards = try ShardSet.files(of: path)
        var written: [String] = []
        let rows: Int
        if path.lowercased().hasSuffix(".fits") {
            rows = try mergeFITS(shards, to: path)
        } else {
            let merged = try ShardSet.interleave(try shards.map { try Catalog(contentsOf: $0) })
            rows = merged.count
            // The FITS table and manifest beside a CSV: checked before the CSV is written.
            let fits = (path as NSString).deletingPathExtension + ".fits"
            let fitsShards = shards.map { ($0 as NSString).deletingPathExtension + ".fits" }
            let hasFITS = fitsShards.allSatisfy { FileManager.default.fileExists(atPath: $0) }
            let manifests = shards.map { $0 + ".manifest.json" }
            let hasManifests = manifests.allSatisfy { FileManager.default.fileExists(atPath: $0) }
            try merged.write(to: path)
            written.append(path)
            if hasFITS && !hasManifests {
                _ = try mergeFITS(fitsShards, to: fits)
                written.append(fits)
            }
            if hasManifests {
                try mergePredictionManifests(manifests, to: path + ".manifest.json")
                written.append(path + ".manifest.json")
            }
            return Summary(stage: hasManifests ? "predict" : "fit-labels", shards: shards.count, rows: rows, written: written)
        }
        return Summary(stage: "predict", shards: shards.count, rows: rows, written: [path])
    }

    func mergeFITS(_ shards: [String], to output: String) throws -> Int {
        let tables = try shards.map { file -> FITSTableCopy in
            let f = try FITSFile(readingAt: file)
            let name = try Self.firstTableName(f, path: file)
            try f.close()
            return try FITSTableCopy(path: file, extname: name)
        }
        let merged = try FITSTableCopy.interleaving(tables)
        try merged.write(to: output)
        return merged.rowCount
    }

    static func firstTableName(_ f: FITSFile, path: String) throws -> String {
        for name in ["FITLABELS", "PREDICTIONS"] where (try? f.moveToHDU(named: name)) != nil { return name }
        throw SurveyIOError(path: path, reason: "no FITLABELS or PREDICTIONS table")
    }

    /// The manifests beside sharded prediction CSVs: the same but for the shard and file name.
    func mergePredictionManifests(_ paths: [String], to output: String) throws {
        let all = try paths.map { p -> [String: String] in
            guard let d = FileManager.default.contents(atPath: p), let m = try JSONSerialization.jsonObject(with: d) as? [String: String] else {
                throw SurveyIOError(path: p, reason: "not a predictions manifest")
            }
            return m
        }
        func common(_ m: [String: String]) -> [String: String] { m.filter { $0.key != "shard" && $0.key != "output" } }
        for (m, p) in zip(all, paths).dropFirst() where common(m) != common(all[0]) {
            throw SurveyIOError(path: p, reason: "differs from \(paths[0]): the shards were predicted with different models or calibrations")
        }
        var merged = common(all[0])
        merged["output"] = (String(output.dropLast(".manifest.json".count)) as NSString).lastPathComponent
        try Provenance.writeJSON(merged, to: output)
    }
}

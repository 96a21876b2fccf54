import Foundation

/// The parts of `galam merge` that know only files: finding a complete set of shard outputs
/// and interleaving their rows back into catalog order. Shard i of N took rows i, i + N, … of
/// the catalog, so row g of the whole is row g / N of shard g mod N.
public enum ShardSet {
    /// The shard folders `directory/shard-i-of-N` of a folder-writing stage, in shard order.
    /// - Throws: when there are none, when they disagree on N, or when one is missing (named).
    public static func directories(under directory: String) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let found = names.compactMap { name in Shard(fileTag: name).map { ($0, directory + "/" + name) } }
        return try complete(found, of: directory)
    }

    /// The shard files `stem.shard-i-of-N.ext` of a file-writing stage's `path`, in shard order.
    public static func files(of path: String) throws -> [String] {
        let dir = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let ext = (name as NSString).pathExtension, stem = ext.isEmpty ? name : (name as NSString).deletingPathExtension
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        let found: [(Shard, String)] = names.compactMap { n in
            guard n.hasPrefix(stem + ".shard-"), n.hasSuffix(ext.isEmpty ? "" : "." + ext) else { return nil }
            let tag = n.dropFirst(stem.count + 1).dropLast(ext.isEmpty ? 0 : ext.count + 1)
            return Shard(fileTag: String(tag)).map { ($0, dir.isEmpty ? n : dir + "/" + n) }
        }
        return try complete(found, of: path)
    }

    static func complete(_ found: [(Shard, String)], of what: String) throws -> [String] {
        guard let n = found.first?.0.count else {
            throw SurveyIOError(path: what, reason: "no shard outputs (shard-i-of-N) to merge")
        }
        let counts = Set(found.map(\.0.count))
        guard counts.count == 1 else {
            throw SurveyIOError(path: what, reason: "shards of different sets: N = \(counts.sorted().map(String.init).joined(separator: ", "))")
        }
        let missing = (0..<n).filter { i in !found.contains { $0.0.index == i } }
        guard missing.isEmpty else {
            throw SurveyIOError(path: what, reason: "incomplete set: missing shard " + missing.map { "\($0)/\(n)" }.joined(separator: ", ")
                + " of \(n) (run them with --shard i/\(n), then merge again)")
        }
        return found.sorted { $0.0.index < $1.0.index }.map(\.1)
    }

    /// The rows of shard tables (shard order) interleaved into catalog order.
    /// - Throws: when the tables' columns differ, or their row counts cannot come from one
    ///   catalog cut into `tables.count` shards (shard i has ⌈(rows − i) / N⌉ rows).
    public static func interleave(_ tables: [Catalog]) throws -> Catalog {
        guard let first = tables.first else { throw SurveyIOError(path: "merge", reason: "no tables to merge") }
        for t in tables.dropFirst() where t.columns != first.columns {
            throw SurveyIOError(path: t.path, reason: "its columns differ from those of \(first.path)")
        }
        let total = tables.map(\.count).reduce(0, +), n = tables.count
        for (i, t) in tables.enumerated() where t.count != (total - i + n - 1) / n {
            throw SurveyIOError(path: t.path, reason: "\(t.count) rows, but shard \(i)/\(n) of \(total) rows has \((total - i + n - 1) / n): the shards are not from one run")
        }
        return Catalog(columns: first.columns, rows: (0..<total).map { tables[$0 % n].rows[$0 / n] }, path: first.path)
    }

    /// Joins the `.npy` arrays of shard folders into `output`: each shard's array holds a row per
    /// accepted catalog row (`accepted[s]`, in the shard's order), and the result a row per
    /// accepted row of the whole catalog in catalog order — what one run writes, byte for byte.
    public static func interleaveArrays<Element: NPYElement>(_ paths: [String], accepted: [[Bool]], as _: Element.Type,
                                                             to output: String) throws {
        let parts = try paths.map { try MappedNPY<Element>(path: $0) }
        for (p, a) in zip(parts, accepted) where p.shape.first != a.filter({ $0 }).count {
            throw SurveyIOError(path: p.path, reason: "\(p.shape.first ?? 0) rows, but its catalog accepts \(a.filter { $0 }.count)")
        }
        guard let rowShape = parts.first.map({ Array($0.shape.dropFirst()) }) else { return }
        for p in parts where Array(p.shape.dropFirst()) != rowShape {
            throw SurveyIOError(path: p.path, reason: "rows of shape \(Array(p.shape.dropFirst())), not \(rowShape) as in \(parts[0].path)")
        }
        let n = parts.count, total = accepted.map(\.count).reduce(0, +)
        let out = try NPYStreamWriter<Element>(path: output, rowShape: rowShape, maxRows: total)
        var next = [Int](repeating: 0, count: n)
        for g in 0..<total where accepted[g % n][g / n] {
            let s = g % n
            try out.append(row: Array(parts[s].row(next[s])))
            next[s] += 1
        }
        try out.finish()
    }

    /// The manifests of shard folders as one: every entry but the counts, inputs, outputs,
    /// time and shard must agree (same stage, same settings); counts are summed, inputs joined,
    /// the row counts in the outputs' descriptions set to `accepted`, and `merged_from_shards`
    /// records N.
    public static func mergeManifests(_ paths: [String], accepted: Int) throws -> [String: Any] {
        let all = try paths.enumerated().map { i, path -> [String: Any] in
            guard let data = FileManager.default.contents(atPath: path),
                  let m = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw SurveyIOError(path: path, reason: "missing or not a JSON manifest: the shard did not finish")
            }
            let want = "\(i)/\(paths.count)"
            guard (m["shard"] as? String) == want else {
                throw SurveyIOError(path: path, reason: "the manifest says shard \(m["shard"] as? String ?? "none"), expected \(want)")
            }
            return m
        }
        let varying: Set<String> = ["counts", "inputs", "outputs", "created", "shard"]
        var merged = all[0]
        for (m, path) in zip(all, paths).dropFirst() {
            for key in Set(m.keys).union(merged.keys).subtracting(varying) {
                // Compared as canonical JSON (sorted keys): values of any JSON type.
                func canonical(_ v: Any?) -> Data? {
                    v.flatMap { try? JSONSerialization.data(withJSONObject: ["v": $0], options: [.sortedKeys]) }
                }
                guard let a = canonical(merged[key]), a == canonical(m[key]) else {
                    throw SurveyIOError(path: path, reason: "'\(key)' differs from \(paths[0]): the shards were run with different settings")
                }
            }
        }
        var counts: [String: Int] = [:]
        var inputs: [String: Any] = [:]
        for m in all {
            for (k, v) in m["counts"] as? [String: Int] ?? [:] { counts[k, default: 0] += v }
            for (k, v) in m["inputs"] as? [String: Any] ?? [:] { inputs[k] = v }
        }
        merged["counts"] = counts
        merged["inputs"] = inputs
        if let outputs = merged["outputs"] as? [String: String] {
            merged["outputs"] = outputs.mapValues {
                $0.replacingOccurrences(of: "\\[[0-9]+,", with: "[\(accepted),", options: .regularExpression)
            }
        }
        merged["created"] = Provenance.timestamp()
        merged["shard"] = nil
        merged["merged_from_shards"] = paths.count
        return merged
    }

    /// Writes a JSON object as `Provenance.writeJSON` writes manifests (sorted keys, indented).
    public static func writeJSON(_ object: [String: Any], to path: String) throws {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0a)
        try AtomicFile.write(data, to: path)
    }
}

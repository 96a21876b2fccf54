import Foundation
import SurveyIO
import TestSupport
import XCTest

/// `--shard i/N` on the per-galaxy stages and `galam merge`, as a Slurm job array runs them:
/// three shards merged equal one unsharded run, and an incomplete or mixed set is refused;
/// and `predict --jsonl`, as Spark's `RDD.pipe` drives it.
final class ShardingCLITests: XCTestCase {
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    func run(_ args: [String], environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try Fixtures.run("/usr/bin/env", environment.map { "\($0.key)=\($0.value)" } + [galam] + args)
        XCTAssertEqual(r.status, 0, "galam \(args.joined(separator: " ")): \(r.err)", file: file, line: line)
        return r.out
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The three shards of `args` (writing `--out out`), then `galam merge out`.
    func sharded(_ args: [String], out: String, slurm: Bool = false) throws {
        for i in 0..<3 {
            // Shard 1 through Slurm's job-array variables (an array counted from 1), the others by option.
            if slurm && i == 1 {
                _ = try run(args + ["--out", out], environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"])
            } else {
                _ = try run(args + ["--out", out, "--shard", "\(i)/3"])
            }
        }
        _ = try run(["merge", out])
    }

    /// A manifest without its creation time and merge record, for comparison.
    func manifest(_ path: String) throws -> NSDictionary {
        var m = try XCTUnwrap(try JSONSerialization.jsonObject(with: XCTUnwrap(bytes(path))) as? [String: Any])
        m["created"] = nil
        m["merged_from_shards"] = nil
        return m as NSDictionary
    }

    func testShardedStagesMergeIntoTheUnshardedOutputs() throws {
        let dir = Fixtures.scratchDirectory("galam-shard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(["simulate", "--n", "40", "--out", dir + "/sim", "--seed", "11", "--quiet"])
        let sim = dir + "/sim"

        // prepare-images (with the Slurm variables for one shard).
        let images = ["prepare-images", "--catalog", sim + "/catalog.csv", "--images", sim + "/images", "--image-size", "48", "--quiet"]
        _ = try run(images + ["--out", dir + "/img-whole"])
        try sharded(images, out: dir + "/img", slurm: true)
        for f in ["images.npy", "catalog.csv"] { XCTAssertEqual(bytes(dir + "/img/" + f), bytes(dir + "/img-whole/" + f), f) }
        XCTAssertEqual(try manifest(dir + "/img/manifest.json"), try manifest(dir + "/img-whole/manifest.json"))

        // fit-labels (Monte Carlo errors: their seeds follow the row of the whole catalog).
        let fit = ["fit-labels", "--catalog", sim + "/catalog.csv", "--spectra", sim + "/spectra", "--mc", "3", "--quiet"]
        _ = try run(fit + ["--out", dir + "/whole-labels.csv"])
        try sharded(fit, out: dir + "/labels.csv")
        XCTAssertEqual(bytes(dir + "/labels.csv"), bytes(dir + "/whole-labels.csv"))
        XCTAssertEqual(bytes(dir + "/labels.fits"), bytes(dir + "/whole-labels.fits"))

        // prepare: the split is assigned at the merge, over every kept galaxy.
        let prepare = ["prepare", "--catalog", sim + "/catalog.csv", "--spectra", sim + "/spectra", "--images", sim + "/images",
                       "--labels", dir + "/whole-labels.csv", "--truth", sim + "/truth.csv", "--image-size", "48", "--quiet"]
        _ = try run(prepare + ["--out", dir + "/data-whole"])
        try sharded(prepare, out: dir + "/data")
        for f in ["spectra.npy", "images.npy", "labels.csv", "catalog.csv"] {
            XCTAssertEqual(bytes(dir + "/data/" + f), bytes(dir + "/data-whole/" + f), f)
        }
        XCTAssertEqual(try manifest(dir + "/data/manifest.json"), try manifest(dir + "/data-whole/manifest.json"))
        // numpy reads the merged arrays.
        let shape = try Fixtures.python("import numpy; print(numpy.load('\(dir)/data/images.npy').shape[1:])")
        XCTAssertEqual(shape.trimmingCharacters(in: .whitespacesAndNewlines), "(48, 48, 3)")

        // predict, CSV and FITS. The networks run on each batch's galaxies at once and oneDNN's
        // kernels depend on the batch size, so values agree to float rounding (measured: one
        // galaxy in 99 differed, by 1e-4 in ood_score); rows, order and every text column match.
        _ = try run(["train", "--data", dir + "/data-whole", "--out", dir + "/model", "--epochs", "1", "--fusion", "learned", "--quiet"])
        for ext in ["csv", "fits"] {
            let predict = ["predict", "--model", dir + "/model", "--images", sim + "/images", "--quiet"]
            _ = try run(predict + ["--out", dir + "/whole-p.\(ext)"])
            try sharded(predict, out: dir + "/p.\(ext)")
        }
        let compare = """
        import numpy as np, csv, math
        from astropy.table import Table
        a, b = Table.read('\(dir)/whole-p.fits'), Table.read('\(dir)/p.fits')
        assert a.colnames == b.colnames and len(a) == len(b) == 40, (a.colnames, len(a), len(b))
        for c in a.colnames:
            x, y = np.array(a[c]), np.array(b[c])
            if x.dtype.kind == 'f':
                assert np.array_equal(np.isfinite(x), np.isfinite(y)), c
                m = np.isfinite(x)
                assert np.all(np.abs(x[m] - y[m]) <= 1e-3), (c, np.max(np.abs(x[m] - y[m])))
            else:
                assert list(x) == list(y), c
        rows = [list(csv.reader(open(f))) for f in ['\(dir)/whole-p.csv', '\(dir)/p.csv']]
        assert len(rows[0]) == len(rows[1]) == 41 and rows[0][0] == rows[1][0]
        for r, s in zip(*rows):
            for u, v in zip(r, s):
                try:
                    fu, fv = float(u), float(v)
                    assert (math.isinf(fu) and fu == fv) or abs(fu - fv) <= 1e-3, (u, v)
                except ValueError:
                    assert u == v, (u, v)
        print('ok')
        """
        XCTAssertEqual(try Fixtures.python(compare).trimmingCharacters(in: .whitespacesAndNewlines), "ok")
        XCTAssertEqual(try manifest(dir + "/p.csv.manifest.json").value(forKey: "output") as? String, "p.csv")

        // JSON lines in, JSON lines out (RDD.pipe): one answer per line, in order, keys copied,
        // a bad line answered with its reason; the values are the table's to float rounding.
        let lines = try FileManager.default.contentsOfDirectory(atPath: sim + "/images").sorted().map { "{\"image_file\": \"\($0)\", \"objid\": \"id-\($0)\"}" }
        try (lines + ["not json"]).joined(separator: "\n").write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
        let piped = try Fixtures.run("/bin/sh", ["-c", "'\(galam)' predict --model '\(dir)/model' --images '\(sim)/images' --jsonl < '\(dir)/in.jsonl' > '\(dir)/out.jsonl'"])
        XCTAssertEqual(piped.status, 0, piped.err)
        let check = """
        import json, csv, math
        out = [json.loads(l) for l in open('\(dir)/out.jsonl')]
        table = list(csv.DictReader(open('\(dir)/whole-p.csv')))
        assert len(out) == 41 and len(table) == 40, (len(out), len(table))
        for o, t in zip(out, table):
            assert o['objid'] == 'id-' + t['image_file'] and o['image_file'] == t['image_file']
            assert o['accepted'] == (t['accepted'] == 'true') and (o['reject_reason'] or '') == t['reject_reason']
            for k in ['log_age', 'mh', 'log_age_lo68', 'mh_hi68', 'ood_score']:
                if t[k] in ('', 'inf', '-inf'): assert o[k] is None, k
                else: assert abs(o[k] - float(t[k])) <= 1e-3, (k, o[k], t[k])
        assert out[40]['accepted'] is False and 'not JSON' in out[40]['reject_reason']
        print('ok')
        """
        XCTAssertEqual(try Fixtures.python(check).trimmingCharacters(in: .whitespacesAndNewlines), "ok")

        // An incomplete set is refused, naming the missing shard; so is a set from two runs.
        try FileManager.default.removeItem(atPath: dir + "/labels.shard-1-of-3.csv")
        let missing = try Fixtures.run(galam, ["merge", dir + "/labels.csv"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("missing shard 1/3"), missing.err)
        _ = try run(images + ["--out", dir + "/img", "--shard", "0/2"])
        let mixed = try Fixtures.run(galam, ["merge", dir + "/img"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.err.contains("different sets"), mixed.err)
        try FileManager.default.removeItem(atPath: dir + "/img/shard-0-of-2")
        _ = try run(images + ["--out", dir + "/img", "--shard", "2/3", "--bands", "gr"])
        let settings = try Fixtures.run(galam, ["merge", dir + "/img"])
        XCTAssertNotEqual(settings.status, 0)
        XCTAssertTrue(settings.err.contains("different settings"), settings.err)
    }
}

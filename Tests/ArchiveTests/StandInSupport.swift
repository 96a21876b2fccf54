import Archive
import Foundation
import MockSurvey
import SDSSStandIn
import SurveyIO
import TestSupport
import XCTest

/// The stand-in SDSS the Archive tests fetch from: the four real fixtures (run2d 26) and
/// twelve `galam simulate` galaxies under run2d 26, 103 and v5_13_0, so wrong SAS paths
/// show up as missing files.
enum StandIn {
    /// The simulated survey, made once per test process.
    static let simulated: String = {
        let dir = Fixtures.scratchDirectory("standin-mock")
        var job = SimulateJob(count: 12, outputDirectory: dir, seed: 3)
        job.showProgress = false
        job.threads = 2
        _ = try! job.run()
        return dir
    }()

    static func galaxies() throws -> [StandInGalaxy] {
        let runs = ["26", "103", "v5_13_0"]
        return try StandInSurvey.load(folder: Fixtures.sdss)
            + StandInSurvey.load(folder: simulated, run2d: { runs[$0 % runs.count] })
    }

    /// A started server; stop it with `stop()`.
    static func server(seed: UInt64 = 1) throws -> SDSSStandIn {
        let s = SDSSStandIn(galaxies: try galaxies(), seed: seed)
        try s.start()
        return s
    }

    /// Fetch options against `server` with test-sized times: 0.5 s timeout, 10 ms backoff.
    static func options(_ server: SDSSStandIn, out: String) throws -> FetchOptions {
        var o = FetchOptions(outputDirectory: out,
                             endpoints: try ArchiveEndpoints(skyServer: server.skyServerURL, sas: server.sasURL, release: 17),
                             query: SelectionQuery(pageSize: 5))
        o.policy.timeoutSeconds = 0.5
        o.policy.backoffBaseSeconds = 0.01
        o.policy.backoffMaxSeconds = 0.05
        o.policy.requestsPerSecond = 0
        o.policy.queriesPerSecond = 0
        o.policy.maxAttempts = 4
        o.showProgress = false
        return o
    }

    /// Every file of a fetched folder but the per-run bookkeeping (`.fetch-state/`, the
    /// wall-clock `fetch-log*.json`), path → bytes.
    static func contents(of root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let p = e.nextObject() as? String {
            if p.hasPrefix(".fetch-state") || p.hasPrefix("fetch-log") { continue }
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + p, isDirectory: &isDir)
            if !isDir.boolValue { out[p] = FileManager.default.contents(atPath: root + "/" + p) }
        }
        return out
    }

    /// The catalog as dictionaries, keyed by spec_file.
    static func catalog(_ root: String) throws -> [String: [String: String]] {
        let c = try Catalog(contentsOf: root + "/catalog.csv")
        var rows: [String: [String: String]] = [:]
        let spec = try c.columnIndex("spec_file")
        for r in c.rows { rows[r[spec]] = Dictionary(uniqueKeysWithValues: zip(c.columns, r)) }
        return rows
    }

    /// Files under their final names in spectra/ and images/ that do not pass the checks.
    static func badFinalFiles(_ root: String, imageSize: Int = 128) -> [String] {
        var bad: [String] = []
        for f in (try? FileManager.default.contentsOfDirectory(atPath: root + "/spectra")) ?? [] {
            if (try? SDSSSpectrum(contentsOf: root + "/spectra/" + f)) == nil { bad.append(f) }
        }
        for f in (try? FileManager.default.contentsOfDirectory(atPath: root + "/images")) ?? [] {
            guard let img = try? JPEG.read(root + "/images/" + f), img.width == imageSize else { bad.append(f); continue }
        }
        return bad
    }
}

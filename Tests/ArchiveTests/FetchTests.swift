import Archive
import Foundation
import SDSSStandIn
import SurveyIO
import TestSupport
import XCTest

/// `FetchJob` against the stand-in: selection, layout, verification and every fault.
final class FetchTests: XCTestCase {
    func testFetchesEverySelectedGalaxyInTheLayoutTheStagesRead() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        server.extraSQLLines = ["1,2,3", "\"unclosed,1,2,3,4,5,6,7,8,9,10", "99,0,51000,1,26,10,10,0.1,0,9,5",
                                "98,500,51000,2,../x,10,10,0.1,0,9,5", "97,500,51000,3,26,nan,10,0.1,0,9,5"]
        let out = Fixtures.scratchDirectory("fetch") + "/sdss"
        let s = try await FetchJob(options: try StandIn.options(server, out: out)).run()
        XCTAssertEqual(s.selected, 16)
        XCTAssertEqual(s.spectra, FetchCounts(ok: 16))
        XCTAssertEqual(s.images, FetchCounts(ok: 16))
        XCTAssertFalse(s.cancelled)

        // Paged by specObjID: 16 rows at 5 a page → 4 queries, the later ones "after" the last.
        let sql = server.requests.filter { $0.uri.contains("SqlSearch") }
        XCTAssertEqual(sql.count, 4)
        XCTAssertTrue(sql[1].uri.removingPercentEncoding!.contains("s.specObjID > "), sql[1].uri)
        // run2d from each row: the eboss tree for v5_13_0, sdss for 26 and 103.
        let paths = server.requests.map(\.uri)
        XCTAssertTrue(paths.contains { $0.contains("/sas/dr17/eboss/spectro/redux/v5_13_0/spectra/lite/3000/") })
        XCTAssertTrue(paths.contains { $0.contains("/sas/dr17/sdss/spectro/redux/103/spectra/lite/3000/") })
        XCTAssertTrue(paths.contains { $0.contains("/sas/dr17/sdss/spectro/redux/26/spectra/lite/0389/spec-0389-51795-0269.fits") })
        XCTAssertTrue(paths.contains { $0.contains("getjpeg?ra=3.468576&dec=-0.396696&scale=0.396127&width=128&height=128") })

        let cat = try StandIn.catalog(out)
        XCTAssertEqual(cat.count, 16)
        let row = try XCTUnwrap(cat["spec-0389-51795-0269.fits"])
        XCTAssertEqual(row["image_file"], "3.468576_-0.396696.jpg")
        XCTAssertEqual(row["spec_fetch_status"], "ok")
        XCTAssertEqual(row["image_fetch_status"], "ok")
        XCTAssertEqual(row["plate"], "389")
        XCTAssertEqual(try Provenance.sha256(ofFile: out + "/spectra/spec-0389-51795-0269.fits"),
                       try Provenance.sha256(ofFile: Fixtures.spectraDirectory + "/spec-0389-51795-0269.fits"))

        // The manifest: query, URLs, counts, a checksum per file, malformed rows with reasons.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
        XCTAssertTrue((manifest["query"] as! String).contains("s.class = 'GALAXY'"))
        XCTAssertEqual(manifest["release"] as? Int, 17)
        let files = manifest["files"] as! [String: String]
        XCTAssertEqual(files.count, 32)
        for (path, sha) in files { XCTAssertEqual(try Provenance.sha256(ofFile: out + "/" + path), sha, path) }
        let selection = manifest["selection"] as! [String: Any]
        XCTAssertEqual(selection["malformedCount"] as? Int, 5)
        let reasons = (selection["malformed"] as! [[String: Any]]).map { $0["reason"] as! String }
        XCTAssertTrue(reasons.contains { $0.contains("3 fields") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("unbalanced quotes") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.hasPrefix("plate '0'") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.hasPrefix("run2d '../x'") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.hasPrefix("ra 'nan'") }, "\(reasons)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/fetch-log.json"))

        // A second run finds everything there: no file requests, the same folder.
        let before = try StandIn.contents(of: out)
        server.clearLog()
        let again = try await FetchJob(options: try StandIn.options(server, out: out)).run()
        XCTAssertEqual(again.attempted, 0)
        XCTAssertEqual(server.requests.count, 0, "the saved selection is reused, no file is asked for twice")
        XCTAssertEqual(try StandIn.contents(of: out), before)
    }

    /// Every fault is retried or recorded with its reason, and never leaves a bad file
    /// under its final name.
    func testEveryFaultIsRetriedOrRecordedAndNoBadFileIsKept() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        let sim = (1...12).map { String(format: "spec-3000-54000-%04d.fits", $0) }
        // Cured by retrying:
        server.inject([.status(429, retryAfter: "0.2")], for: "spectra/" + sim[0])
        server.inject([.status(503), .status(500)], for: "spectra/" + sim[1])
        server.inject([.htmlPage], for: "spectra/" + sim[2])
        server.inject([.slow(1.0)], for: "spectra/" + sim[3])
        server.inject([.dropMidBody], for: "spectra/" + sim[4])
        server.inject([.truncate(0.5)], for: "spectra/" + sim[5])
        server.inject([.status(502), .status(504)], for: "spectra/spec-0389-51795-0269.fits")
        server.inject([.truncate(0.6)], for: "images/3.468576_-0.396696.jpg")
        server.inject([.htmlPage, .status(503, retryAfter: "0")], for: "sql")
        // Not cured: recorded.
        server.inject([.notFound], for: "spectra/" + sim[6])
        server.inject(Array(repeating: .truncate(0.3), count: 4), for: "spectra/" + sim[7])
        server.inject(Array(repeating: .dropMidBody, count: 4), for: "images/5.79056_-0.603954.jpg")
        server.inject(Array(repeating: .status(503), count: 4), for: "spectra/" + sim[8])
        server.inject([.status(403)], for: "spectra/" + sim[9])

        let out = Fixtures.scratchDirectory("faults") + "/sdss"
        let start = Date()
        let s = try await FetchJob(options: try StandIn.options(server, out: out)).run()
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertEqual(s.selected, 16)
        XCTAssertEqual(s.spectra.ok, 12)
        XCTAssertEqual(s.spectra.missing, 1)
        XCTAssertEqual(s.spectra.failed, 3)
        XCTAssertEqual(s.images.ok, 15)
        XCTAssertEqual(s.images.failed, 1)
        XCTAssertGreaterThanOrEqual(s.retries, 13)

        let cat = try StandIn.catalog(out)
        func status(_ spec: String) -> (String, String) { (cat[spec]!["spec_fetch_status"]!, cat[spec]!["spec_fetch_reason"]!) }
        for i in [0, 1, 2, 3, 4, 5] { XCTAssertEqual(status(sim[i]).0, "ok", sim[i]) }
        XCTAssertEqual(status(sim[6]).0, "missing")
        XCTAssertTrue(status(sim[6]).1.contains("404"), status(sim[6]).1)
        XCTAssertEqual(status(sim[7]).0, "failed")
        XCTAssertTrue(status(sim[7]).1.contains("not a usable spec FITS") && status(sim[7]).1.contains("4 attempts"), status(sim[7]).1)
        XCTAssertEqual([status(sim[8]).0, status(sim[8]).1], ["failed", "HTTP 503 (4 attempts)"])
        XCTAssertEqual([status(sim[9]).0, status(sim[9]).1], ["failed", "HTTP 403"])
        let dropped = cat.values.first { $0["image_file"] == "5.79056_-0.603954.jpg" }!
        XCTAssertEqual(dropped["image_fetch_status"], "failed")
        XCTAssertTrue(dropped["image_fetch_reason"]!.contains("connection"), dropped["image_fetch_reason"]!)

        // Only verified files under final names; no temporary file left anywhere visible.
        XCTAssertEqual(StandIn.badFinalFiles(out), [])
        for failed in [sim[6], sim[7], sim[8], sim[9]] { XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/spectra/" + failed)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/images/5.79056_-0.603954.jpg"))
        let visible = try FileManager.default.contentsOfDirectory(atPath: out + "/spectra") + FileManager.default.contentsOfDirectory(atPath: out + "/images")
        XCTAssertFalse(visible.contains { $0.hasPrefix(".") || $0.contains("tmp") }, "\(visible)")

        // 429's Retry-After (0.2 s) was honoured: the retry came no sooner.
        let times = server.requests.filter { $0.uri.hasSuffix(sim[0]) }.map(\.time)
        XCTAssertEqual(times.count, 2)
        XCTAssertGreaterThanOrEqual(times[1] - times[0], 0.19)

        // Resuming asks again for the failed files but not for the one the server lacks.
        server.clearLog()
        let again = try await FetchJob(options: try StandIn.options(server, out: out)).run()
        XCTAssertEqual(again.attempted, 4)
        XCTAssertFalse(server.requests.contains { $0.uri.hasSuffix(sim[6]) })
        XCTAssertEqual(again.spectra.ok, 15)
        XCTAssertEqual(again.images.ok, 16)
    }

    /// A body above the size limit is cut off and recorded, not retried.
    func testOversizedResponseIsCutOffAndRecorded() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        let out = Fixtures.scratchDirectory("big") + "/sdss"
        var o = try StandIn.options(server, out: out)
        o.policy.maxSpectrumBytes = 100_000  // the spectra are 170–180 kB
        o.images = nil
        let s = try await FetchJob(options: o).run()
        XCTAssertEqual(s.spectra.failed, 16)
        let cat = try StandIn.catalog(out)
        XCTAssertEqual(cat["spec-0389-51795-0269.fits"]?["spec_fetch_reason"], "response over the limit of 100000 bytes, cut off")
        XCTAssertEqual(server.requests.filter { $0.uri.hasSuffix("spec-0389-51795-0269.fits") }.count, 1)
        XCTAssertEqual(cat["spec-0389-51795-0269.fits"]?["image_fetch_status"], "not requested")
    }
}

/// Sampling and cutout scale.
final class SampleAndScaleTests: XCTestCase {
    /// The same seed gives the same galaxies whatever the paging; --scale-by petro90 asks
    /// for a field of 4 × petroR90_r.
    func testSeededSampleDoesNotDependOnPagingAndPetro90ScalesTheField() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        let root = Fixtures.scratchDirectory("sample")
        var selections: [String] = []
        for pageSize in [3, 100] {
            var o = try StandIn.options(server, out: root + "/p\(pageSize)")
            o.query.pageSize = pageSize
            o.sample = FetchOptions.Sample(n: 6, seed: 5)
            o.spectra = nil
            o.images = ImageRequest(width: 128, height: 128, petro90Multiple: 4)
            let s = try await FetchJob(options: o).run()
            XCTAssertEqual(s.selected, 6)
            XCTAssertEqual(s.images.ok, 6)
            selections.append(try String(contentsOfFile: root + "/p\(pageSize)/selection.csv", encoding: .utf8))
        }
        XCTAssertEqual(selections[0], selections[1])
        var other = try StandIn.options(server, out: root + "/seed6")
        other.sample = FetchOptions.Sample(n: 6, seed: 6)
        other.spectra = nil
        _ = try await FetchJob(options: other).run()
        XCTAssertNotEqual(try String(contentsOfFile: root + "/seed6/selection.csv", encoding: .utf8), selections[0])

        let allowed = Set((4...8).map { "scale=\(4 * Double($0) / 128)&" })
        let cutouts = server.requests.map(\.uri).filter { $0.contains("getjpeg") && !$0.contains("scale=0.396127") }
        XCTAssertEqual(cutouts.count, 12)
        for u in cutouts { XCTAssertTrue(allowed.contains { u.contains($0) }, u) }
        let manifest = try String(contentsOfFile: root + "/p3/manifest.json", encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"petro90Multiple\" : 4"), manifest)
        XCTAssertTrue(manifest.contains("\"seed\" : 5"), manifest)
    }
}

import Randomness
import Archive
import Foundation
import SDSSStandIn
import SurveyIO
import TestSupport
import XCTest

/// Interrupted runs, shards and the rate limit, measured at the stand-in.
final class ResumeShardRateTests: XCTestCase {
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    func commandLine(_ server: SDSSStandIn, out: String) -> [String] {
        ["fetch-sdss", "--out", out, "--skyserver-url", server.skyServerURL, "--sas-url", server.sasURL, "--page-size", "5",
         "--connections", "2", "--rate", "0", "--timeout", "5", "--backoff", "0.01", "--quiet"]
    }

    /// `galam fetch-sdss` killed with SIGKILL at random moments, four times, then run to the
    /// end, leaves the same bytes as one uninterrupted run (bookkeeping under .fetch-state
    /// and the timings in fetch-log.json aside).
    func testRunKilledAtRandomMomentsAndResumedEqualsUninterruptedRun() throws {
        let server = try StandIn.server()
        defer { server.stop() }
        server.latency = 0.04  // 32 files on 2 connections: about 0.7 s of transfers
        let root = Fixtures.scratchDirectory("kill")
        let reference = root + "/reference", resumed = root + "/resumed"
        let r = try Fixtures.run(galam, commandLine(server, out: reference))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("16 galaxies selected"), r.out)

        let seed = UInt64(Date().timeIntervalSince1970)  // random moments; the seed is in any failure message
        var rng = SplitMix64(seed: seed)
        var killedMidway = 0
        for _ in 0..<4 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: galam)
            p.arguments = commandLine(server, out: resumed)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(50_000 + rng.below(500_000)))  // 0.05–0.55 s
            if p.isRunning { kill(p.processIdentifier, SIGKILL); killedMidway += 1 }
            p.waitUntilExit()
        }
        let last = try Fixtures.run(galam, commandLine(server, out: resumed))
        XCTAssertEqual(last.status, 0, last.err)
        let a = try StandIn.contents(of: reference), b = try StandIn.contents(of: resumed)
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (k, v) in a { XCTAssertEqual(b[k], v, "\(k) differs (kill seed \(seed))") }
        XCTAssertEqual(a.count, 16 + 16 + 3)  // spectra, images, catalog + manifest + selection
        XCTAssertGreaterThan(killedMidway, 0, "at least one run was killed before its end")
    }

    /// Ctrl-C (SIGINT) stops a run cleanly: exit status 130, the catalog and manifest
    /// written for what arrived, no temporary file left; the same command then completes it.
    func testInterruptStopsCleanlyAndTheRunResumes() throws {
        let server = try StandIn.server()
        defer { server.stop() }
        server.latency = 0.1
        let out = Fixtures.scratchDirectory("sigint") + "/sdss"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: galam)
        p.arguments = commandLine(server, out: out)
        let stdout = Pipe()
        p.standardOutput = stdout
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until files are arriving, then interrupt.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: out + "/spectra"))?.count ?? 0) < 2 { usleep(20_000) }
        kill(p.processIdentifier, SIGINT)
        let printed = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130, printed)
        XCTAssertTrue(printed.contains("stopped, run the same command to resume"), printed)
        let cat = try StandIn.catalog(out)
        XCTAssertEqual(cat.count, 16)
        XCTAssertTrue(cat.values.contains { $0["spec_fetch_status"] == "pending" })
        XCTAssertTrue(cat.values.contains { $0["spec_fetch_status"] == "ok" })
        XCTAssertEqual(StandIn.badFinalFiles(out), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/.fetch-state").filter { $0.hasPrefix("tmp") }, [])
        server.latency = 0
        let r = try Fixtures.run(galam, commandLine(server, out: out))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("spectra: 16 ok"), r.out)
    }

    /// Two shards filling one folder at once equal one unsharded run, and no file is asked
    /// for by both.
    func testTwoShardsEqualOneRun() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        let root = Fixtures.scratchDirectory("shards")
        _ = try await FetchJob(options: try StandIn.options(server, out: root + "/one")).run()
        server.clearLog()
        var options = try StandIn.options(server, out: root + "/two")
        options.shard = try Shard(parsing: "0/2")
        let o0 = options
        options.shard = try Shard(parsing: "1/2")
        let o1 = options
        async let s0 = FetchJob(options: o0).run()
        async let s1 = FetchJob(options: o1).run()
        let (r0, r1) = try await (s0, s1)
        XCTAssertEqual(r0.attempted + r1.attempted, 32)
        XCTAssertEqual(r0.attempted, 16)
        let files = server.requests.map(\.uri).filter { !$0.contains("SqlSearch") }
        XCTAssertEqual(files.count, Set(files).count, "a file asked for twice")
        XCTAssertEqual(files.count, 32)
        XCTAssertEqual(try StandIn.contents(of: root + "/one"), try StandIn.contents(of: root + "/two"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/two/fetch-log-shard-1-of-2.json"))
    }

    /// The global rate limit holds at the server: never more than `rate` requests started in
    /// any one second, whatever the number of connections.
    func testRateLimitHoldsAtTheServer() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        var o = try StandIn.options(server, out: Fixtures.scratchDirectory("rate") + "/sdss")
        o.policy.requestsPerSecond = 20
        o.policy.connections = 8
        let start = Date()
        let s = try await FetchJob(options: o).run()
        XCTAssertEqual(s.spectra.ok + s.images.ok, 32)
        let files: (String) -> Bool = { !$0.contains("SqlSearch") }
        let peak = server.peakRequests(within: 1.0, matching: files)
        XCTAssertLessThanOrEqual(peak, 21, "more than 20 requests within one second")
        XCTAssertGreaterThanOrEqual(peak, 15, "the limit should be reached, not undershot")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 31.0 / 20 - 0.05)
    }

    /// The fetched folder goes through prepare-spectra, fit-labels and prepare-images as is.
    func testFetchedFolderRunsThroughTheStages() async throws {
        let server = try StandIn.server()
        defer { server.stop() }
        let root = Fixtures.scratchDirectory("stages"), out = root + "/sdss"
        _ = try await FetchJob(options: try StandIn.options(server, out: out)).run()
        let spectra = try Fixtures.run(galam, ["prepare-spectra", "--catalog", out + "/catalog.csv", "--spectra", out + "/spectra",
                                               "--out", root + "/ps", "--quiet"])
        XCTAssertEqual(spectra.status, 0, spectra.err)
        XCTAssertTrue(spectra.out.contains("of 16 spectra accepted (0 unreadable)"), spectra.out)
        let labels = try Fixtures.run(galam, ["fit-labels", "--catalog", out + "/catalog.csv", "--spectra", out + "/spectra",
                                              "--out", root + "/labels.csv", "--quiet"])
        XCTAssertEqual(labels.status, 0, labels.err)
        XCTAssertTrue(labels.out.contains("of 16 spectra fitted"), labels.out)
        let images = try Fixtures.run(galam, ["prepare-images", "--catalog", out + "/catalog.csv", "--images", out + "/images",
                                              "--out", root + "/pi", "--quiet"])
        XCTAssertEqual(images.status, 0, images.err)
        XCTAssertTrue(images.out.contains("of 16 images accepted"), images.out)
    }
}

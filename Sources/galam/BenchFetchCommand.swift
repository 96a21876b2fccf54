import ArgumentParser
import Archive
import Foundation
import MockSurvey
import SDSSStandIn
import SurveyIO

/// `galam bench fetch`: download speed of `fetch-sdss` against the local SDSS stand-in.
struct BenchFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Files/s and MB/s of fetch-sdss at 1, 8 and 32 connections against a local SDSS stand-in, with injected failures.",
        discussion: """
        Simulates --galaxies galaxies (or serves the survey folder --survey), starts the \
        stand-in server on 127.0.0.1 (the one the tests use), adds --latency seconds to every \
        answer (a WAN round trip) and fails --failure-rate of the file requests (half 503, half \
        a connection dropped mid-body), then fetches everything with no client rate limit. \
        Every file is verified as in a real fetch (cfitsio, libjpeg-turbo).

        Examples:
          galam bench fetch
          galam bench fetch --galaxies 500 --connections 1,8,32 --latency 0.05 \\
              --failure-rate 0.05
          galam bench fetch --survey ../shared/fixtures/sdss --latency 0
        """)

    @Option(help: "Simulated galaxies to serve (ignored with --survey).")
    var galaxies = 300

    @Option(help: "A survey folder to serve instead (catalog.csv, spectra/, images/).")
    var survey: String?

    @Option(help: "Connection counts to time, comma-separated.")
    var connections = "1,8,32"

    @Option(help: "Seconds added to every answer.")
    var latency = 0.05

    @Option(name: .customLong("failure-rate"), help: "Share of file requests that fail.")
    var failureRate = 0.05

    func run() throws {
        let counts = connections.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        guard !counts.isEmpty else { throw ValidationError("--connections must list positive integers") }
        let scratch = NSTemporaryDirectory() + "galam-bench-fetch-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var folder = survey
        if folder == nil {
            var sim = SimulateJob(count: max(1, galaxies), outputDirectory: scratch + "/survey", seed: 1)
            sim.showProgress = false
            _ = try sim.run()
            folder = scratch + "/survey"
        }
        let served = try StandInSurvey.load(folder: folder!)
        let (lat, rate) = (latency, failureRate)
        let rows = try runBlocking {
            try await FetchBenchmark.run(galaxies: served, connections: counts, latency: lat, failureRate: rate, scratch: scratch + "/fetched")
        }
        print("bench fetch: \(served.count) galaxies (\(2 * served.count) files), latency \(latency) s, \(Int(failureRate * 100)) % of requests failing")
        print("| connections | files/s | MB/s | requests | retries | failed | seconds |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows {
            print(String(format: "| %d | %.1f | %.2f | %d | %d | %d | %.2f |", r.connections, r.filesPerSecond, r.megabytesPerSecond,
                         r.requests, r.retries, r.failed, r.seconds))
        }
        for rps in [1.0, 10.0] {
            print(String(format: "paper's 50,000 galaxies (100,000 files) at %.0f request/s: %.1f h", rps,
                         FetchBenchmark.hoursAtRate(galaxies: 50_000, requestsPerSecond: rps)))
        }
    }
}

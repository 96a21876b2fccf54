import Archive
import Foundation
import SurveyIO

/// `galam bench fetch`: `FetchJob` against the local stand-in, at several connection counts,
/// with a round-trip latency and a share of failed requests injected at the server.
public enum FetchBenchmark {
    public struct Row: Sendable {
        public var connections: Int
        public var files: Int
        public var bytes: Int
        public var seconds: Double
        public var requests: Int
        public var retries: Int
        public var failed: Int
        public var filesPerSecond: Double { Double(files) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
    }

    /// Fetches every galaxy of `galaxies` once per entry of `connections`, into fresh folders
    /// under `scratch`, with no client rate limit (the figures show what the client can do).
    public static func run(galaxies: [StandInGalaxy], connections: [Int], latency: Double, failureRate: Double,
                           scratch: String) async throws -> [Row] {
        var rows: [Row] = []
        for (i, c) in connections.enumerated() {
            let server = SDSSStandIn(galaxies: galaxies, seed: UInt64(i + 1))
            server.latency = latency
            server.randomFailureRate = failureRate
            try server.start(threads: 2)
            defer { server.stop() }
            var o = FetchOptions(outputDirectory: scratch + "/c\(c)",
                                 endpoints: try ArchiveEndpoints(skyServer: server.skyServerURL, sas: server.sasURL),
                                 query: SelectionQuery())
            o.policy.connections = c
            o.policy.requestsPerSecond = 0
            o.policy.queriesPerSecond = 0
            o.policy.timeoutSeconds = 10
            o.policy.backoffBaseSeconds = 0.05
            o.policy.backoffMaxSeconds = 0.5
            o.policy.maxAttempts = 8
            o.showProgress = false
            let start = Date()
            let s = try await FetchJob(options: o).run()
            let seconds = Date().timeIntervalSince(start)
            rows.append(Row(connections: c, files: s.spectra.ok + s.images.ok, bytes: s.bytes, seconds: seconds,
                            requests: s.requests, retries: s.retries, failed: s.spectra.failed + s.images.failed))
        }
        return rows
    }

    /// Hours for `galaxies` galaxies (a spectrum and a cutout each, plus the SQL pages) at
    /// `requestsPerSecond`, when the rate limit rather than the link is the bound.
    public static func hoursAtRate(galaxies: Int, requestsPerSecond: Double) -> Double {
        Double(2 * galaxies) / requestsPerSecond / 3600
    }
}

import Foundation
import SurveyIO

/// Everything `galam fetch-sdss` is asked to do.
public struct FetchOptions: Sendable {
    public var outputDirectory: String
    public var endpoints: ArchiveEndpoints
    public var query: SelectionQuery
    /// A random sample of the selection (`--n`, `--seed`); nil keeps every row.
    public var sample: Sample?
    /// Spectra to fetch, or nil for none.
    public var spectra: ArchiveEndpoints.SpectrumKind? = .lite
    /// Cutouts to fetch, or nil for none.
    public var images: ImageRequest? = ImageRequest()
    public var policy = TransferPolicy()
    public var shard = Shard.all
    /// Ask again for files a previous run found missing (404).
    public var retryMissing = false
    public var showProgress = true
    /// Seconds between saves of this shard's state during a run (a killed run loses at most
    /// this much bookkeeping; the files themselves are never lost).
    public var checkpointSeconds = 15.0

    public init(outputDirectory: String, endpoints: ArchiveEndpoints, query: SelectionQuery = SelectionQuery()) {
        self.outputDirectory = outputDirectory
        self.endpoints = endpoints
        self.query = query
    }

    public struct Sample: Sendable, Codable, Equatable {
        public var n: Int
        public var seed: UInt64
        public init(n: Int, seed: UInt64) { self.n = n; self.seed = seed }
    }
}

/// The cutout asked of SkyServer for each galaxy.
public struct ImageRequest: Sendable, Codable, Equatable {
    public var width = 128
    public var height = 128
    /// Arcsec per pixel; SDSS's native 0.396127″ by default (the paper's cutouts).
    public var scale = 0.396127
    /// When set, the field is this multiple of the galaxy's `petroR90_r` (the scale follows
    /// per galaxy: multiple × petroR90_r / width); rows without petroR90_r fail.
    public var petro90Multiple: Double?

    public init(width: Int = 128, height: Int = 128, scale: Double = 0.396127, petro90Multiple: Double? = nil) {
        self.width = width
        self.height = height
        self.scale = scale
        self.petro90Multiple = petro90Multiple
    }

    /// The scale for one galaxy, or nil when it needs petroR90_r and has none.
    func scale(for row: SelectionRow) -> Double? {
        guard let m = petro90Multiple else { return scale }
        return row.petroR90r.map { m * $0 / Double(width) }
    }
}

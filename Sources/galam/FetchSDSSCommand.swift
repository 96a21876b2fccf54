import Archive
import ArgumentParser
import Foundation
import SurveyIO

/// `galam fetch-sdss`: real SDSS data (SkyServer SQL, SAS spectra, ImgCutout JPEGs) in the
/// folder layout every other command reads.
struct FetchSDSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-sdss",
        abstract: "Download SDSS galaxies (SQL selection, SAS spectra, SkyServer cutouts) into catalog.csv, spectra/, images/.",
        discussion: """
        The paper's selection, by default (SkyServer SQL search, paged by specObjID):

          SELECT TOP 500000 s.specObjID, s.plate, s.mjd, s.fiberID, s.run2d,
                 s.ra, s.dec, s.z, s.zWarning, s.snMedian_r, p.petroR90_r
          FROM SpecObj AS s LEFT OUTER JOIN PhotoObj AS p ON s.bestObjID = p.objID
          WHERE s.class = 'GALAXY' AND s.z BETWEEN 0.002 AND 0.3 AND s.zWarning = 0
            AND s.snMedian_r >= 5 AND s.run2d = '26'   [AND (--where …)]
            [AND s.specObjID > (last of the previous page)]
          ORDER BY s.specObjID

        --sql FILE runs a query of one's own once, as written; it must return plate, mjd, \
        fiberID, run2d, ra, dec (and petroR90_r for --scale-by petro90). The rows are \
        validated, sorted by plate, MJD, fibre and, with --n, sampled by a seeded shuffle of \
        the whole selection: the same --seed gives the same galaxies however the query was paged.

        Spectra: {sas}/dr{N}/sdss/spectro/redux/{run2d}/spectra/lite/{plate}/spec-….fits, run2d \
        from each row. Cutouts: {skyserver}/dr{N}/SkyServerWS/ImgCutout/getjpeg (128 px at \
        0.396127″/px by default), saved as images/RA_DEC.jpg. Every file is checked before it \
        counts (a FITS must open with cfitsio and hold COADD and SPECOBJ with their columns, a \
        JPEG must decode at the requested size; HTML error pages sent with status 200 are \
        errors), written under a temporary name and renamed when verified. Timeouts, dropped \
        connections, 429 (Retry-After honoured), 500, 502, 503, 504 and bad bodies are retried \
        with exponential backoff and jitter; 404 is recorded as missing.

        Outputs in --out: selection.csv, catalog.csv (every row with spec_file, image_file, \
        spec_fetch_status/reason, image_fetch_status/reason), spectra/, images/, manifest.json \
        (release, query, URLs, counts, SHA-256 of every file) and fetch-log.json (timings). \
        Killed or stopped with Ctrl-C, the same command resumes and fetches only what is \
        missing. --shard i/N (default from SLURM_ARRAY_TASK_ID/COUNT) takes rows i, i+N, …: \
        a job array fills one folder.

        Examples:
          galam fetch-sdss --out sdss --n 1000 --seed 1
          galam fetch-sdss --out sdss --n 50000 --seed 1 --connections 8 --rate 10
          galam fetch-sdss --out bright --where "s.snMedian_r >= 20" --spectra none \\
              --scale-by petro90 --petro90-multiple 4
          galam fetch-sdss --out mine --sql my-query.sql --release 16
          sbatch --array=0-7 --wrap "galam fetch-sdss --out sdss --n 50000 --seed 1"
        Then, unchanged:
          galam fit-labels --catalog sdss/catalog.csv --spectra sdss/spectra \\
              --out sdss/labels.csv
        """)

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "A random sample of this many galaxies from the selection (default: all).")
    var n: Int?

    @Option(help: "Seed of the --n sample.")
    var seed: UInt64 = 1

    @Option(name: .customLong("where"), help: "Extra SQL condition on the paper's query (repeatable; SpecObj is s, PhotoObj p).")
    var conditions: [String] = []

    @Option(help: "A file with a query of one's own (returns plate, mjd, fiberID, run2d, ra, dec), run once as written.")
    var sql: String?

    @Option(help: "SDSS data release number.")
    var release = 17

    @Option(help: "Spectra to fetch: none, lite or full.")
    var spectra = "lite"

    @Flag(name: .customLong("no-images"), help: "Fetch no cutouts.")
    var noImages = false

    @Option(name: .customLong("image-size"), help: "Cutout width and height in pixels.")
    var imageSize = 128

    @Option(help: "Cutout scale in arcsec per pixel (SDSS native 0.396127).")
    var scale = 0.396127

    @Option(name: .customLong("scale-by"), help: "petro90: field = --petro90-multiple × petroR90_r instead of a fixed --scale.")
    var scaleBy: String?

    @Option(name: .customLong("petro90-multiple"), help: "Field width in units of petroR90_r with --scale-by petro90.")
    var petro90Multiple = 4.0

    @Option(help: "Transfers in flight at once.")
    var connections = 8

    @Option(help: "Requests per second over all connections (0: no limit).")
    var rate = 10.0

    @Option(help: "Seconds one request may take, body included.")
    var timeout = 60.0

    @Option(help: "Retries per file after the first attempt.")
    var retries = 5

    @Option(help: "First retry wait in seconds (doubled per retry, jittered, at most 60 s).")
    var backoff = 1.0

    @Option(help: "This process's shard, i/N (0 ≤ i < N); default from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.")
    var shard: String?

    @Option(name: .customLong("skyserver-url"), help: "SkyServer base URL (SQL search and cutouts).")
    var skyServerURL = ArchiveEndpoints.publicSkyServer

    @Option(name: .customLong("sas-url"), help: "Science Archive Server base URL (spectra).")
    var sasURL = ArchiveEndpoints.publicSAS

    @Option(name: .customLong("page-size"), help: "Rows per page of the paged query (SkyServer's limit: 500000).")
    var pageSize = SelectionQuery.serviceRowLimit

    @Flag(name: .customLong("retry-missing"), help: "Ask again for files an earlier run found missing (404).")
    var retryMissing = false

    @Flag(help: "No progress line.")
    var quiet = false

    func run() throws {
        var options = try FetchOptions.fromCommandLine(
            out: out, skyServer: skyServerURL, sas: sasURL, release: release, sqlFile: sql, conditions: conditions,
            pageSize: pageSize, spectra: spectra, images: !noImages, imageSize: imageSize, scale: scale,
            scaleBy: scaleBy, petro90Multiple: petro90Multiple, n: n, seed: seed, shard: shard)
        options.policy.connections = connections
        options.policy.requestsPerSecond = rate
        options.policy.timeoutSeconds = timeout
        options.policy.maxAttempts = retries + 1
        options.policy.backoffBaseSeconds = backoff
        options.retryMissing = retryMissing
        options.showProgress = !quiet
        let s = try FetchJob(options: options).runUntilInterrupted()
        print(s.report(out: out))
        if s.cancelled { throw ExitCode(130) }
        if s.attempted > 0 && s.spectra.ok + s.images.ok == 0 { throw ExitCode.failure }
    }
}

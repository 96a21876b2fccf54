import ArgumentParser
import Foundation
import Spectra
import SurveyIO

/// `galam prepare-spectra`: the spectra stage (selection cuts, resampling, normalisation).
struct PrepareSpectraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare-spectra",
        abstract: "Select SDSS spectra and resample them to the paper's 1 Å grid, min–max normalised.",
        discussion: """
        Reads each `spec-*.fits` named in the catalog (HDUs COADD and SPECOBJ), applies the cuts \
        0.002 ≤ z ≤ 0.3, ZWARNING = 0, r-band S/N (SN_MEDIAN[2]) ≥ 5, then puts the observed-frame \
        flux (λ = 10^loglam) on the integer grid 3830…8000 Å (4171 values) by linear \
        interpolation and scales it to [0, 1]. Spectra not covering the grid are rejected.

        Bad pixels — ivar = 0, non-finite flux, or an and_mask bit from --bad-mask-bits (by \
        default the no-data bits NOPLUG, BADTRACE, BADFLAT, BADARC, FULLREJECT, NODATA, \
        COMBINEREJ; informational bits such as BRIGHTSKY are kept) — are bridged by linear \
        interpolation between the nearest good pixels before resampling, so they never enter \
        the result; a spectrum with more than --max-bad-fraction bad pixels is rejected.

        Outputs in --out: spectra.npy (float32, accepted × 4171, numpy.load reads it), \
        catalog.csv (every input row plus accepted, reject_reason, spectrum_index and the \
        SPECOBJ z, ZWARNING, r-band S/N) and manifest.json (version, parameters, grid, SHA-256 \
        of inputs). Files are written atomically. Unreadable or corrupt files are reported per \
        galaxy and skipped; the exit status is non-zero only if no spectrum could be read.

        Examples:
          galam prepare-spectra --catalog catalog.csv --spectra spectra/ \\
              --out prepared/
          galam prepare-spectra --spectra spectra/ --out prepared/ --min-snr 10
        """)

    @Option(help: "Catalog CSV with a column naming each spectrum file (default: every spec-*.fits in --spectra).")
    var catalog: String?

    @Option(help: "Folder holding the spec-*.fits files.")
    var spectra: String

    @Option(help: "Output folder.")
    var out: String

    @Option(name: .customLong("spec-column"), help: "Catalog column with the spectrum file name.")
    var specColumn = "spec_file"

    @OptionGroup(title: "Spectra stage") var stage: SpectraStageOptions
    @OptionGroup var common: RunOptions
    @OptionGroup var sharding: ShardOption

    func run() throws {
        var job = PrepareSpectraJob(catalogPath: catalog, spectraDirectory: spectra, outputDirectory: out)
        job.specColumn = specColumn
        job.stage = stage.stage
        job.threads = common.threads
        job.shard = try sharding.resolve()
        job.showProgress = !common.quiet
        let s = try job.run()
        print("prepare-spectra: \(s.accepted) of \(s.total) spectra accepted (\(s.fileErrors) unreadable) in \(String(format: "%.2f", s.seconds)) s")
        printRejections(s.rejections)
        print("wrote \(job.shard.outputDirectory(for: out))/spectra.npy, catalog.csv, manifest.json")
    }
}

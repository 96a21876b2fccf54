import ArgumentParser
import Foundation
import SurveyIO
import StellarPops

/// `galam fit-labels`: luminosity-weighted age and [M/H] by full-spectrum fitting.
struct FitLabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-labels",
        abstract: "Label spectra with light-weighted log age and [M/H] by full-spectrum fitting of MILES SSPs.",
        discussion: """
        For each spectrum: de-redshift (SPECOBJ Z), keep the pixels the templates cover, mask \
        bad pixels (ivar = 0, and_mask no-data bits) and gas emission lines (±800 km/s), and fit \
        P(λ)·Σ w_k (T_k ⊛ LOSVD) (+ optional additive polynomial): V and σ (and h3, h4 with \
        --moments 4) by Levenberg–Marquardt, weights w ≥ 0 by NNLS at every step. The MILES \
        templates (air, 2.51 Å FWHM) are moved to vacuum, log-rebinned to SDSS's 69.03 km/s \
        pixels once, and convolved per galaxy with the quadratic difference to SDSS's wdisp. \
        Labels: ⟨log age/yr⟩ and ⟨[M/H]⟩ weighted by light over the fitted range. With --mc N, \
        the standard deviation of both (and of V, σ) over N refits of the best-fit model plus \
        Gaussian noise of the spectrum's ivar (--mc-mode data: the observed spectrum plus noise). \
        With --gas fit the gas lines (Balmer Hα–Hδ, [O II], [O III], [O I], [N II], [S II]) are \
        fitted as Gaussian templates with a kinematic component of their own (gas_velocity_kms, \
        gas_sigma_kms) instead of being masked; their fluxes (10⁻¹⁷ erg/s/cm² for SDSS) go to \
        gas_flux_* columns. Writes --out (CSV: \
        the catalog's columns plus the labels) and the same name with .fits (binary table \
        FITLABELS). Galaxies that cannot be fitted get fit_status \
        "failed" and a fit_reason; the others go on.

        Examples:
          galam fit-labels --catalog catalog.csv --spectra spectra/ --out labels.csv
          galam fit-labels --catalog catalog.csv --spectra spectra/ \\
              --out labels.csv --mc 100 --templates all
          galam fit-labels --spectra spectra/ --out labels.csv --mc 100 --mc-mode data
          galam fit-labels --spectra spectra/ --out labels.csv --gas fit
          galam fit-labels --spectra spectra/ --out labels.csv --moments 4 --clip \\
              --additive-degree 4
        """)

    @Option(help: "Catalog CSV with a column naming each spectrum file (default: every spec-*.fits in --spectra).")
    var catalog: String?

    @Option(help: "Folder holding the spec-*.fits files.")
    var spectra: String

    @Option(help: "Output CSV; the FITS table is written beside it with extension .fits.")
    var out: String

    @Option(name: .customLong("spec-column"), help: "Catalog column with the spectrum file name.")
    var specColumn = "spec_file"

    @Option(help: "Monte Carlo realisations per galaxy (0 = none).")
    var mc = 0

    @Option(name: .customLong("mc-mode"), help: "Monte Carlo noise added to: model (the best fit, default) or data (the observed spectrum).")
    var mcMode = MonteCarloMode.model

    @Option(help: "paper (the 36 SSPs: 9 ages × 4 [M/H]) or all (150 MILES SSPs).")
    var templates = TemplateChoice.paper

    @Option(help: "Gauss–Hermite moments: 2 (V, σ) or 4 (V, σ, h3, h4).")
    var moments = 2

    @Option(name: .customLong("mdegree"), help: "Multiplicative Legendre polynomial degree (-1 = none).")
    var multiplicativeDegree = 10

    @Option(name: .customLong("additive-degree"), help: "Additive Legendre polynomial degree (-1 = none).")
    var additiveDegree = -1

    @Option(help: "Regularisation strength of the weights over the age × [M/H] grid (0 = none).")
    var regul = 0.0

    @Flag(help: "Iteratively clip outlying pixels (3σ robust).")
    var clip = false

    @Option(help: "Gas emission lines: mask (±800 km/s, default) or fit (Gaussian templates with their own V and σ; adds gas_* columns).")
    var gas = GasTreatment.mask

    @Flag(name: .customLong("keep-emission-lines"), help: "Do not mask the gas emission lines.")
    var keepEmissionLines = false

    @Option(help: "Seed of the Monte Carlo noise.")
    var seed: UInt64 = 1

    @OptionGroup var common: RunOptions
    @OptionGroup var sharding: ShardOption

    /// The SSP sets `--templates` offers.
    enum TemplateChoice: String, CaseIterable, ExpressibleByArgument {
        case paper, all
        var selection: SSPGrid.Selection { self == .all ? .all : .paper }
    }

    func validate() throws {
        guard moments == 2 || moments == 4 else { throw ValidationError("--moments must be 2 or 4") }
        guard mc >= 0 else { throw ValidationError("--mc must be ≥ 0") }
    }

    func run() throws {
        var job = FitLabelsJob(catalogPath: catalog, spectraDirectory: spectra, outputPath: out)
        job.specColumn = specColumn
        job.selection = templates.selection
        job.options.moments = moments
        job.options.multiplicativeDegree = multiplicativeDegree
        job.options.additiveDegree = additiveDegree
        job.options.regularisation = regul
        job.options.clipOutliers = clip
        job.options.maskEmissionLines = !keepEmissionLines
        job.options.gas = gas
        job.monteCarloRealisations = mc
        job.monteCarloMode = mcMode
        job.seed = seed
        job.threads = common.threads
        job.shard = try sharding.resolve()
        job.showProgress = !common.quiet
        let t0 = Date()
        let rows = try job.run()
        let ok = rows.filter { $0.status != "failed" }.count
        print("fit-labels: \(ok) of \(rows.count) spectra fitted in \(String(format: "%.2f", Date().timeIntervalSince(t0))) s")
        print("wrote \(job.shardOutputPath) and \(job.fitsPath)")
    }
}

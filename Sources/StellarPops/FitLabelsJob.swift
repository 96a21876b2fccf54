import COpenBLAS
import Foundation
import SurveyIO

/// The labels of one galaxy from `galam fit-labels`.
public struct FitLabelsRow: Sendable {
    /// "ok", "not_converged" (labels given, iteration limit reached) or "failed".
    public var status: String
    /// Why the galaxy failed (empty when it did not).
    public var reason: String
    public var result: FitResult?
    public var monteCarlo: MonteCarloErrors?
    /// The spectrum file could not be read.
    public var fileError = false
}

extension FitLabelsRow: StageOutcome {
    /// Every failure is worth a line on standard error; a fit that hit the iteration limit
    /// still gives labels and counts as accepted.
    public var fate: Fate { status == "failed" ? Fate(rejectReason: reason, fileError: fileError, isNotable: true) : .accepted }
}

/// `galam fit-labels`: full-spectrum fits of every spectrum in a catalog, in parallel, with
/// optional Monte Carlo errors. Writes a CSV (the catalog's columns plus the labels) and a
/// FITS binary table `FITLABELS` beside it, both atomically.
public struct FitLabelsJob {
    public var catalogPath: String?
    public var spectraDirectory: String
    /// The CSV output; the FITS table goes to the same path with extension `.fits`.
    public var outputPath: String
    public var specColumn = "spec_file"
    public var selection: SSPGrid.Selection = .paper
    public var options = FitOptions()
    public var monteCarloRealisations = 0
    public var monteCarloMode = MonteCarloMode.model
    public var seed: UInt64 = 1
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true
    public var templateCache = TemplateCache()

    public init(catalogPath: String?, spectraDirectory: String, outputPath: String) {
        self.catalogPath = catalogPath
        self.spectraDirectory = spectraDirectory
        self.outputPath = outputPath
    }

    public var fitsPath: String { (shardOutputPath as NSString).deletingPathExtension + ".fits" }
    /// The CSV this run writes: `outputPath`, or with `--shard` its shard's name (`labels.shard-0-of-4.csv`).
    public var shardOutputPath: String { shard.outputFile(for: outputPath) }
    /// The shard of the catalog this run takes (`--shard i/N`): its rows i, i + N, …, written
    /// to `labels.shard-i-of-N.csv` and `.fits`; `galam merge labels.csv` joins them.
    public var shard = Shard.all

    /// SDSS's ln λ step (Δlog₁₀λ = 10⁻⁴): 69.03 km/s per pixel.
    public static let sdssLnStep = log(10.0) * 1e-4

    /// Fits one spectrum file (everything but the I/O of the outputs).
    public static func fitOne(path: String, templates: PreparedTemplates, options: FitOptions,
                              monteCarlo: Int, seed: UInt64, mode: MonteCarloMode = .model) -> FitLabelsRow {
        let s: SDSSSpectrum
        do {
            s = try SDSSSpectrum(contentsOf: path)
        } catch let e as SurveyIOError {
            return FitLabelsRow(status: "failed", reason: e.reason, result: nil, monteCarlo: nil, fileError: true)
        } catch {
            return FitLabelsRow(status: "failed", reason: "\(error)", result: nil, monteCarlo: nil, fileError: true)
        }
        return fit(s, templates: templates, options: options, monteCarlo: monteCarlo, seed: seed, mode: mode)
    }

    /// Fits one spectrum already read; every failure is a row with status "failed".
    public static func fit(_ s: SDSSSpectrum, templates: PreparedTemplates, options: FitOptions,
                           monteCarlo: Int, seed: UInt64, mode: MonteCarloMode = .model) -> FitLabelsRow {
        do {
            let spec = try FitSpectrum(sdss: s, templates: templates, options: options)
            let fitter = try GalaxyFitter(templates: templates, spectrum: spec, options: options)
            let r = try fitter.fit()
            let mc = monteCarlo > 0 ? fitter.monteCarlo(best: r, realisations: monteCarlo, seed: seed, mode: mode) : nil
            return FitLabelsRow(status: r.converged ? "ok" : "not_converged",
                                reason: r.converged ? "" : "iteration limit \(options.maxIterations) reached",
                                result: r, monteCarlo: mc)
        } catch let e as SurveyIOError {
            return FitLabelsRow(status: "failed", reason: e.reason, result: nil, monteCarlo: nil)
        } catch {
            return FitLabelsRow(status: "failed", reason: "\(error)", result: nil, monteCarlo: nil)
        }
    }

    /// Runs the job; returns the rows in catalog order. Throws only for argument problems
    /// (missing folder, unreadable catalog, no templates) — single galaxies fail with a reason.
    @discardableResult
    public func run() throws -> [FitLabelsRow] {
        let catalog = shard.select(try Catalog.readOrListing(catalogPath, directory: spectraDirectory, column: specColumn, kind: "spectra",
                                                             include: Catalog.isSpectrumFile))
        let names = try catalog.column(specColumn)
        // Templates once per velocity scale (all SDSS spectra share one).
        let grid = try SSPGrid.load(.miles, selection: selection, cache: templateCache)
        let templates = PreparedTemplates(grid: grid, lnStep: Self.sdssLnStep)
        // Parallelism is over galaxies; BLAS calls are small and must not spawn threads of their own.
        openblas_set_num_threads(1)
        MemoryTuning.keepFreedMemory()
        let opts = options, mcN = monteCarloRealisations, mcMode = monteCarloMode, seed = self.seed, dir = spectraDirectory, shard = self.shard
        var rows: [FitLabelsRow] = []
        let job = CatalogJob(name: "fit-labels", inputs: "spectra", threads: threads, showProgress: showProgress)
        _ = try job.run(count: names.count, source: catalog.path, label: { names[$0] }, process: { i in
            // Seed per galaxy (by its row in the whole catalog), so the result depends neither on
            // the thread that fits it nor on the shard.
            let rowSeed = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(shard.globalRow(i))
            return Self.fitOne(path: dir + "/" + names[i], templates: templates, options: opts, monteCarlo: mcN, seed: rowSeed, mode: mcMode)
        }) { _, batch in rows += batch }
        try writeCSV(catalog: catalog, rows: rows)
        try writeFITS(names: names, rows: rows)
        return rows
    }

    static let columns = ["fit_status", "fit_reason", "velocity_kms", "sigma_kms", "h3", "h4", "log_age_yr", "metallicity_mh",
                          "chi2_dof", "good_pixels", "iterations", "mc_realisations", "log_age_std", "metallicity_std",
                          "velocity_std_kms", "sigma_std_kms"]

    static func values(_ r: FitLabelsRow) -> [Double] {
        guard let f = r.result else { return [Double](repeating: .nan, count: 14) }
        let m = r.monteCarlo
        return [f.velocityKms, f.sigmaKms, f.h3, f.h4, f.logAgeYr, f.metallicity, f.chi2PerDof, Double(f.goodPixels),
                Double(f.iterations), Double(m?.realisations ?? 0), m?.logAgeStd ?? .nan, m?.metallicityStd ?? .nan,
                m?.velocityStdKms ?? .nan, m?.sigmaStdKms ?? .nan]
    }

    /// With `gas: .fit`: the gas V and σ, and one column per gas template of `GasLine.standard`
    /// with its flux (NaN when the line lies outside the fitted range or the fit failed).
    func gasColumns(_ rows: [FitLabelsRow]) -> [(name: String, values: [Double])] {
        guard options.gas == .fit else { return [] }
        let kinematics = [("gas_velocity_kms", rows.map { $0.result?.gasVelocityKms ?? .nan }),
                          ("gas_sigma_kms", rows.map { $0.result?.gasSigmaKms ?? .nan })]
        return kinematics + GasLine.standard.map { line in
            ("gas_flux_" + line.name.lowercased(), rows.map { r -> Double in
                guard let f = r.result, let i = f.gasLines.firstIndex(of: line) else { return .nan }
                return f.gasFluxes[i]
            })
        }
    }

    func writeCSV(catalog: Catalog, rows: [FitLabelsRow]) throws {
        var c = catalog
        let vals = rows.map(Self.values)
        c.setColumn("fit_status", rows.map(\.status))
        c.setColumn("fit_reason", rows.map(\.reason))
        for (j, name) in Self.columns.dropFirst(2).enumerated() {
            c.setColumn(name, vals.map { $0[j].isNaN ? "" : String(format: j == 7 || j == 8 || j == 9 ? "%.0f" : "%.6g", $0[j]) })
        }
        for (name, v) in gasColumns(rows) { c.setColumn(name, v.map { $0.isNaN ? "" : String(format: "%.6g", $0) }) }
        try c.write(to: shardOutputPath)
    }

    func writeFITS(names: [String], rows: [FitLabelsRow]) throws {
        let vals = rows.map(Self.values)
        var cols: [FITSColumn] = [
            FITSColumn("SPEC_FILE", .string(names, width: max(1, names.map(\.utf8.count).max() ?? 1))),
            FITSColumn("FIT_STATUS", .string(rows.map(\.status), width: 13)),
            FITSColumn("FIT_REASON", .string(rows.map { $0.reason.isEmpty ? " " : $0.reason }, width: max(1, rows.map(\.reason.utf8.count).max() ?? 1))),
        ]
        let units = ["km/s", "km/s", "", "", "log10(yr)", "dex", "", "", "", "", "dex", "dex", "km/s", "km/s"]
        for (j, name) in Self.columns.dropFirst(2).enumerated() {
            cols.append(FITSColumn(name.uppercased(), .float64(vals.map { $0[j] }), unit: units[j]))
        }
        for (name, v) in gasColumns(rows) { cols.append(FITSColumn(name.uppercased(), .float64(v), unit: name.hasSuffix("_kms") ? "km/s" : "flux*Angstrom")) }
        try AtomicFile.produce(fitsPath) { tmp in
            let f = try FITSFile(creatingAt: tmp)
            try f.writeEmptyPrimary(keywords: [("CREATOR", "galam \(GalAMVersion.string) fit-labels")])
            try f.writeBinaryTable(extname: "FITLABELS", columns: cols)
            try f.close()
        }
    }
}

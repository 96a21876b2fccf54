import Foundation
import SurveyIO

/// `galam prepare-spectra`: catalog + folder of `spec` files → `spectra.npy` (float32,
/// N_accepted × 4171), `catalog.csv` (every input row with its fate) and `manifest.json`.
public struct PrepareSpectraJob {
    /// Catalog CSV; nil means "every `spec-*.fits` in `spectraDirectory`".
    public var catalogPath: String?
    public var spectraDirectory: String
    public var outputDirectory: String
    /// Catalog column holding the file name (relative to `spectraDirectory`).
    public var specColumn = "spec_file"
    public var stage = SpectraStage()
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true

    public init(catalogPath: String?, spectraDirectory: String, outputDirectory: String) {
        self.catalogPath = catalogPath
        self.spectraDirectory = spectraDirectory
        self.outputDirectory = outputDirectory
    }

    /// What a run produced.
    public struct Summary: Sendable {
        public var total: Int
        public var accepted: Int
        public var fileErrors: Int
        /// Count of rejections by reason (numbers stripped so similar reasons group).
        public var rejections: [String: Int]
        public var seconds: Double
    }

    /// Manifest written beside the outputs.
    struct Manifest: Encodable {
        var tool: String
        var stage = "prepare-spectra"
        var created: String
        var parameters: Parameters
        var wavelength_grid_angstrom: WavelengthGrid
        var counts: [String: Int]
        var outputs: [String: String]
        var inputs: [String: String]
        struct Parameters: Encodable {
            var cuts: SelectionCuts
            var preprocessing: SpectrumPreprocessing
            var spec_column: String
            var catalog: String?
            var spectra_directory: String
        }
    }

    /// Runs the stage. Throws only for problems with the arguments (unreadable catalog,
    /// missing column, empty input) or when no spectrum at all could be read; problems with
    /// single files are recorded per galaxy and printed to standard error.
    public func run() throws -> Summary {
        var catalog = try Catalog.readOrListing(catalogPath, directory: spectraDirectory, column: specColumn, kind: "spectra",
                                                include: Catalog.isSpectrumFile)
        let names = try catalog.column(specColumn)
        guard !names.isEmpty else { throw SurveyIOError(path: catalog.path, reason: "no galaxies to process") }
        let paths = names.map { spectraDirectory + "/" + $0 }

        let progress = ProgressReporter(label: "prepare-spectra", total: paths.count, enabled: showProgress)
        let outcomes = stage.process(paths: paths, threads: threads, progress: progress)

        var rejections: [String: Int] = [:]
        var fileErrors = 0
        for (name, o) in zip(names, outcomes) where !o.accepted {
            if o.fileError {
                fileErrors += 1
                printError("prepare-spectra: \(name): \(o.rejectReason ?? "unknown error")")
            }
            rejections[StageOutcomes.groupingKey(o.rejectReason ?? ""), default: 0] += 1
        }
        if fileErrors == paths.count {
            throw SurveyIOError(path: catalog.path, reason: "none of the \(paths.count) spectra could be read")
        }

        // Outputs: the array, then the catalog and the manifest, each atomically.
        let accepted = outcomes.compactMap(\.vector)
        let gridCount = stage.preprocessing.grid.count
        let npyPath = outputDirectory + "/spectra.npy"
        try NPYArray(shape: [accepted.count, gridCount], values: accepted.flatMap { $0 }).write(to: npyPath)

        catalog.setColumn("accepted", outcomes.map { $0.accepted ? "true" : "false" })
        catalog.setColumn("reject_reason", outcomes.map { $0.rejectReason ?? "" })
        catalog.setColumn("spectrum_index", StageOutcomes.indexColumn(accepted: outcomes.map(\.accepted)))
        catalog.setColumn("z_specobj", outcomes.map { $0.object.map { String($0.z) } ?? "" })
        catalog.setColumn("zwarning_specobj", outcomes.map { $0.object.map { String($0.zWarning) } ?? "" })
        catalog.setColumn("snr_r_specobj", outcomes.map { $0.object.map { String($0.snMedianR) } ?? "" })
        try catalog.write(to: outputDirectory + "/catalog.csv")

        let inputs = try StageOutcomes.inputChecksums(catalogPath: catalogPath, files: paths)
        let manifest = Manifest(
            tool: "galam \(GalAMVersion.string)", created: Provenance.timestamp(),
            parameters: .init(cuts: stage.cuts, preprocessing: stage.preprocessing, spec_column: specColumn,
                              catalog: catalogPath, spectra_directory: spectraDirectory),
            wavelength_grid_angstrom: stage.preprocessing.grid,
            counts: ["input": paths.count, "accepted": accepted.count, "rejected": paths.count - accepted.count,
                     "file_errors": fileErrors],
            outputs: ["spectra.npy": "float32 [\(accepted.count), \(gridCount)], rows in catalog order of accepted galaxies",
                      "catalog.csv": "every input row with accepted, reject_reason, spectrum_index"],
            inputs: inputs)
        try Provenance.writeJSON(manifest, to: outputDirectory + "/manifest.json")
        return Summary(total: paths.count, accepted: accepted.count, fileErrors: fileErrors,
                       rejections: rejections, seconds: progress.elapsedSeconds)
    }
}

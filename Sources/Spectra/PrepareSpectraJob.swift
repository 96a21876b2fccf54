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
    /// The shard of the catalog this run takes (`--shard i/N`): its rows i, i + N, …, written
    /// to `OUT/shard-i-of-N/`; `galam merge OUT` joins the shards into what one run writes.
    public var shard = Shard.all

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

    struct Parameters: Encodable {
        var cuts: SelectionCuts
        var preprocessing: SpectrumPreprocessing
        var spec_column: String
        var catalog: String?
        var spectra_directory: String
    }
    struct Details: Encodable { var wavelength_grid_angstrom: WavelengthGrid }

    /// Runs the stage. Throws only for problems with the arguments (unreadable catalog,
    /// missing column, empty input, settings that cannot work) or when no spectrum at all
    /// could be read; problems with single files are recorded per galaxy and printed to
    /// standard error.
    public func run() throws -> Summary {
        try stage.validate()
        var catalog = shard.select(try Catalog.readOrListing(catalogPath, directory: spectraDirectory, column: specColumn, kind: "spectra",
                                                             include: Catalog.isSpectrumFile))
        let outputDirectory = shard.outputDirectory(for: self.outputDirectory)
        let names = try catalog.column(specColumn)
        let paths = names.map { spectraDirectory + "/" + $0 }
        let gridCount = stage.preprocessing.grid.count
        let npy = try NPYStreamWriter<Float>(path: outputDirectory + "/spectra.npy", rowShape: [gridCount], maxRows: paths.count)
        var objects: [SpecObject?] = []
        let job = CatalogJob(name: "prepare-spectra", inputs: "spectra", threads: threads, showProgress: showProgress)
        let fates = try job.run(count: paths.count, source: catalog.path, label: { names[$0] },
                                process: { stage.process(path: paths[$0]) }) { _, outcomes in
            for o in outcomes {
                objects.append(o.object)
                if let v = o.vector { try npy.append(row: v) }
            }
        }
        try npy.finish()

        fates.annotate(&catalog, index: .spectrumIndex)
        catalog.setColumn(.redshiftSpecObj, objects.map { $0.map { String($0.z) } ?? "" })
        catalog.setColumn(.zWarningSpecObj, objects.map { $0.map { String($0.zWarning) } ?? "" })
        catalog.setColumn(.snrRSpecObj, objects.map { $0.map { String($0.snMedianR) } ?? "" })
        try catalog.write(to: outputDirectory + "/catalog.csv")

        let accepted = fates.acceptedCount
        try StageManifest(
            stage: "prepare-spectra", shard: shard,
            parameters: Parameters(cuts: stage.cuts, preprocessing: stage.preprocessing, spec_column: specColumn,
                                   catalog: catalogPath, spectra_directory: spectraDirectory),
            details: Details(wavelength_grid_angstrom: stage.preprocessing.grid),
            counts: StageManifest<Parameters, Details>.counts(fates),
            outputs: ["spectra.npy": "float32 [\(accepted), \(gridCount)], rows in catalog order of accepted galaxies",
                      "catalog.csv": "every input row with accepted, reject_reason, spectrum_index"],
            inputs: try CatalogJob.inputChecksums(catalogPath: catalogPath, files: paths)).write(to: outputDirectory + "/manifest.json")
        return Summary(total: paths.count, accepted: accepted, fileErrors: fates.fileErrors,
                       rejections: fates.rejections, seconds: fates.seconds)
    }
}

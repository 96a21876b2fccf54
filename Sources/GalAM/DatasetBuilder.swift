import Foundation
import Imaging
import MockSurvey
import Spectra
import SurveyIO

/// `galam prepare`: runs the spectra and image stages over a catalog, joins them with labels,
/// keeps only galaxies every stage accepted, and writes one dataset folder with a fixed split.
public struct DatasetBuilder {
    public var catalogPath: String
    public var spectraDirectory: String
    public var imagesDirectory: String
    /// CSV with one row per galaxy: from `fit-labels`, `truth.csv`, or the catalog itself.
    public var labelsPath: String
    public var outputDirectory: String
    public var specColumn = ColumnName.specFile
    public var imageColumn = ColumnName.imageFile
    /// Label columns; nil picks the first present of the known names.
    public var ageColumn: String?
    public var metallicityColumn: String?
    /// Optional simulation truth (truth.csv) carried into labels.csv for evaluation.
    public var truthPath: String?
    public var spectra = SpectraStage()
    public var images = ImageStage()
    public var seed: UInt64 = 42
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true
    /// The shard of the catalog this run takes (`--shard i/N`): its rows i, i + N, …, written
    /// to `OUT/shard-i-of-N/`; `galam merge OUT` joins the shards into what one run writes,
    /// assigning the 8:1:1 split then (it depends on every kept galaxy).
    public var shard = Shard.all

    public static let knownAgeColumns = ["log_age", "log_age_yr", "log_age_lw", "logage"]
    public static let knownMetallicityColumns = ["mh", "metallicity_mh", "mh_lw", "metallicity"]

    public init(catalogPath: String, spectraDirectory: String, imagesDirectory: String, labelsPath: String, outputDirectory: String) {
        self.catalogPath = catalogPath
        self.spectraDirectory = spectraDirectory
        self.imagesDirectory = imagesDirectory
        self.labelsPath = labelsPath
        self.outputDirectory = outputDirectory
    }

    public struct Summary: Sendable {
        public var total: Int
        public var accepted: Int
        public var counts: [Split: Int]
        public var rejections: [String: Int]
        public var seconds: Double
    }

    /// Label values per spectrum file name.
    func readLabels() throws -> [String: (age: Double, mh: Double)] {
        let t = try Catalog(contentsOf: labelsPath)
        let age = try ageColumn ?? Self.knownAgeColumns.first { t.columns.contains($0) }
            ?? { throw SurveyIOError(path: labelsPath, reason: "no age column (tried \(Self.knownAgeColumns.joined(separator: ", ")); use --age-column)") }()
        let mh = try metallicityColumn ?? Self.knownMetallicityColumns.first { t.columns.contains($0) }
            ?? { throw SurveyIOError(path: labelsPath, reason: "no [M/H] column (tried \(Self.knownMetallicityColumns.joined(separator: ", ")); use --mh-column)") }()
        let keys = try t.column(specColumn), a = try t.column(age), m = try t.column(mh)
        var out: [String: (Double, Double)] = [:]
        for (k, (x, y)) in zip(keys, zip(a, m)) {
            if let x = Double(x), let y = Double(y), x.isFinite, y.isFinite { out[k] = (x, y) }
        }
        return out
    }

    /// One galaxy through both stages, with its labels.
    struct Outcome: StageOutcome {
        var spectrum: SpectrumOutcome
        var image: ImageOutcome
        var labels: (age: Double, mh: Double)?
        var specFile: String

        var fate: Fate {
            let fileError = spectrum.fileError || image.fileError
            if let r = spectrum.fate.rejectReason { return Fate(rejectReason: "spectrum: " + r, fileError: fileError) }
            if let r = image.fate.rejectReason { return Fate(rejectReason: "image: " + r, fileError: fileError) }
            if labels == nil { return Fate(rejectReason: "labels: no finite label for \(specFile)") }
            return .accepted
        }
    }

    struct Parameters: Encodable {
        var catalog: String
        var labels: String
        var truth: String?
        var spectra_directory: String
        var images_directory: String
        var age_column: String?
        var mh_column: String?
        var seed: UInt64
    }
    struct Details: Encodable {
        var preprocessing: PreprocessingContract
        var split = "80 % train, remainder halved into validation and test (seeded shuffle)"
    }

    public func run() throws -> Summary {
        let contract = PreprocessingContract(spectra: spectra, images: images)
        try contract.validate()
        var catalog = shard.select(try Catalog(contentsOf: catalogPath))
        let outputDirectory = shard.outputDirectory(for: self.outputDirectory)
        let specs = try catalog.column(specColumn), imgs = try catalog.column(imageColumn)
        let labels = try readLabels()
        var truth: [String: (Double, Double)] = [:]
        if let truthPath {
            let t = try Catalog(contentsOf: truthPath)
            for (k, (a, m)) in zip(try t.column(specColumn), zip(try t.column(ColumnName.logAgeLW), try t.column(ColumnName.metallicityLW))) {
                if let a = Double(a), let m = Double(m) { truth[k] = (a, m) }
            }
        }
        let n = specs.count
        let size = images.size, channels = images.bands.channels.count, gridCount = spectra.preprocessing.grid.count
        let specPath = outputDirectory + "/spectra.npy", imagePath = outputDirectory + "/images.npy"
        let specNPY = try NPYStreamWriter<Float>(path: specPath, rowShape: [gridCount], maxRows: n)
        let imageNPY = try NPYStreamWriter<UInt8>(path: imagePath, rowShape: [size, size, channels], maxRows: n)
        // Per kept galaxy, in catalog order: its row, its labels and what the spectrum said.
        var kept: [(row: Int, labels: (age: Double, mh: Double), object: SpecObject?)] = []
        let job = CatalogJob(name: "prepare", inputs: "galaxies' files", threads: threads, showProgress: showProgress)
        let fates = try job.run(count: n, source: catalogPath, label: { specs[$0] }, process: { i in
            Outcome(spectrum: spectra.process(path: spectraDirectory + "/" + specs[i]), image: images.process(path: imagesDirectory + "/" + imgs[i]),
                    labels: labels[specs[i]], specFile: specs[i])
        }) { rows, outcomes in
            for (i, o) in zip(rows, outcomes) where o.fate.isAccepted {
                try specNPY.append(row: o.spectrum.vector!)
                try imageNPY.append(row: o.image.output!)
                kept.append((i, o.labels!, o.spectrum.object))
            }
        }
        guard !kept.isEmpty else { throw SurveyIOError(path: catalogPath, reason: "no galaxy passed every stage") }
        try specNPY.finish()
        try imageNPY.finish()

        let split = Split.assign(count: kept.count, seed: seed)
        let rows: [[String]] = kept.enumerated().map { k, g in
            let t = truth[specs[g.row]]
            return [String(k), specs[g.row], imgs[g.row], String(g.labels.age), String(g.labels.mh), String(g.object?.snMedianR ?? .nan),
                    String(g.object?.z ?? .nan), split[k].rawValue, t.map { String($0.0) } ?? "", t.map { String($0.1) } ?? ""]
        }
        try Catalog(columns: LabeledDataset.labelColumns, rows: rows).write(to: outputDirectory + "/labels.csv")
        fates.annotate(&catalog, index: .datasetIndex)
        try catalog.write(to: outputDirectory + "/catalog.csv")

        var counts: [Split: Int] = [:]
        for s in split { counts[s, default: 0] += 1 }
        var manifestCounts = StageManifest<Parameters, Details>.counts(fates)
        for s in Split.allCases { manifestCounts[s.rawValue] = counts[s] ?? 0 }
        var inputFiles: [String] = specs.map { spectraDirectory + "/" + $0 }
        inputFiles += imgs.map { imagesDirectory + "/" + $0 }
        inputFiles += [labelsPath] + (truthPath.map { [$0] } ?? [])
        try StageManifest(
            stage: "prepare", shard: shard,
            parameters: Parameters(catalog: catalogPath, labels: labelsPath, truth: truthPath, spectra_directory: spectraDirectory,
                                   images_directory: imagesDirectory, age_column: ageColumn, mh_column: metallicityColumn, seed: seed),
            details: Details(preprocessing: contract), counts: manifestCounts,
            outputs: ["spectra.npy": "float32 [\(kept.count), \(gridCount)]", "images.npy": "uint8 [\(kept.count), \(size), \(size), \(channels)]",
                      "labels.csv": "one row per galaxy in array order, with its split", "catalog.csv": "every input row with accepted, reject_reason, dataset_index"],
            inputs: try CatalogJob.inputChecksums(catalogPath: catalogPath, files: inputFiles)).write(to: outputDirectory + "/manifest.json")
        return Summary(total: n, accepted: kept.count, counts: counts, rejections: fates.rejections, seconds: fates.seconds)
    }
}

import Foundation
import Imaging
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
    public var specColumn = "spec_file"
    public var imageColumn = "image_file"
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

    public func run() throws -> Summary {
        var catalog = try Catalog(contentsOf: catalogPath)
        let specs = try catalog.column(specColumn), imgs = try catalog.column(imageColumn)
        guard !specs.isEmpty else { throw SurveyIOError(path: catalogPath, reason: "no galaxies") }
        let labels = try readLabels()
        var truth: [String: (Double, Double)] = [:]
        if let truthPath {
            let t = try Catalog(contentsOf: truthPath)
            for (k, (a, m)) in zip(try t.column(specColumn), zip(try t.column("log_age_lw"), try t.column("mh_lw"))) {
                if let a = Double(a), let m = Double(m) { truth[k] = (a, m) }
            }
        }
        let n = specs.count
        let progress = ProgressReporter(label: "prepare", total: n, enabled: showProgress)
        let slots = ParallelWork.map(count: n, threads: threads, progress: progress) { i in
            (spectra.process(path: spectraDirectory + "/" + specs[i]), images.process(path: imagesDirectory + "/" + imgs[i]))
        }
        // Fates, in catalog order; a galaxy needs a spectrum, an image and finite labels.
        var reasons = [String](repeating: "", count: n)
        var keep: [Int] = []
        for i in 0..<n {
            let (s, im) = slots[i]
            if let r = s.rejectReason { reasons[i] = "spectrum: " + r } else if let r = im.rejectReason {
                reasons[i] = "image: " + r
            } else if labels[specs[i]] == nil { reasons[i] = "labels: no finite label for \(specs[i])" } else { keep.append(i) }
            if (s.fileError || im.fileError) { printError("prepare: \(specs[i]): \(reasons[i])") }
        }
        guard !keep.isEmpty else { throw SurveyIOError(path: catalogPath, reason: "no galaxy passed every stage") }
        let split = Split.assign(count: keep.count, seed: seed)

        let size = images.size, channels = images.bands.channels.count
        var spec = [Float](), img = [UInt8]()
        spec.reserveCapacity(keep.count * spectra.preprocessing.grid.count)
        img.reserveCapacity(keep.count * size * size * channels)
        var rows: [[String]] = []
        for (k, i) in keep.enumerated() {
            let (s, im) = slots[i]
            spec += s.vector!
            img += im.output!
            let l = labels[specs[i]]!
            let t = truth[specs[i]]
            rows.append([String(k), specs[i], imgs[i], String(l.age), String(l.mh), String(s.object?.snMedianR ?? .nan),
                         String(s.object?.z ?? .nan), split[k].rawValue, t.map { String($0.0) } ?? "", t.map { String($0.1) } ?? ""])
        }
        try NPYArray(shape: [keep.count, spectra.preprocessing.grid.count], values: spec).write(to: outputDirectory + "/spectra.npy")
        try NPYArray(shape: [keep.count, size, size, channels], values: img).write(to: outputDirectory + "/images.npy")
        try Catalog(columns: LabeledDataset.labelColumns, rows: rows).write(to: outputDirectory + "/labels.csv")
        catalog.setColumn("accepted", reasons.map { $0.isEmpty ? "true" : "false" })
        catalog.setColumn("reject_reason", reasons)
        var index = [String](repeating: "-1", count: n)
        for (k, i) in keep.enumerated() { index[i] = String(k) }
        catalog.setColumn("dataset_index", index)
        try catalog.write(to: outputDirectory + "/catalog.csv")

        var rejections: [String: Int] = [:]
        for r in reasons where !r.isEmpty {
            rejections[StageOutcomes.groupingKey(r), default: 0] += 1
        }
        var counts: [Split: Int] = [:]
        for s in split { counts[s, default: 0] += 1 }
        let manifest: [String: String] = [
            "tool": "galam \(GalAMVersion.string)", "stage": "prepare", "created": Provenance.timestamp(),
            "catalog": catalogPath, "catalog_sha256": try Provenance.sha256(ofFile: catalogPath),
            "labels": labelsPath, "labels_sha256": try Provenance.sha256(ofFile: labelsPath),
            "spectra_directory": spectraDirectory, "images_directory": imagesDirectory,
            "seed": String(seed), "image_size": String(size), "bands": images.bands.rawValue,
            "blend_check": "region \(images.blendRegion.rawValue), detect on \(images.detectionImages.rawValue), "
                + "min pixels \(images.detector.minPixels), min prominence \(images.detector.minProminenceSigma) σ",
            "count": String(keep.count), "train": String(counts[.train] ?? 0),
            "validation": String(counts[.validation] ?? 0), "test": String(counts[.test] ?? 0),
            "split": "80 % train, remainder halved into validation and test (seeded shuffle)",
        ]
        try Provenance.writeJSON(manifest, to: outputDirectory + "/manifest.json")
        return Summary(total: n, accepted: keep.count, counts: counts, rejections: rejections, seconds: progress.elapsedSeconds)
    }
}

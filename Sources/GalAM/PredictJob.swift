import Foundation
import Imaging
import Spectra
import SurveyIO

/// `galam predict`: streams galaxies through the model's pre-processing and networks in
/// batches (constant memory), writing one row per input — prediction or rejection reason —
/// as CSV or a FITS table.
public struct PredictJob {
    public var modelDirectory: String
    /// Either a folder of JPEGs or a catalog (with `image_file`, and `spec_file` when spectra are given).
    public var imagesDirectory: String
    public var catalogPath: String?
    public var spectraDirectory: String?
    public var outputPath: String
    public var batchSize = 256
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true
    /// The shard of the inputs this run takes (`--shard i/N`): rows i, i + N, … of the catalog
    /// (or of the sorted JPEG listing), written to `predictions.shard-i-of-N.csv` (or `.fits`);
    /// `galam merge predictions.csv` joins them.
    public var shard = Shard.all

    public init(modelDirectory: String, imagesDirectory: String, catalogPath: String?, spectraDirectory: String?, outputPath: String) {
        self.modelDirectory = modelDirectory
        self.imagesDirectory = imagesDirectory
        self.catalogPath = catalogPath
        self.spectraDirectory = spectraDirectory
        self.outputPath = outputPath
    }

    public struct Summary: Sendable {
        public var total: Int
        public var predicted: Int
        public var seconds: Double
        public var imagesPerSecond: Double { Double(total) / max(seconds, 1e-9) }
    }

    /// One galaxy pre-processed as the training set was: a spectrum that passes the spectra
    /// stage is used (M1), else the image (M2 + M3 + M4).
    struct Outcome: StageOutcome {
        var image: ImageOutcome
        var spectrum: SpectrumOutcome?

        var fate: Fate {
            if spectrum?.accepted == true || image.accepted { return .accepted }
            let reasons = ["image: " + (image.rejectReason ?? "unknown"), spectrum.map { "spectrum: " + ($0.rejectReason ?? "unknown") }]
            return Fate(rejectReason: reasons.compactMap { $0 }.joined(separator: "; "),
                        fileError: image.fileError || (spectrum?.fileError ?? false))
        }
    }

    public static let columns: [ColumnName] = [.imageFile, .specFile, .model, .logAge, .mh] + ColumnName.intervalColumns
        + [.oodScore, .oodFlag, .outsideLabelRange, .accepted, .rejectReason, .spectrumReason]

    public func run() throws -> Summary {
        let start = Date()
        let engine = try PredictionEngine(modelDirectory: modelDirectory, threads: threads)
        let catalog = shard.select(try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: ColumnName.imageFile.rawValue,
                                                             kind: "images", include: Catalog.isJPEGFile))
        let names = try catalog.column(.imageFile)
        let specs = spectraDirectory != nil ? try catalog.column(.specFile) : nil
        // A catalog's S/N (SDSS's snr_r) narrows the intervals of galaxies predicted from images alone.
        let catalogSNR = catalog.has(.snrR) ? try catalog.doubles(.snrR) : nil
        let out = try PredictionWriter(path: shard.outputFile(for: outputPath), columns: Self.columns)
        out.keywords = engine.fitsKeywords
        out.manifest = engine.manifest
        if !shard.isWhole { out.manifest["shard"] = shard.description }
        var predicted = 0
        let job = CatalogJob(name: "predict", inputs: "images", threads: threads, showProgress: showProgress, batchSize: batchSize)
        let fates = try job.run(count: names.count, source: catalogPath ?? imagesDirectory, label: { names[$0] }, process: { i in
            engine.preprocess(image: imagesDirectory + "/" + names[i], spectrum: specs.map { spectraDirectory! + "/" + $0[i] })
        }) { rows, outcomes in
            let batch = try engine.rows(images: rows.map { names[$0] }, spectra: specs.map { s in rows.map { s[$0] } },
                                        snr: catalogSNR.map { c in rows.map { c[$0] } }, outcomes: outcomes)
            predicted += batch.filter { $0[PredictionEngine.acceptedColumn] == "true" }.count
            try out.append(batch)
        }
        try out.finish()
        return Summary(total: fates.count, predicted: predicted, seconds: Date().timeIntervalSince(start))
    }
}

/// The FITS header cards of a calibrated predictions table (values kept under 68 characters).
func calibrationKeywords(_ c: Calibration) -> [(key: String, value: String, comment: String)] {
    [("CALMETH", "split-conformal, normalised score", "interval method"),
     ("CALSIGMA", "ridge on log|res|: tails,size,bright,OOD,S/N", "difficulty model sigma(x)"),
     ("CALLEVEL", "0.68 0.95", "central interval levels"),
     ("CALSET", String(c.calibrationSet.suffix(68)), "calibration set"),
     ("OODMETH", "Mahalanobis, M3 features, Ledoit-Wolf", "OOD score method"),
     ("OODTHR", c.ood.threshold.map { String(format: "%.4f", $0) } ?? "none", "ood_flag: score above (calib. 99th pct)"),
     ("LABRANGE", String(format: "age %.3f..%.3f mh %.3f..%.3f", c.ood.labelRange[0][0], c.ood.labelRange[0][1],
                         c.ood.labelRange[1][0], c.ood.labelRange[1][1]), "training label range")]
}

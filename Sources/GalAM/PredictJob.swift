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
        let predictor = try Predictor(modelDirectory: modelDirectory, threads: threads)
        let warn = { (s: String) in FileHandle.standardError.write(Data((s + "\n").utf8)) }
        // A model whose validation split is too small to calibrate still predicts, without intervals.
        var calibrated: (Calibration, MahalanobisScorer)?
        do { calibrated = try Calibration.loadOrFit(modelDirectory: modelDirectory, log: warn) } catch let e as CalibrationUnavailable {
            warn("predict: no intervals or OOD scores: \(e)")
        }
        let stages = predictor.preprocessing
        let catalog = shard.select(try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: ColumnName.imageFile.rawValue,
                                                             kind: "images", include: Catalog.isJPEGFile))
        let names = try catalog.column(.imageFile)
        let specs = spectraDirectory != nil ? try catalog.column(.specFile) : nil
        // A catalog's S/N (SDSS's snr_r) narrows the intervals of galaxies predicted from images alone.
        let catalogSNR = catalog.has(.snrR) ? try catalog.doubles(.snrR) : nil
        let out = try PredictionWriter(path: shard.outputFile(for: outputPath), columns: Self.columns)
        if let calibration = calibrated?.0 {
            out.keywords = calibrationKeywords(calibration)
            out.manifest = ["interval_method": calibration.intervalMethod, "ood_method": calibration.oodMethod,
                            "calibration_set": calibration.calibrationSet, "intervals": "central 68 % and 95 %, per parameter",
                            "ood_threshold": calibration.ood.threshold.map { String($0) } ?? "none (fewer than 99 calibration galaxies)",
                            "label_range": "log age \(calibration.ood.labelRange[0]), [M/H] \(calibration.ood.labelRange[1]) (training split)"]
        } else {
            out.manifest = ["interval_method": "none: the model could not be calibrated (too few validation galaxies)"]
        }
        if !shard.isWhole { out.manifest["shard"] = shard.description }
        var predicted = 0
        let size = predictor.info.imageSize, channels = predictor.info.channels
        let job = CatalogJob(name: "predict", inputs: "images", threads: threads, showProgress: showProgress, batchSize: batchSize)
        let fates = try job.run(count: names.count, source: catalogPath ?? imagesDirectory, label: { names[$0] }, process: { i in
            Outcome(image: stages.images.process(path: imagesDirectory + "/" + names[i]),
                    spectrum: specs.map { stages.spectra.process(path: spectraDirectory! + "/" + $0[i]) })
        }) { rows, outcomes in
            let blank = [String](repeating: "", count: 11)
            var batchRows = zip(rows, outcomes).map { i, o in
                [names[i], specs?[i] ?? "", "", "", ""] + blank + ["false", o.fate.rejectReason ?? "",
                 o.spectrum.flatMap { $0.accepted ? nil : $0.rejectReason } ?? ""]
            }
            // The networks run once per batch on the accepted galaxies.
            let bySpectrum = outcomes.indices.filter { outcomes[$0].spectrum?.accepted == true }
            let byImage = outcomes.indices.filter { outcomes[$0].spectrum?.accepted != true && outcomes[$0].image.accepted }
            let fromSpectra = try predictor.predict(spectra: bySpectrum.flatMap { outcomes[$0].spectrum!.vector! }, count: bySpectrum.count)
            let fromImages = predictor.predictWithFeatures(images: byImage.flatMap { outcomes[$0].image.output! }, count: byImage.count)
            // OOD scores come from the image: galaxies predicted from their spectrum get one when their image passed too.
            let spectraWithImage = bySpectrum.filter { outcomes[$0].image.accepted }
            let extra = predictor.imageFeatures(images: spectraWithImage.flatMap { outcomes[$0].image.output! }, count: spectraWithImage.count)
            var ood: [Int: Double] = [:]
            if let scorer = calibrated?.1 {
                for (j, k) in byImage.enumerated() { ood[k] = scorer.score(fromImages.features[(j * scorer.width)..<((j + 1) * scorer.width)]) }
                for (j, k) in spectraWithImage.enumerated() { ood[k] = scorer.score(extra[(j * scorer.width)..<((j + 1) * scorer.width)]) }
            }
            for (ks, model, p) in [(bySpectrum, PaperModel.Name.spectraOnly, fromSpectra), (byImage, predictor.imageModel, fromImages.values)] {
                for (k, v) in zip(ks, p) {
                    let o = outcomes[k], img = o.image.output
                    let snr = o.spectrum?.object.map { $0.snMedian.count > 2 ? $0.snMedian[2] : .nan } ?? catalogSNR?[rows[k]]
                    let d = DifficultyDescriptors(scaledPrediction: predictor.info.scaler.scale(v),
                                                  cropSize: img.map { DifficultyDescriptors.cropSize(image: $0, size: size, channels: channels) } ?? .nan,
                                                  brightness: img.map { DifficultyDescriptors.brightness(image: $0) } ?? .nan,
                                                  oodScore: ood[k] ?? .nan, snr: snr)
                    let cal = calibrated?.0
                    let b = (cal?.bounds(model, prediction: v, descriptors: d) ?? []).flatMap { $0 }.map { String(format: "%.5f", $0) }
                    let score = ood[k].map { String(format: "%.4f", $0) } ?? ""
                    let flag = ood[k].flatMap { s in cal.map { String($0.ood.flag(score: s)) } } ?? ""
                    batchRows[k][2...16] = ArraySlice([model.rawValue, String(format: "%.5f", v[0]), String(format: "%.5f", v[1])]
                        + (b.count == 8 ? b : [String](repeating: "", count: 8)) + [score, flag, cal.map { String($0.ood.outsideLabelRange(v)) } ?? "", "true"])
                }
            }
            predicted += bySpectrum.count + byImage.count
            try out.append(batchRows)
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

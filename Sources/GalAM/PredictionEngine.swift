import Foundation
import Imaging
import Spectra
import SurveyIO

/// What `galam predict` does to a batch of galaxies, whatever reads them and wherever the rows
/// go (a CSV or FITS table, `PredictJob`; JSON lines on standard output, `PredictStream`):
/// the model's pre-processing, M1 for galaxies whose spectrum passes, M2 + M3 + M4 for the
/// others, the calibrated intervals and the OOD score and flags — one row of
/// `PredictJob.columns` per galaxy.
struct PredictionEngine {
    let predictor: Predictor
    /// The calibration and OOD scorer (nil: the validation split was too small to calibrate).
    let calibrated: (Calibration, MahalanobisScorer)?

    static let acceptedColumn = PredictJob.columns.firstIndex(of: .accepted)!

    init(modelDirectory: String, threads: Int) throws {
        predictor = try Predictor(modelDirectory: modelDirectory, threads: threads)
        let warn = { (s: String) in FileHandle.standardError.write(Data((s + "\n").utf8)) }
        // A model whose validation split is too small to calibrate still predicts, without intervals.
        var calibrated: (Calibration, MahalanobisScorer)?
        do { calibrated = try Calibration.loadOrFit(modelDirectory: modelDirectory, log: warn) } catch let e as CalibrationUnavailable {
            warn("predict: no intervals or OOD scores: \(e)")
        }
        self.calibrated = calibrated
    }

    /// The FITS header cards of the predictions table.
    var fitsKeywords: [(key: String, value: String, comment: String)] { calibrated.map { calibrationKeywords($0.0) } ?? [] }

    /// The entries of a CSV's manifest: how the intervals and flags were made.
    var manifest: [String: String] {
        guard let calibration = calibrated?.0 else {
            return ["interval_method": "none: the model could not be calibrated (too few validation galaxies)"]
        }
        return ["interval_method": calibration.intervalMethod, "ood_method": calibration.oodMethod,
                "calibration_set": calibration.calibrationSet, "intervals": "central 68 % and 95 %, per parameter",
                "ood_threshold": calibration.ood.threshold.map { String($0) } ?? "none (fewer than 99 calibration galaxies)",
                "label_range": "log age \(calibration.ood.labelRange[0]), [M/H] \(calibration.ood.labelRange[1]) (training split)"]
    }

    /// One galaxy through the training set's stages (thread-safe: called on every thread).
    func preprocess(image: String, spectrum: String?) -> PredictJob.Outcome {
        let stages = predictor.preprocessing
        return PredictJob.Outcome(image: stages.images.process(path: image), spectrum: spectrum.map { stages.spectra.process(path: $0) })
    }

    /// The rows of a batch: `images[k]`, `spectra?[k]` are the names written, `snr?[k]` a
    /// catalog S/N (nil or NaN: none), `outcomes[k]` the pre-processed galaxy. The networks run
    /// once on the batch's accepted galaxies.
    func rows(images: [String], spectra: [String]?, snr: [Double]?, outcomes: [PredictJob.Outcome]) throws -> [[String]] {
        let size = predictor.info.imageSize, channels = predictor.info.channels
        let blank = [String](repeating: "", count: 11)
        var batchRows = outcomes.indices.map { k in
            [images[k], spectra?[k] ?? "", "", "", ""] + blank + ["false", outcomes[k].fate.rejectReason ?? "",
             outcomes[k].spectrum.flatMap { $0.accepted ? nil : $0.rejectReason } ?? ""]
        }
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
                let s = o.spectrum?.object.map { $0.snMedian.count > 2 ? $0.snMedian[2] : .nan } ?? snr?[k]
                let d = DifficultyDescriptors(scaledPrediction: predictor.info.scaler.scale(v),
                                              cropSize: img.map { DifficultyDescriptors.cropSize(image: $0, size: size, channels: channels) } ?? .nan,
                                              brightness: img.map { DifficultyDescriptors.brightness(image: $0) } ?? .nan,
                                              oodScore: ood[k] ?? .nan, snr: s)
                let cal = calibrated?.0
                let b = (cal?.bounds(model, prediction: v, descriptors: d) ?? []).flatMap { $0 }.map { String(format: "%.5f", $0) }
                let score = ood[k].map { String(format: "%.4f", $0) } ?? ""
                let flag = ood[k].flatMap { s in cal.map { String($0.ood.flag(score: s)) } } ?? ""
                batchRows[k][2...16] = ArraySlice([model.rawValue, String(format: "%.5f", v[0]), String(format: "%.5f", v[1])]
                    + (b.count == 8 ? b : [String](repeating: "", count: 8)) + [score, flag, cal.map { String($0.ood.outsideLabelRange(v)) } ?? "", "true"])
            }
        }
        return batchRows
    }
}

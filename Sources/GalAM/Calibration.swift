import Foundation
import NeuralNet
import Randomness
import SurveyIO

/// `calibration.json` of a model folder: per model and parameter, a normalised split-conformal
/// interval (`ConformalCalibration`), with and without the spectrum's S/N among the difficulty
/// descriptors; the OOD rule (Mahalanobis reference in `ood_reference.npy`, threshold, the
/// training label range). Written by `galam calibrate` (or by `evaluate` and `predict` when a
/// model has none); read by `predict` and `evaluate`.
public struct Calibration: Codable, Equatable, Sendable {
    public static let fileName = "calibration.json"
    public static let oodReferenceFile = "ood_reference.npy"
    /// The method, in words, as the FITS header and manifests record it.
    public static let intervalMethod = "split-conformal, normalised score |y-yhat|/sigma(x); sigma: ridge regression of log|residual| on prediction tails, crop size, brightness, OOD score and log S/N where known"
    public static let oodMethod = "Mahalanobis distance of M3 image features from the training split, Ledoit-Wolf shrinkage covariance"

    /// Intervals of one model.
    public struct ModelIntervals: Codable, Equatable, Sendable {
        /// Whether the model reads the image (then crop size, brightness and OOD score are descriptors).
        public var usesImage: Bool
        /// [log age, [M/H]] with log S/N among the descriptors, and without (images alone).
        public var withSNR: [ConformalCalibration]
        public var withoutSNR: [ConformalCalibration]
    }

    public var tool = "galam \(GalAMVersion.string)"
    public var intervalMethod = Calibration.intervalMethod
    public var oodMethod = Calibration.oodMethod
    /// Which galaxies calibrated, in words (e.g. "validation split of data64 (408 galaxies)").
    public var calibrationSet: String
    public var dataset: String
    public var seed: UInt64
    public var levels = Conformal.levels
    /// `PaperModel.Name` raw value → its intervals.
    public var models: [String: ModelIntervals]
    public var ood: OutOfDistributionRule
    /// SHA-256 of the `model.json` it was fitted for: a model trained again into the same
    /// folder makes the calibration stale.
    public var modelChecksum: String

    /// Reads the calibration of a model folder and its OOD reference.
    public static func load(modelDirectory dir: String) throws -> (Calibration, MahalanobisScorer) {
        let path = dir + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: "missing; run `galam calibrate --model \(dir)`")
        }
        let cal: Calibration
        do { cal = try JSONDecoder().decode(Calibration.self, from: data) } catch {
            throw SurveyIOError(path: path, reason: "not a readable calibration (\(error)); run `galam calibrate --model \(dir)` again")
        }
        guard cal.modelChecksum == (try Provenance.sha256(ofFile: dir + "/model.json")) else {
            throw SurveyIOError(path: path, reason: "was fitted for another model.json (the model was trained again); run `galam calibrate --model \(dir)`")
        }
        let refPath = dir + "/" + oodReferenceFile
        let ref = try NPYArray<Float>(contentsOf: refPath)
        guard ref.shape.count == 2, ref.shape[1] == PaperModel.featureWidth, ref.shape[0] == ref.shape[1] + 1 else {
            throw SurveyIOError(path: refPath, reason: "shape \(ref.shape), expected [\(PaperModel.featureWidth + 1), \(PaperModel.featureWidth)]")
        }
        return (cal, scorer(fromReference: ref.values, width: ref.shape[1], shrinkage: cal.ood.shrinkage))
    }

    /// Loads the calibration, fitting it first (on the model's validation split) when absent.
    public static func loadOrFit(modelDirectory dir: String, log: (String) -> Void = { _ in }) throws -> (Calibration, MahalanobisScorer) {
        if !FileManager.default.fileExists(atPath: dir + "/" + fileName) {
            log("calibrate: \(dir) has no \(fileName); calibrating on its validation split")
            try CalibrationJob(modelDirectory: dir).run()
        } else if let data = FileManager.default.contents(atPath: dir + "/" + fileName),
                  let old = try? JSONDecoder().decode(Calibration.self, from: data),
                  old.modelChecksum != (try Provenance.sha256(ofFile: dir + "/model.json")) {
            log("calibrate: \(dir)/\(fileName) belongs to an earlier training of the model; calibrating again on its validation split")
            try CalibrationJob(modelDirectory: dir).run()
        }
        return try load(modelDirectory: dir)
    }

    /// The OOD reference as stored: row 0 the mean, rows 1… the Cholesky factor, float32.
    static func scorer(fromReference v: [Float], width p: Int, shrinkage: Double) -> MahalanobisScorer {
        MahalanobisScorer(width: p, mean: v[0..<p].map(Double.init), cholesky: v[p...].map(Double.init), shrinkage: shrinkage)
    }

    /// The intervals of `model`, nil when the calibration does not cover it.
    public func intervals(_ model: PaperModel.Name) -> ModelIntervals? { models[model.rawValue] }

    /// [lo68, hi68, lo95, hi95] of each parameter of one prediction.
    public func bounds(_ model: PaperModel.Name, prediction: [Double], descriptors d: DifficultyDescriptors) -> [[Double]]? {
        guard let m = intervals(model) else { return nil }
        let useSNR = d.snr.map { $0.isFinite && $0 > 0 } ?? false
        let x = d.vector(image: m.usesImage, snr: useSNR)
        return (0..<2).map { k in
            let c = useSNR ? m.withSNR[k] : m.withoutSNR[k]
            let h68 = c.halfWidth(level: 0.68, descriptors: x), h95 = c.halfWidth(level: 0.95, descriptors: x)
            return [prediction[k] - h68, prediction[k] + h68, prediction[k] - h95, prediction[k] + h95]
        }
    }
}

/// A calibration set too small to fit anything (fewer than 4 galaxies: 2 to fit σ, 2 to
/// conformalise). With fewer than 19 per half the 95 % interval is already unbounded.
public struct CalibrationUnavailable: Error, CustomStringConvertible {
    public var path: String
    public var count: Int
    public var description: String { "\(path): \(count) calibration galaxies, too few to calibrate intervals (at least 4; 38 for a bounded 95 % interval)" }
}

/// `galam calibrate`: fits the intervals and the OOD rule of a trained model folder on a
/// calibration set and stores them in the folder, without retraining.
///
/// The calibration set is, by default, the model's **validation split**: disjoint from the
/// training data and from the test split that measures coverage. It did choose each stage's
/// best epoch (and learning rate with `--lr-grid`), which can make its residuals slightly
/// smaller than a fresh set's; the test-split coverage in `evaluate` shows whether that
/// matters. `dataset` names another prepared dataset (galaxies never used in training or
/// selection), all of whose galaxies then calibrate. Either way the set is shuffled (seeded)
/// into two disjoint halves: the first fits the difficulty model σ(x), the second gives the
/// conformal quantiles — the split that keeps the coverage guarantee exact.
public struct CalibrationJob {
    public var modelDirectory: String
    /// Another prepared dataset to calibrate on (nil: the model's validation split).
    public var datasetDirectory: String?
    /// Threads the networks use.
    public var threads = ComputeContext.defaultThreads

    public init(modelDirectory: String, datasetDirectory: String? = nil) {
        self.modelDirectory = modelDirectory
        self.datasetDirectory = datasetDirectory
    }

    @discardableResult
    public func run() throws -> Calibration {
        let set = try ModelSet(modelDirectory: modelDirectory, threads: threads)
        let info = set.info
        let own = try LabeledDataset(directory: info.dataset)
        func same(_ a: String, _ b: String) -> Bool {
            URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath() == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
        }
        // The model's own dataset named again means its validation split, never its training galaxies.
        let other = datasetDirectory.flatMap { same($0, info.dataset) ? nil : $0 }
        let data = try other.map { try LabeledDataset(directory: $0) } ?? own
        guard data.imageSize == info.imageSize, data.channels == info.channels, data.spectrumLength == info.spectrumLength else {
            throw SurveyIOError(path: data.directory, reason: "holds \(data.imageSize) px × \(data.channels) images and \(data.spectrumLength)-pixel spectra; the model takes \(info.imageSize) px × \(info.channels) and \(info.spectrumLength)")
        }
        let rows = other == nil ? own.indices(.validation) : Array(0..<data.count)
        guard rows.count >= 4 else { throw CalibrationUnavailable(path: data.directory, count: rows.count) }
        let setName = other == nil ? "validation split of \(own.directory) (\(rows.count) galaxies)" : "all of \(data.directory) (\(rows.count) galaxies)"

        // OOD reference: M3 features of the training split.
        let train = own.indices(.train)
        let trainFeatures = set.run(own, rows: train, models: false).imageFeatures
        let fitted = try MahalanobisScorer(fitting: trainFeatures, count: train.count, width: PaperModel.featureWidth)
        let reference = fitted.mean.map(Float.init) + fitted.cholesky.map(Float.init)
        // Score with the stored (float32) reference, exactly as predict will.
        let scorer = Calibration.scorer(fromReference: reference, width: PaperModel.featureWidth, shrinkage: fitted.shrinkage)

        let out = set.run(data, rows: rows)
        let scores = scorer.scores(out.imageFeatures, count: rows.count)
        let range = (0..<2).map { k in [train.map { own.targets[$0][k] }.min() ?? .nan, train.map { own.targets[$0][k] }.max() ?? .nan] }

        // Seeded halves: fit σ on one, conformalise on the other.
        var order = Array(rows.indices)
        var rng = SplitMix64(seed: info.config.seed ^ 0xC0FF_0CA1)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let fitHalf = Array(order[..<(order.count / 2)]), calHalf = Array(order[(order.count / 2)...])

        let images = rows.map { data.images.row($0) }
        let crop = images.map { DifficultyDescriptors.cropSize(image: $0, size: data.imageSize, channels: data.channels) }
        let bright = images.map { DifficultyDescriptors.brightness(image: $0) }
        var models: [String: Calibration.ModelIntervals] = [:]
        for (name, predictions) in out.predictions {
            let usesImage = name != .spectraOnly
            let d = rows.indices.map { j in
                DifficultyDescriptors(scaledPrediction: info.scaler.scale(predictions[j]), cropSize: crop[j], brightness: bright[j],
                                      oodScore: scores[j], snr: data.snr[rows[j]])
            }
            func fit(_ snr: Bool) -> [ConformalCalibration] {
                let x = d.map { $0.vector(image: usesImage, snr: snr) }
                return (0..<2).map { k in
                    ConformalCalibration.fit(predictions: predictions.map { $0[k] }, labels: rows.map { data.targets[$0][k] },
                                             descriptors: x, fit: fitHalf, calibration: calHalf)
                }
            }
            models[name.rawValue] = .init(usesImage: usesImage, withSNR: fit(true), withoutSNR: fit(false))
        }
        let rule = OutOfDistributionRule(method: Calibration.oodMethod, threshold: Conformal.quantile(scores, coverage: 0.99).nonInfinite, thresholdLevel: 0.99,
                                         shrinkage: fitted.shrinkage, trainingCount: train.count, labelRange: range)
        let cal = Calibration(calibrationSet: setName, dataset: data.directory, seed: info.config.seed, models: models, ood: rule,
                              modelChecksum: try Provenance.sha256(ofFile: modelDirectory + "/model.json"))
        try NPYArray(shape: [PaperModel.featureWidth + 1, PaperModel.featureWidth], values: reference)
            .write(to: modelDirectory + "/" + Calibration.oodReferenceFile)
        try Provenance.writeJSON(cal, to: modelDirectory + "/" + Calibration.fileName)
        return cal
    }
}

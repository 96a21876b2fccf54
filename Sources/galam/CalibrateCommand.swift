import ArgumentParser
import Foundation
import GalAM
import NeuralNet

/// `galam calibrate`: the intervals and OOD rule of a trained model, on a calibration set.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate per-galaxy 68 % and 95 % intervals and the OOD flag of a trained model (no retraining).",
        discussion: """
        Split-conformal prediction with a normalised score: on one half of the calibration set \
        a ridge regression of log|residual| on difficulty descriptors (prediction tails, the \
        galaxy's crop size and brightness, its OOD score, log S/N where known) gives σ(x); the \
        other half's scores |y − ŷ|/σ give the quantiles, so ŷ ± q·σ(x) covers 68 % and 95 % \
        of new galaxies like the calibration set. The OOD score is the Mahalanobis distance of \
        M3's image features from the training split (Ledoit–Wolf shrinkage covariance); the \
        flag threshold is the calibration set's 99th percentile. Writes calibration.json and \
        ood_reference.npy into the model folder; predict and evaluate use them.

        Default calibration set: the model's validation split (disjoint from training and from \
        the test split; it also chose the best epochs, see the README). --data calibrates on \
        all galaxies of another prepared dataset instead.

        Examples:
          galam calibrate --model model/
          galam calibrate --model model/ --data calib-data/
        """)

    @Option(help: "Model folder from `galam train`.") var model: String
    @Option(help: "A prepared dataset (`galam prepare`) to calibrate on; default: the model's validation split.") var data: String?
    @OptionGroup var common: RunOptions

    func run() throws {
        var job = CalibrationJob(modelDirectory: model, datasetDirectory: data)
        job.threads = common.threads
        let c = try job.run()
        print("calibrate: \(c.calibrationSet)")
        for name in PaperModel.Name.allCases {
            guard let m = c.intervals(name) else { continue }
            print(String(format: "  %@: 68 %% / 95 %% quantiles of |err|/σ: age %.3f / %.3f, [M/H] %.3f / %.3f", name.displayName,
                         m.withSNR[0].quantile(level: 0.68), m.withSNR[0].quantile(level: 0.95),
                         m.withSNR[1].quantile(level: 0.68), m.withSNR[1].quantile(level: 0.95)))
        }
        print(String(format: "  OOD: Ledoit–Wolf shrinkage %.3f, flag above %.3f (99th percentile)", c.ood.shrinkage, c.ood.threshold ?? .infinity))
        print("  → \(model)/\(Calibration.fileName), \(model)/\(Calibration.oodReferenceFile)")
    }
}

import Foundation
import NeuralNet

/// How the paper's staged training runs. Defaults follow the authors' code
/// (architecture.md): Adam, MSE, L2 where they put it, batch 32, 100 epochs, learning rates
/// 1e-4 for M1, M3, M4 and 1e-3 for M2.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var epochs = 100
    public var batchSize = 32
    public var seed: UInt64 = 1
    public var learningRates: [String: Float] = ["m1": 1e-4, "m2": 1e-3, "m3": 1e-4, "m4": 1e-4]
    /// When set, each stage is trained at every rate and the best by validation loss is kept
    /// (the paper's grid search).
    public var learningRateGrid: [Float]?
    /// Which fusions to train; the first is the model `predict` uses.
    public var fusions: [Fusion] = [.learned, .frozen]
    /// LayerNormalization ε of the fusion (Keras default 1e-3; one variant of the authors' code 1e-6).
    public var layerNormEpsilon: Float = 1e-3
    /// M2 outputs below this are set to 0 after prediction, as the authors did.
    public var simulatedFeatureFloor: Float = 1e-4
    /// Convolution algorithm while training: `direct` (TensorFlow's), `auto` (oneDNN may use
    /// Winograd), or nil to choose by image size — Winograd trains M3 at 128 px 1.7× faster
    /// but M3 at 64 px 7× slower on this machine (`galam bench nn --conv-algorithm auto`).
    public var convAlgorithm: String?
    /// Samples per forward/backward pass when smaller than the batch (`--micro-batch`): the
    /// gradients of the passes are summed into the batch's, so the update is the batch's to
    /// float rounding; less activation memory. Nil: the whole batch at once.
    public var microBatch: Int?
    /// Random dihedral transforms (rotations by multiples of 90°, mirrors) of M2's and M3's
    /// training images, one per galaxy per epoch (`--augment dihedral`); nil: none, as in the
    /// paper. Never applied to validation, test or prediction images.
    public var augmentation: Augmentation?
    /// Stop a stage after this many epochs without a better validation loss and keep its best
    /// epoch (`--early-stopping`); nil: every epoch is trained (the paper).
    public var earlyStopping: EarlyStopping?
    /// The learning rate per epoch (`--lr-schedule`); nil: constant (the paper).
    public var learningRateSchedule: LearningRateSchedule?
    /// Distillation (`--distill w`): M3 trains towards (1 − w)·label + w·M1's prediction from
    /// the spectrum (spectra as privileged information: M1 is less noisy than the fitted labels
    /// at low S/N, and prediction still needs only the image); validation stays on the labels.
    /// Nil: labels alone (the paper).
    public var distillation: Float?
    /// Auxiliary features (`--aux-features w`): M3 also learns M1's 1024 spectral features, with
    /// weight w beside its labels' loss, validated on the labels; the paper's M3 is then cut
    /// from it (`AuxiliaryFeatures`). Nil: labels alone (the paper).
    public var auxiliaryFeatures: Float?
    /// Test-time averaging (`--test-time-averaging`): every model that reads the image predicts
    /// each of its 8 dihedral transforms and reports the mean — in `predictions.csv`, and so in
    /// evaluation and calibration, and in `predict` (8× the networks' inference). The OOD score
    /// stays the untransformed image's. Nil: the image as it is (the paper). It changes no
    /// trained stage, so retraining a folder with it only recomputes the predictions.
    public var testTimeAveraging: Bool?

    /// Image augmentations.
    public enum Augmentation: String, Codable, CaseIterable, Sendable { case dihedral }

    /// The algorithm for an image size (see `convAlgorithm`).
    public func convAlgorithm(imageSize: Int) -> String { convAlgorithm ?? (imageSize >= 96 ? "auto" : "direct") }

    public init() {}

    public func learningRate(_ stage: String) -> Float { learningRates[stage] ?? 1e-4 }
}

import Foundation
import NeuralNet
import SurveyIO

/// MMLforGalAM defined once: the models it reports, the stages (and checkpoints) of a model
/// folder, and the transforms between its networks. Training (`PaperPipeline`), prediction
/// (`Predictor`), evaluation and the report all go through it, so adding a fusion mode or a
/// fifth network touches this file and `PaperNetworks` (the layers) alone.
public enum PaperModel {
    /// Width of the spectral (M1, M2) and image (M3) feature vectors.
    public static let featureWidth = 1024
    /// (log age, [M/H]).
    public static let labelCount = 2
    /// Smallest image side M2 accepts: its four valid 3×3 convolutions with 2×2 pools leave
    /// nothing of a smaller image (46 → 44 → 22 → 20 → 10 → 8 → 4 → 2 → 1).
    public static let minimumImageSize = 46

    /// Throws `InvalidSetting` when M2 cannot take images of `size` pixels.
    public static func checkImageSize(_ size: Int) throws {
        guard size >= minimumImageSize else {
            throw InvalidSetting("--image-size", "\(size) px is below \(minimumImageSize) px, the smallest image M2's four valid 3×3 convolutions and 2×2 pools accept")
        }
    }

    /// M4's fusion: `learned` trains the attention projections with the regressor (the paper's
    /// text); `frozen` applies the untrained attention once and trains only the regressor on
    /// per-sample min–max normalised fused vectors (the authors' code).
    public enum Fusion: String, Codable, CaseIterable, Sendable { case learned, frozen }

    /// The models GalAM reports, in the order of the paper's Table 1.
    public enum Name: String, CaseIterable, Codable, Sendable {
        case multimodalLearned = "multimodal_learned", multimodalFrozen = "multimodal_frozen"
        case imageOnly = "image_only", spectraOnly = "spectra_only", withRealSpectra = "with_real_spectra"

        /// The multi-modal model of a fusion mode.
        public static func multimodal(_ fusion: Fusion) -> Name { fusion == .learned ? .multimodalLearned : .multimodalFrozen }

        /// How tables and figures name the model.
        public var displayName: String {
            switch self {
            case .multimodalLearned: return "MMLforGalAM (learned fusion)"
            case .multimodalFrozen: return "MMLforGalAM (frozen fusion, authors' code)"
            case .imageOnly: return "image-only (M3)"
            case .spectraOnly: return "spectra-only (M1)"
            case .withRealSpectra: return "MMLforGalAM with real spectra"
            }
        }

        /// Table order of a model named in a predictions file (unknown names last).
        public static func order(_ raw: String) -> Int { allCases.firstIndex { $0.rawValue == raw } ?? allCases.count }
    }

    /// A trained stage of a model folder; its `key` names its checkpoint in `model.json` and
    /// its folder under `stages/`.
    public enum Stage: Hashable, Sendable {
        case m1, m2, m3
        /// M4 in a fusion mode; `realSpectra`: fed M1's features as S (the ablation).
        case m4(Fusion, realSpectra: Bool)
        /// The untrained attention block the frozen fusion applies (saved so predict reuses it).
        case frozenFusionBlock(realSpectra: Bool)

        public var key: String {
            switch self {
            case .m1: return "m1"
            case .m2: return "m2"
            case .m3: return "m3"
            case let .m4(f, real): return (real ? "m4-real-" : "m4-") + f.rawValue
            case let .frozenFusionBlock(real): return Stage.m4(.frozen, realSpectra: real).key + "-fusion"
            }
        }

        /// The progress and history label.
        public var label: String {
            switch self {
            case .m1: return "M1 (spectra)"
            case .m2: return "M2 (images → spectral features)"
            case .m3: return "M3 (images)"
            case let .m4(f, false): return "M4 (\(f.rawValue) fusion)"
            case let .m4(f, true): return "M4 with real spectra (\(f.rawValue))"
            case .frozenFusionBlock: return "frozen fusion block"
            }
        }

        /// The `TrainingConfig.learningRates` entry of the stage.
        public var learningRateKey: String {
            switch self {
            case .m1: return "m1"
            case .m2: return "m2"
            case .m3: return "m3"
            case .m4, .frozenFusionBlock: return "m4"
            }
        }
    }

    // MARK: The transforms between the networks

    /// M1's 1024-d `features` of spectra, min–max normalised per sample: M2's targets and the
    /// S of the with-real-spectra ablation.
    public static func spectralFeatures(m1: Network, spectra: [Float], count: Int) -> [Float] {
        normalisedFeatures(infer(m1, inputs: [spectra], count: count, layer: "features"))
    }

    /// M2's simulated spectral features of images (the S of M4), with outputs below `floor`
    /// set to 0 as the authors did.
    public static func simulatedFeatures(m2: Network, images: [Float], count: Int, floor: Float) -> [Float] {
        infer(m2, inputs: [images], count: count).map { $0 < floor ? 0 : $0 }
    }

    /// M3's 1024-d `features` of images, min–max normalised per sample (the I of M4).
    public static func imageFeatures(m3: Network, images: [Float], count: Int) -> [Float] {
        normalisedFeatures(infer(m3, inputs: [images], count: count, layer: "features"))
    }

    /// Per-sample min–max of consecutive `featureWidth`-long vectors.
    public static func normalisedFeatures(_ v: [Float]) -> [Float] {
        var out = v
        let w = featureWidth
        for r in 0..<(v.count / w) { perSampleMinMax(&out[(r * w)..<((r + 1) * w)]) }
        return out
    }

    /// `predict` (its outputs for a batch of network-input images, one or more arrays, given the
    /// transform applied and the transformed images) run on the images as they are or, when
    /// `averaging`, on each of their 8 dihedral transforms (the identity first), the outputs
    /// averaged element by element (`TrainingConfig.testTimeAveraging`).
    public static func dihedralAverage(images: [Float], count: Int, size: Int, channels: Int, averaging: Bool,
                                       _ predict: (Dihedral, [Float]) -> [[Float]]) -> [[Float]] {
        guard averaging else { return predict(.identity, images) }
        var sums: [[Double]] = []
        for t in Dihedral.allCases {
            let outputs = predict(t, t == .identity ? images : t.apply(toBatch: images, count: count, size: size, channels: channels))
            if sums.isEmpty { sums = outputs.map { [Double](repeating: 0, count: $0.count) } }
            for (k, y) in outputs.enumerated() { for i in y.indices { sums[k][i] += Double(y[i]) } }
        }
        let n = Double(Dihedral.allCases.count)
        return sums.map { $0.map { Float($0 / n) } }
    }

    /// Images as the networks take them: uint8 / 255, as the authors' code.
    public static func networkInput(images: [UInt8]) -> [Float] { images.map { Float($0) / 255 } }

    // The same transforms streamed from a dataset source into a float `.npy` (training).

    /// `spectralFeatures` of every sample of `source` (spectra), written to `path`; returns M1's
    /// (scaled) predictions from the same pass.
    public static func writeSpectralFeatures(m1: Network, of source: BatchSource, to path: String) throws -> [Float] {
        try writeFeatures(m1, layer: "features", of: source, to: path, transform: normalisedFeatures)
    }

    /// `simulatedFeatures` of every sample of `source` (images), written to `path`.
    public static func writeSimulatedFeatures(m2: Network, of source: BatchSource, floor: Float, to path: String) throws {
        try writeOutputs(m2, of: source, to: path) { $0.map { $0 < floor ? 0 : $0 } }
    }

    /// `imageFeatures` of every sample of `source` (images), written to `path`; returns M3's
    /// (scaled) predictions from the same pass.
    public static func writeImageFeatures(m3: Network, of source: BatchSource, to path: String) throws -> [Float] {
        try writeFeatures(m3, layer: "features", of: source, to: path, transform: normalisedFeatures)
    }
}

/// M4 in one fusion mode: the network that is trained and, for the frozen fusion, the
/// untrained attention block applied once before it. Training and prediction both feed it
/// through `inputs(s:i:count:)`, so the two cannot drift apart.
public struct FusionHead {
    public let fusion: PaperModel.Fusion
    /// What the optimiser trains: all of M4 (learned) or its regressor alone (frozen).
    public let network: Network
    /// The attention block the frozen fusion applies untrained (nil when learned).
    public let frozenBlock: Graph?

    /// A fresh head (weights from `seed`) computing with `context`.
    public init(fusion: PaperModel.Fusion, epsilon: Float, seed: UInt64, context: ComputeContext = .standard) {
        self.fusion = fusion
        switch fusion {
        case .learned:
            network = PaperNetworks.m4(trainFusion: true, epsilon: epsilon, seed: seed, context: context)
            frozenBlock = nil
        case .frozen:
            network = PaperNetworks.m4Regressor(width: PaperModel.featureWidth, seed: seed, context: context)
            frozenBlock = FrozenFusion.make(epsilon: epsilon, seed: seed, context: context)
        }
    }

    /// `inputs(s:i:count:)` for training, streamed: S and I as dataset columns; for the frozen
    /// fusion the block's normalised output for every row is written to `fusedPath` first.
    public func inputColumns(s: DatasetColumn, i: DatasetColumn, rowCount: Int, fusedPath: String) throws -> [DatasetColumn] {
        guard let frozenBlock else { return [s, i] }
        let all = DatasetSource(rows: Array(0..<rowCount), inputs: [s, i])
        try writeOutputs(frozenBlock, of: all, to: fusedPath, transform: PaperModel.normalisedFeatures)
        return [try .floats(path: fusedPath)]
    }

    /// The columns `inputColumns` returns, once its fused file exists (another process wrote it).
    public func readInputColumns(s: DatasetColumn, i: DatasetColumn, fusedPath: String) throws -> [DatasetColumn] {
        frozenBlock == nil ? [s, i] : [try .floats(path: fusedPath)]
    }

    /// The network's inputs for `count` galaxies' S (simulated or real spectral features) and
    /// I (image features): both as they are (learned), or the frozen block's output normalised
    /// per sample (frozen).
    public func inputs(s: [Float], i: [Float], count: Int) -> [[Float]] {
        guard let frozenBlock else { return [s, i] }
        return [PaperModel.normalisedFeatures(infer(frozenBlock, inputs: [s, i], count: count))]
    }

    /// Scaled (log age, [M/H]) for each galaxy.
    public func predict(s: [Float], i: [Float], count: Int) -> [Float] {
        infer(network, inputs: inputs(s: s, i: i, count: count), count: count)
    }
}

/// The fusion block alone (attention + residual + LayerNorm + dropout, no head), as the
/// authors apply it: built from a seed, never trained.
public enum FrozenFusion {
    public static func make(epsilon: Float, seed: UInt64, context: ComputeContext = .standard) -> Graph {
        // trainFusion true only so the block's weights are listed (and so saved and loaded);
        // it is never handed to an optimiser.
        Graph.attentionFusion(width: PaperModel.featureWidth, heads: 8, keyDim: 1024, epsilon: epsilon, dropout: 0.1,
                              head: [], trainFusion: true, seed: seed, context: context)
    }
}

extension TrainingConfig {
    public typealias Fusion = PaperModel.Fusion
}

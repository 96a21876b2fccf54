import Foundation
import NeuralNet
import SurveyIO

/// MMLforGalAM's staged training on a prepared dataset (`galam train`):
/// M1 spectra → labels; M1 features; M2 images → M1 features; M3 images → labels; M3
/// features; M4 (S = M2's simulated features, I = M3's features) → labels, with learned and
/// frozen fusion; and the with-real-spectra ablation (M4 fed M1's features as S).
/// Each stage is cached and resumable (`StageRunner`); the model folder holds everything
/// `galam predict` and `galam evaluate` need.
public struct PaperPipeline {
    public var data: LabeledDataset
    public var modelDirectory: String
    public var config: TrainingConfig
    public var showProgress = true

    public init(data: LabeledDataset, modelDirectory: String, config: TrainingConfig) {
        self.data = data
        self.modelDirectory = modelDirectory
        self.config = config
    }

    /// Stage results for reports.
    public struct Result {
        public var histories: [(name: String, history: [EpochLoss], learningRate: Float)] = []
        public var predictionsPath: String
    }

    /// Model description written to `model.json`; `predict` rebuilds the networks from it.
    public struct ModelInfo: Codable {
        public var tool: String
        public var imageSize: Int
        public var channels: Int
        public var bands: String
        public var spectrumLength: Int
        public var scaler: LabelScaler
        public var config: TrainingConfig
        /// Stage name → checkpoint path relative to the model folder.
        public var checkpoints: [String: String]
        public var dataset: String
    }

    public func run() throws -> Result {
        let fm = FileManager.default
        try fm.createDirectory(atPath: modelDirectory, withIntermediateDirectories: true)
        let runner = { () -> StageRunner in var r = StageRunner(root: modelDirectory + "/stages"); r.showProgress = showProgress; return r }()
        let tr = data.indices(.train), va = data.indices(.validation)
        let all = Array(0..<data.count)
        let scaler = LabelScaler(fitting: data.targets)
        func targets(_ rows: [Int]) -> [Float] { rows.flatMap { scaler.scale(data.targets[$0]).map(Float.init) } }
        func rows(_ a: [Float], _ width: Int, _ r: [Int]) -> [Float] { r.flatMap { a[($0 * width)..<(($0 + 1) * width)] } }
        let datasetKey = try Provenance.sha256(ofFile: data.directory + "/labels.csv") + (try Provenance.sha256(ofFile: data.directory + "/images.npy"))
            + (try Provenance.sha256(ofFile: data.directory + "/spectra.npy"))
        let size = data.imageSize, ch = data.channels, len = data.spectrumLength
        Conv.defaultAlgorithm = ConvAlgorithm(rawValue: config.convAlgorithm(imageSize: size)) ?? .direct
        var result = Result(predictionsPath: modelDirectory + "/predictions.csv")
        var checkpoints: [String: String] = [:]

        func stage(_ name: String, _ label: String, key: [String], lrName: String, make: () -> Network,
                   train: Dataset, validation: Dataset) throws -> Network {
            let rates = config.learningRateGrid ?? [config.learningRate(lrName)]
            var best: (Network, StageRunner.Outcome)?
            for lr in rates {
                let (m, o) = try runner.run(name: name, label: rates.count > 1 ? "\(label) lr \(lr)" : label, key: [datasetKey] + key,
                                            makeModel: make, train: train, validation: validation, epochs: config.epochs,
                                            learningRate: lr, batchSize: config.batchSize, seed: config.seed)
                if best == nil || o.bestValidation < best!.1.bestValidation { best = (m, o) }
            }
            result.histories.append((label, best!.1.history, best!.1.learningRate))
            checkpoints[name] = String(best!.1.directory.dropFirst(modelDirectory.count + 1)) + "/best.safetensors"
            return best!.0
        }

        // M1: spectra → labels; its 1024-d features become M2's targets.
        let spectraAll = data.spectra(all)
        let m1 = try stage("m1", "M1 (spectra)", key: ["m1", "\(len)"], lrName: "m1",
                           make: { PaperNetworks.m1(length: len, seed: config.seed) },
                           train: Dataset(inputs: [rows(spectraAll, len, tr)], targets: targets(tr), count: tr.count),
                           validation: Dataset(inputs: [rows(spectraAll, len, va)], targets: targets(va), count: va.count))
        let f1 = Self.normalisedFeatures(infer(m1, inputs: [spectraAll], count: data.count, layer: "features"), width: 1024)
        let m1Pred = infer(m1, inputs: [spectraAll], count: data.count)

        // M2: images → M1's features (simulated spectral features).
        let imagesAll = data.images(all)
        let px = size * size * ch
        let m2 = try stage("m2", "M2 (images → spectral features)", key: ["m2", "\(size)", "\(ch)", checkpoints["m1"]!], lrName: "m2",
                           make: { PaperNetworks.m2(size: size, channels: ch, seed: config.seed) },
                           train: Dataset(inputs: [rows(imagesAll, px, tr)], targets: rows(f1, 1024, tr), count: tr.count),
                           validation: Dataset(inputs: [rows(imagesAll, px, va)], targets: rows(f1, 1024, va), count: va.count))
        let f2 = infer(m2, inputs: [imagesAll], count: data.count).map { $0 < config.simulatedFeatureFloor ? 0 : $0 }

        // M3: images → labels; its features are I.
        let m3 = try stage("m3", "M3 (images)", key: ["m3", "\(size)", "\(ch)"], lrName: "m3",
                           make: { PaperNetworks.m3(size: size, channels: ch, seed: config.seed) },
                           train: Dataset(inputs: [rows(imagesAll, px, tr)], targets: targets(tr), count: tr.count),
                           validation: Dataset(inputs: [rows(imagesAll, px, va)], targets: targets(va), count: va.count))
        let f3 = Self.normalisedFeatures(infer(m3, inputs: [imagesAll], count: data.count, layer: "features"), width: 1024)
        let m3Pred = infer(m3, inputs: [imagesAll], count: data.count)

        // M4 in each fusion mode, and the with-real-spectra ablation (S = M1's features).
        var m4Preds: [(String, [Float])] = []
        for (i, fusion) in config.fusions.enumerated() {
            let keyS = [checkpoints["m2"]!, checkpoints["m3"]!]
            let (p, extra) = try trainM4(fusion: fusion, s: f2, i: f3, name: "m4-\(fusion.rawValue)", label: "M4 (\(fusion.rawValue) fusion)",
                                         key: keyS, stage: stage, targets: targets, tr: tr, va: va)
            checkpoints.merge(extra) { $1 }
            m4Preds.append(("multimodal_\(fusion.rawValue)", p))
            if i == 0 {
                let keyR = [checkpoints["m1"]!, checkpoints["m3"]!]
                let (r, extraR) = try trainM4(fusion: fusion, s: f1, i: f3, name: "m4-real-\(fusion.rawValue)",
                                              label: "M4 with real spectra (\(fusion.rawValue))", key: keyR, stage: stage,
                                              targets: targets, tr: tr, va: va)
                checkpoints.merge(extraR) { $1 }
                m4Preds.append(("with_real_spectra", r))
            }
        }

        // Predictions for every galaxy, inverse-scaled, beside the labels.
        let models: [(String, [Float])] = m4Preds + [("image_only", m3Pred), ("spectra_only", m1Pred)]
        try Predictions.write(data: data, scaler: scaler, models: models, to: result.predictionsPath)
        try Self.saveFeatures(f1, f2, data: data, to: modelDirectory)
        let info = ModelInfo(tool: "galam \(GalAMVersion.string)", imageSize: size, channels: ch,
                             bands: data.bands, spectrumLength: len, scaler: scaler, config: config,
                             checkpoints: checkpoints, dataset: data.directory)
        try Provenance.writeJSON(info, to: modelDirectory + "/model.json")
        try Provenance.writeJSON(result.histories.map { StageHistory(stage: $0.name, learningRate: $0.learningRate, epochs: $0.history) },
                                 to: modelDirectory + "/training.json")
        return result
    }

    /// M4 on (S, I) in one fusion mode; returns scaled predictions for every galaxy and the
    /// extra checkpoints it wrote (the frozen fusion block).
    func trainM4(fusion: TrainingConfig.Fusion, s: [Float], i: [Float], name: String, label: String, key: [String],
                 stage: (String, String, [String], String, () -> Network, Dataset, Dataset) throws -> Network,
                 targets: ([Int]) -> [Float], tr: [Int], va: [Int]) throws -> ([Float], [String: String]) {
        func rows(_ a: [Float], _ r: [Int]) -> [Float] { r.flatMap { a[($0 * 1024)..<(($0 + 1) * 1024)] } }
        let eps = config.layerNormEpsilon, seed = config.seed
        switch fusion {
        case .learned:
            let m = try stage(name, label, key + [name, "\(eps)"], "m4", { PaperNetworks.m4(trainFusion: true, epsilon: eps, seed: seed) },
                              Dataset(inputs: [rows(s, tr), rows(i, tr)], targets: targets(tr), count: tr.count),
                              Dataset(inputs: [rows(s, va), rows(i, va)], targets: targets(va), count: va.count))
            return (infer(m, inputs: [s, i], count: data.count), [:])
        case .frozen:
            // The authors' flow: the untrained fusion applied once, per-sample min–max, then
            // only the regressor learns. The fusion block is saved so predict reuses it.
            let fusionBlock = FrozenFusion.make(epsilon: eps, seed: seed)
            let fusedPath = modelDirectory + "/stages/\(name)-fusion.safetensors"
            try AtomicFile.produce(fusedPath) { try Checkpoint.save(fusionBlock, to: URL(fileURLWithPath: $0)) }
            let fused = Self.normalisedFeatures(infer(fusionBlock, inputs: [s, i], count: data.count), width: 1024)
            let m = try stage(name, label, key + [name, "\(eps)"], "m4", { PaperNetworks.m4Regressor(seed: seed) },
                              Dataset(inputs: [rows(fused, tr)], targets: targets(tr), count: tr.count),
                              Dataset(inputs: [rows(fused, va)], targets: targets(va), count: va.count))
            return (infer(m, inputs: [fused], count: data.count), [name + "-fusion": "stages/\(name)-fusion.safetensors"])
        }
    }

    /// Per-sample min–max of consecutive `width`-long vectors.
    public static func normalisedFeatures(_ v: [Float], width: Int) -> [Float] {
        var out = v
        for r in 0..<(v.count / width) {
            var slice = out[(r * width)..<((r + 1) * width)]
            perSampleMinMax(&slice)
            out.replaceSubrange((r * width)..<((r + 1) * width), with: slice)
        }
        return out
    }

    /// M1's (real) and M2's (simulated) spectral features, for the R² analysis and figures.
    static func saveFeatures(_ real: [Float], _ simulated: [Float], data: LabeledDataset, to dir: String) throws {
        try NPYArray(shape: [data.count, 1024], values: real).write(to: dir + "/features_m1.npy")
        try NPYArray(shape: [data.count, 1024], values: simulated).write(to: dir + "/features_m2.npy")
    }
}

/// One stage's loss history (`training.json`).
public struct StageHistory: Codable {
    public var stage: String
    public var learningRate: Float
    public var epochs: [EpochLoss]
}

/// The fusion block alone (attention + residual + LayerNorm + dropout, no head), as the
/// authors apply it: built from a seed, never trained.
public enum FrozenFusion {
    public static func make(epsilon: Float, seed: UInt64) -> AttentionFusion {
        // trainFusion true only so the block's weights are listed (and so saved and loaded);
        // it is never handed to an optimiser.
        AttentionFusion(width: 1024, heads: 8, keyDim: 1024, epsilon: epsilon, dropout: 0.1, head: [], trainFusion: true, seed: seed)
    }
}

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
    /// Keep each finished stage's resumable optimiser state (`state.safetensors`); by default
    /// a finished stage keeps only its best weights and history.
    public var keepState = false

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

    public func run() throws -> Result {
        try FileManager.default.createDirectory(atPath: modelDirectory, withIntermediateDirectories: true)
        var runner = StageRunner(root: modelDirectory + "/stages")
        runner.showProgress = showProgress
        runner.keepState = keepState
        let contract = try data.preprocessing()
        try PaperModel.checkImageSize(data.imageSize)
        let tr = data.indices(.train), va = data.indices(.validation)
        let all = Array(0..<data.count)
        let scaler = LabelScaler(fitting: data.targets)
        func targets(_ rows: [Int]) -> [Float] { rows.flatMap { scaler.scale(data.targets[$0]).map(Float.init) } }
        func rows(_ a: [Float], _ r: [Int]) -> [Float] {
            let width = a.count / max(data.count, 1)
            return r.flatMap { a[($0 * width)..<(($0 + 1) * width)] }
        }
        func datasets(_ inputs: [[Float]], _ y: ([Int]) -> [Float]) -> (Dataset, Dataset) {
            (Dataset(inputs: inputs.map { rows($0, tr) }, targets: y(tr), count: tr.count),
             Dataset(inputs: inputs.map { rows($0, va) }, targets: y(va), count: va.count))
        }
        let datasetKey = try Provenance.sha256(ofFile: data.directory + "/labels.csv") + (try Provenance.sha256(ofFile: data.directory + "/images.npy"))
            + (try Provenance.sha256(ofFile: data.directory + "/spectra.npy"))
        let size = data.imageSize, ch = data.channels, len = data.spectrumLength, width = PaperModel.featureWidth
        Conv.defaultAlgorithm = ConvAlgorithm(rawValue: config.convAlgorithm(imageSize: size)) ?? .direct
        var result = Result(predictionsPath: modelDirectory + "/predictions.csv")
        var checkpoints: [String: String] = [:]

        /// Trains `stage` at each learning rate of the grid and keeps the best by validation loss.
        func train(_ stage: PaperModel.Stage, key: [String], make: () -> Network, _ sets: (Dataset, Dataset)) throws -> Network {
            let rates = config.learningRateGrid ?? [config.learningRate(stage.learningRateKey)]
            var best: (Network, StageRunner.Outcome)?
            for lr in rates {
                let (m, o) = try runner.run(name: stage.key, label: rates.count > 1 ? "\(stage.label) lr \(lr)" : stage.label,
                                            key: [datasetKey] + key, makeModel: make, train: sets.0, validation: sets.1,
                                            epochs: config.epochs, learningRate: lr, batchSize: config.batchSize, seed: config.seed)
                if best == nil || o.bestValidation < best!.1.bestValidation { best = (m, o) }
            }
            result.histories.append((stage.label, best!.1.history, best!.1.learningRate))
            checkpoints[stage.key] = String(best!.1.directory.dropFirst(modelDirectory.count + 1)) + "/best.safetensors"
            return best!.0
        }

        // M1: spectra → labels; its 1024-d features become M2's targets.
        let spectraAll = data.spectra(all)
        let m1 = try train(.m1, key: ["m1", "\(len)"], make: { PaperNetworks.m1(length: len, seed: config.seed) },
                           datasets([spectraAll], targets))
        let f1 = PaperModel.spectralFeatures(m1: m1, spectra: spectraAll, count: data.count)
        let m1Pred = infer(m1, inputs: [spectraAll], count: data.count)

        // M2: images → M1's features (simulated spectral features).
        let imagesAll = data.images(all)
        let m2 = try train(.m2, key: ["m2", "\(size)", "\(ch)", checkpoints["m1"]!],
                           make: { PaperNetworks.m2(size: size, channels: ch, seed: config.seed) }, datasets([imagesAll]) { rows(f1, $0) })
        let f2 = PaperModel.simulatedFeatures(m2: m2, images: imagesAll, count: data.count, floor: config.simulatedFeatureFloor)

        // M3: images → labels; its features are I.
        let m3 = try train(.m3, key: ["m3", "\(size)", "\(ch)"], make: { PaperNetworks.m3(size: size, channels: ch, seed: config.seed) },
                           datasets([imagesAll], targets))
        let f3 = PaperModel.imageFeatures(m3: m3, images: imagesAll, count: data.count)
        let m3Pred = infer(m3, inputs: [imagesAll], count: data.count)

        // M4 in each fusion mode, and (for the first) the with-real-spectra ablation: S = M1's features.
        var m4Preds: [(PaperModel.Name, [Float])] = []
        for (n, fusion) in config.fusions.enumerated() {
            for real in n == 0 ? [false, true] : [false] {
                let stage = PaperModel.Stage.m4(fusion, realSpectra: real)
                let head = FusionHead(fusion: fusion, epsilon: config.layerNormEpsilon, seed: config.seed)
                if let block = head.frozenBlock {
                    // Saved so predict applies the same untrained block.
                    let blockStage = PaperModel.Stage.frozenFusionBlock(realSpectra: real)
                    let rel = "stages/\(blockStage.key).safetensors"
                    try AtomicFile.produce(modelDirectory + "/" + rel) { try Checkpoint.save(block, to: URL(fileURLWithPath: $0)) }
                    checkpoints[blockStage.key] = rel
                }
                let inputs = head.inputs(s: real ? f1 : f2, i: f3, count: data.count)
                let upstream = real ? [checkpoints["m1"]!, checkpoints["m3"]!] : [checkpoints["m2"]!, checkpoints["m3"]!]
                let m4 = try train(stage, key: upstream + [stage.key, "\(config.layerNormEpsilon)"], make: { head.network },
                                   datasets(inputs, targets))
                m4Preds.append((real ? .withRealSpectra : .multimodal(fusion), infer(m4, inputs: inputs, count: data.count)))
            }
        }

        // Predictions for every galaxy, inverse-scaled, beside the labels.
        let models = m4Preds + [(.imageOnly, m3Pred), (.spectraOnly, m1Pred)]
        try Predictions.write(data: data, scaler: scaler, models: models, to: result.predictionsPath)
        // M1's (real) and M2's (simulated) spectral features, for the R² analysis and figures.
        try NPYArray(shape: [data.count, width], values: f1).write(to: modelDirectory + "/features_m1.npy")
        try NPYArray(shape: [data.count, width], values: f2).write(to: modelDirectory + "/features_m2.npy")
        let info = ModelInfo(tool: "galam \(GalAMVersion.string)", imageSize: size, channels: ch,
                             bands: contract.images.bands.rawValue, spectrumLength: len, scaler: scaler, config: config,
                             checkpoints: checkpoints, dataset: data.directory, preprocessing: contract)
        try Provenance.writeJSON(info, to: modelDirectory + "/model.json")
        try Provenance.writeJSON(result.histories.map { StageHistory(stage: $0.name, learningRate: $0.learningRate, epochs: $0.history) },
                                 to: modelDirectory + "/training.json")
        return result
    }
}

/// One stage's loss history (`training.json`).
public struct StageHistory: Codable {
    public var stage: String
    public var learningRate: Float
    public var epochs: [EpochLoss]
}

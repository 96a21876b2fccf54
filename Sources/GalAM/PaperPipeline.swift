import Foundation
import NeuralNet
import SurveyIO

/// MMLforGalAM's staged training on a prepared dataset (`galam train`):
/// M1 spectra → labels; M1 features; M2 images → M1 features; M3 images → labels; M3
/// features; M4 (S = M2's simulated features, I = M3's features) → labels, with learned and
/// frozen fusion; and the with-real-spectra ablation (M4 fed M1's features as S).
/// Each stage is cached and resumable (`StageRunner`); the model folder holds everything
/// `galam predict` and `galam evaluate` need, and each network's features per galaxy
/// (`features_m1.npy`, `features_m2.npy`, `features_m3.npy`).
public struct PaperPipeline {
    public var data: LabeledDataset
    public var modelDirectory: String
    public var config: TrainingConfig
    public var showProgress = true
    /// Keep each finished stage's resumable optimiser state (`state.safetensors`); by default
    /// a finished stage keeps only its best weights and history.
    public var keepState = false
    /// The processes training together (`mpirun -np R galam train`): each trains on its share
    /// of every batch; rank 0 alone writes the model folder, the others wait for its files.
    public var group: ProcessGroup = SingleProcess()
    /// Epochs this run may train over all stages before it saves its state and stops (nil: all).
    public var stopAfterEpochs: Int?
    /// Train only this network (and those it needs: M2 needs M1) into the stage cache, and
    /// write no model: independent stages, or the rates of a grid, as separate jobs sharing
    /// the model folder; a later full run with the same settings finds them done.
    public var onlyStage: OnlyStage?

    /// The networks `onlyStage` can name.
    public enum OnlyStage: String, CaseIterable, Sendable { case m1, m2, m3 }

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

    /// Threads the networks use (the context's); results can differ in the last bits between
    /// thread counts, never between runs with the same count.
    public var threads = ComputeContext.defaultThreads

    /// A stage's training and validation sources. The training images of an image network
    /// (`augmented`) get the configured augmentation; validation images never do (nor do the
    /// whole-set sources that write features and predictions, built without one).
    /// `validationTarget` replaces `target` for validation (distillation trains towards a mix
    /// of labels and M1's predictions, and validates against the labels).
    public static func stageSources(train: [Int], validation: [Int], inputs: [DatasetColumn], target: DatasetColumn,
                                    validationTarget: DatasetColumn? = nil,
                                    config: TrainingConfig, augmented: Bool) -> (train: DatasetSource, validation: DatasetSource) {
        let augmentation = augmented ? config.augmentation.map { _ in DihedralAugmentation(seed: config.seed) } : nil
        return (DatasetSource(rows: train, inputs: inputs, target: target, augmentation: augmentation),
                DatasetSource(rows: validation, inputs: inputs, target: validationTarget ?? target))
    }

    public func run() throws -> Result {
        try FileManager.default.createDirectory(atPath: modelDirectory, withIntermediateDirectories: true)
        var runner = StageRunner(root: modelDirectory + "/stages")
        runner.showProgress = showProgress && group.isRoot
        runner.keepState = keepState
        runner.group = group
        runner.epochBudget = stopAfterEpochs.map(StageRunner.EpochBudget.init)
        let root = group.isRoot
        /// Rank 0 runs `body` (which writes a file every process reads next); the others wait
        /// for it and get `fallback`. The wait happens even when `body` throws, so no process
        /// is left waiting: the others then fail to read the file and stop too.
        func onRoot<T>(_ fallback: T, _ body: () throws -> T) throws -> T {
            defer { group.barrier() }
            return root ? try body() : fallback
        }
        let contract = try data.preprocessing()
        try PaperModel.checkImageSize(data.imageSize)
        let tr = data.indices(.train), va = data.indices(.validation)
        let all = Array(0..<data.count)
        let scaler = LabelScaler(fitting: data.targets)
        // Everything per galaxy is read from disk batch by batch (`DatasetSource`): the arrays
        // of the dataset, and each network's features once it has written them. Only the
        // scaled labels (two floats a galaxy) and the predictions are held in memory.
        let scaledLabels = data.targets.flatMap { scaler.scale($0).map(Float.init) }
        let labels = DatasetColumn.table(scaledLabels, width: PaperModel.labelCount)
        let spectra = try DatasetColumn.floats(path: data.directory + "/spectra.npy")
        let images = DatasetColumn.images(try NPYRowReader<UInt8>(path: data.directory + "/images.npy"))
        func splits(_ inputs: [DatasetColumn], _ target: DatasetColumn, augmented: Bool = false) -> (BatchSource, BatchSource) {
            let s = Self.stageSources(train: tr, validation: va, inputs: inputs, target: target, config: config, augmented: augmented)
            return (s.train, s.validation)
        }
        let augmentationKey = config.augmentation.map { ["augment=\($0.rawValue)"] } ?? []
        func every(_ inputs: [DatasetColumn]) -> DatasetSource { DatasetSource(rows: all, inputs: inputs) }
        let datasetKey = try Provenance.sha256(ofFile: data.directory + "/labels.csv") + (try Provenance.sha256(ofFile: data.directory + "/images.npy"))
            + (try Provenance.sha256(ofFile: data.directory + "/spectra.npy"))
        let size = data.imageSize, ch = data.channels, len = data.spectrumLength
        let context = ComputeContext(threads: threads, convolutionAlgorithm: ConvAlgorithm(rawValue: config.convAlgorithm(imageSize: size)) ?? .direct)
        var result = Result(predictionsPath: modelDirectory + "/predictions.csv")
        var checkpoints: [String: String] = [:]
        let features = (m1: modelDirectory + "/features_m1.npy", m2: modelDirectory + "/features_m2.npy",
                        m3: modelDirectory + "/features_m3.npy")

        /// Trains `stage` at each learning rate of the grid and keeps the best by validation loss.
        func train(_ stage: PaperModel.Stage, key: [String], make: () -> Network, _ sets: (BatchSource, BatchSource),
                   lossWeights: (training: [Float], validation: [Float])? = nil) throws -> Network {
            let rates = config.learningRateGrid ?? [config.learningRate(stage.learningRateKey)]
            var best: (Network, StageRunner.Outcome)?
            for lr in rates {
                let (m, o) = try runner.run(name: stage.key, label: rates.count > 1 ? "\(stage.label) lr \(lr)" : stage.label,
                                            key: [datasetKey] + key, makeModel: make, train: sets.0, validation: sets.1,
                                            epochs: config.epochs, learningRate: lr, batchSize: config.batchSize, seed: config.seed,
                                            microBatch: config.microBatch, schedule: config.learningRateSchedule ?? .constant,
                                            earlyStopping: config.earlyStopping, lossWeights: lossWeights)
                if best == nil || o.bestValidation < best!.1.bestValidation { best = (m, o) }
            }
            result.histories.append((stage.label, best!.1.history, best!.1.learningRate))
            checkpoints[stage.key] = String(best!.1.directory.dropFirst(modelDirectory.count + 1)) + "/best.safetensors"
            return best!.0
        }

        /// What M3 may learn from M1 (distillation, auxiliary features): its scaled predictions
        /// for every galaxy (on rank 0), its checkpoint and its features.
        typealias SpectralTeacher = (predictions: [Float], checkpoint: String, features: DatasetColumn)
        let m3NeedsM1 = config.distillation != nil || config.auxiliaryFeatures != nil

        /// M3 depends on no other network unless it learns from M1: with `onlyStage` m3 it is
        /// then the one stage trained.
        func trainM3(teacher m1: SpectralTeacher? = nil) throws -> [Float] {
            var target = labels, validationTarget = labels, key = ["m3", "\(size)", "\(ch)"] + augmentationKey
            if let weight = config.distillation, let m1 {
                // Training targets (1 − w)·label + w·M1(spectrum), in the scaled label space;
                // validation stays on the labels, so the best epoch is the one closest to them.
                let path = modelDirectory + "/stages/m3-distillation-targets.npy"
                try onRoot(()) {
                    let mixed = zip(scaledLabels, m1.predictions).map { (1 - weight) * $0 + weight * $1 }
                    try NPYArray(shape: [data.count, PaperModel.labelCount], values: mixed).write(to: path)
                }
                target = try .floats(path: path)
                key += ["distill=\(weight)"]
            }
            var lossWeights: (training: [Float], validation: [Float])?
            if let weight = config.auxiliaryFeatures, let m1 {
                // M1's features beside the labels, counted in training only (AuxiliaryFeatures).
                target = .joined([target, m1.features])
                validationTarget = .joined([labels, m1.features])
                lossWeights = AuxiliaryFeatures.lossWeights(weight: weight)
                key += ["aux-features=\(weight)"]
            }
            if let m1 { key.append(m1.checkpoint) }
            let sets = Self.stageSources(train: tr, validation: va, inputs: [images], target: target, validationTarget: validationTarget,
                                         config: config, augmented: true)
            let outputs = lossWeights == nil ? PaperModel.labelCount : AuxiliaryFeatures.outputs
            var m3 = try train(.m3, key: key, make: { PaperNetworks.m3(size: size, channels: ch, outputs: outputs, seed: config.seed, context: context) },
                               (sets.train, sets.validation), lossWeights: lossWeights)
            if lossWeights != nil {
                // The paper's M3 cut from it is what the model folder holds and later stages use.
                m3 = try AuxiliaryFeatures.imageOnlyNetwork(from: m3 as! Sequential, size: size, channels: ch, context: context)
                let rel = checkpoints["m3"]!.replacingOccurrences(of: "/best.safetensors", with: "/image-only.safetensors")
                try onRoot(()) { try AtomicFile.produce(modelDirectory + "/" + rel) { try Checkpoint.save(m3, to: URL(fileURLWithPath: $0)) } }
                checkpoints["m3"] = rel
            }
            return try onRoot([]) { try PaperModel.writeImageFeatures(m3: m3, of: every([images]), to: features.m3) }
        }
        if onlyStage == .m3 && !m3NeedsM1 {
            _ = try trainM3()
            return result
        }

        // Each network is dropped once its features and predictions are written, so one
        // network's weights and buffers are alive at a time.
        // M1: spectra → labels; its 1024-d features become M2's targets.
        let m1Pred: [Float] = try {
            let m1 = try train(.m1, key: ["m1", "\(len)"], make: { PaperNetworks.m1(length: len, seed: config.seed, context: context) },
                               splits([spectra], labels))
            return try onRoot([]) { try PaperModel.writeSpectralFeatures(m1: m1, of: every([spectra]), to: features.m1) }
        }()
        if onlyStage == .m1 { return result }
        let f1 = try DatasetColumn.floats(path: features.m1)
        let teacher: SpectralTeacher? = m3NeedsM1 ? (m1Pred, checkpoints["m1"]!, f1) : nil
        if onlyStage == .m3 {
            _ = try trainM3(teacher: teacher)
            return result
        }

        // M2: images → M1's features (simulated spectral features).
        try {
            let m2 = try train(.m2, key: ["m2", "\(size)", "\(ch)", checkpoints["m1"]!] + augmentationKey,
                               make: { PaperNetworks.m2(size: size, channels: ch, seed: config.seed, context: context) },
                               splits([images], f1, augmented: true))
            try onRoot(()) { try PaperModel.writeSimulatedFeatures(m2: m2, of: every([images]), floor: config.simulatedFeatureFloor, to: features.m2) }
        }()
        let f2 = try DatasetColumn.floats(path: features.m2)

        if onlyStage == .m2 { return result }
        // M3: images → labels; its features are I.
        let m3Pred = try trainM3(teacher: teacher)
        let f3 = try DatasetColumn.floats(path: features.m3)

        // M4 in each fusion mode, and (for the first) the with-real-spectra ablation: S = M1's features.
        var m4Preds: [(PaperModel.Name, [Float])] = []
        for (n, fusion) in config.fusions.enumerated() {
            for real in n == 0 ? [false, true] : [false] {
                let stage = PaperModel.Stage.m4(fusion, realSpectra: real)
                let head = FusionHead(fusion: fusion, epsilon: config.layerNormEpsilon, seed: config.seed, context: context)
                if let block = head.frozenBlock {
                    // Saved so predict applies the same untrained block.
                    let blockStage = PaperModel.Stage.frozenFusionBlock(realSpectra: real)
                    let rel = "stages/\(blockStage.key).safetensors"
                    try onRoot(()) { try AtomicFile.produce(modelDirectory + "/" + rel) { try Checkpoint.save(block, to: URL(fileURLWithPath: $0)) } }
                    checkpoints[blockStage.key] = rel
                }
                let fused = modelDirectory + "/stages/\(stage.key)-inputs.npy"
                let written: [DatasetColumn]? = try onRoot(nil) { try head.inputColumns(s: real ? f1 : f2, i: f3, rowCount: data.count, fusedPath: fused) }
                let inputs = try written ?? head.readInputColumns(s: real ? f1 : f2, i: f3, fusedPath: fused)
                defer { if root { try? FileManager.default.removeItem(atPath: fused) } }
                let upstream = real ? [checkpoints["m1"]!, checkpoints["m3"]!] : [checkpoints["m2"]!, checkpoints["m3"]!]
                let m4 = try train(stage, key: upstream + [stage.key, "\(config.layerNormEpsilon)"], make: { head.network },
                                   splits(inputs, labels))
                if root { m4Preds.append((real ? .withRealSpectra : .multimodal(fusion), try Inference.outputs(m4, every(inputs)))) }
                group.barrier()  // the fused inputs stay until every process has trained on them
            }
        }
        guard root else { return result }

        // Predictions for every galaxy, inverse-scaled, beside the labels.
        let models = m4Preds + [(.imageOnly, m3Pred), (.spectraOnly, m1Pred)]
        let info = ModelInfo(tool: "galam \(GalAMVersion.string)", imageSize: size, channels: ch,
                             bands: contract.images.bands.rawValue, spectrumLength: len, scaler: scaler, config: config,
                             checkpoints: checkpoints, dataset: data.directory, preprocessing: contract)
        if config.testTimeAveraging == true {
            // Averaged over the 8 transforms by the folder's networks loaded as predict and
            // calibrate load them (model.json first).
            try Provenance.writeJSON(info, to: modelDirectory + "/model.json")
            let averaged = try ModelSet(modelDirectory: modelDirectory, threads: threads).run(data, rows: Array(0..<data.count)).predictions
            try Predictions.write(data: data, models: models.map { ($0.0, averaged[$0.0]!) }, to: result.predictionsPath)
        } else {
            try Predictions.write(data: data, scaler: scaler, models: models, to: result.predictionsPath)
            try Provenance.writeJSON(info, to: modelDirectory + "/model.json")
        }
        try Provenance.writeJSON(result.histories.map { StageHistory(stage: $0.name, learningRate: $0.learningRate, epochs: $0.history, config: config) },
                                 to: modelDirectory + "/training.json")
        return result
    }
}

/// One stage's loss history (`training.json`), with how its learning rate and length were set.
public struct StageHistory: Codable {
    public var stage: String
    /// The stage's base learning rate (the chosen one of a grid).
    public var learningRate: Float
    public var epochs: [EpochLoss]
    /// The epoch (1-based) whose weights the stage kept: the lowest validation loss.
    public var bestEpoch: Int?
    /// `constant`, `plateau` or `cosine` (nil in files written before schedules existed).
    public var learningRateSchedule: LearningRateSchedule?
    /// Early stopping's patience, and whether the stage stopped before its last epoch.
    public var earlyStopping: EarlyStopping?
    public var stoppedEarly: Bool?
    /// Wall seconds of the stage's epochs (training and validation passes; of the kept rate
    /// when a grid ran several), nil unless every epoch recorded its time.
    public var seconds: Double?

    public init(stage: String, learningRate: Float, epochs: [EpochLoss], config: TrainingConfig) {
        self.stage = stage
        self.learningRate = learningRate
        self.epochs = epochs
        bestEpoch = epochs.bestEpoch.map { $0 + 1 }
        learningRateSchedule = config.learningRateSchedule ?? .constant
        earlyStopping = config.earlyStopping
        stoppedEarly = epochs.count < config.epochs
        seconds = epochs.allSatisfy { $0.seconds != nil } ? epochs.reduce(0) { $0 + $1.seconds! } : nil
    }
}

import Foundation
import NeuralNet
import SurveyIO

/// Trains one network as one stage of the pipeline, cached on disk under a hash of
/// everything that determines its result, and resumable: the trainer's full state is saved
/// (atomically) after an epoch once `stateSaveIntervalSeconds` have passed since the last save,
/// and after the last epoch, so an interrupted run continues from the last saved epoch and ends
/// with the same weights as an uninterrupted one (training is deterministic).
///
/// In a process group (`mpirun -np R galam train`) every process trains its share of each
/// batch, and rank 0 alone writes the stage's files; the others wait for the best weights
/// before reading them.
///
/// Folder `<root>/<name>-<hash12>/`: `state.safetensors` (resume; removed when the stage is
/// done unless `keepState`), `best.safetensors` (best validation loss, the weights later
/// stages use), `history.json`, `done`.
public struct StageRunner {
    public var root: String
    public var showProgress = true
    /// Least time between two saves of the resumable state. M1's state is 443 MB (weights and
    /// both Adam moments) and took 2 s of a 13 s epoch to write; once a minute, an interruption
    /// costs at most a minute of training.
    public var stateSaveIntervalSeconds = 60.0
    /// Keep the resumable state of a finished stage. A finished stage never resumes, and its
    /// state (weights and both Adam moments: 3× the weights) was most of a model folder: 1.3 of
    /// the 8-epoch demo's 2.2 GB.
    public var keepState = false
    /// Tests: stop with `Interrupted` after this epoch (1-based), as a killed run would.
    var interruptAfterEpoch: Int?
    /// The processes training together (default: this one alone).
    public var group: ProcessGroup = SingleProcess()
    /// Epochs this run may still train, over all stages (nil: no limit). When it reaches 0
    /// the state is saved and `run` throws `Stopped`: a job with a wall-time limit trains a
    /// slice and the same command continues from there.
    public var epochBudget: EpochBudget?

    struct Interrupted: Error {}

    /// The run stopped because `epochBudget` ran out (its state is saved; rerun to continue).
    public struct Stopped: Error, CustomStringConvertible {
        public var stage: String
        public var epoch: Int
        public var description: String {
            (epoch == 0 ? "stopped before \(stage)" : "stopped after epoch \(epoch) of \(stage)")
                + " (the epoch limit of this run, state saved); run the same command again to continue"
        }
    }

    /// A count of epochs shared by every stage of one run.
    public final class EpochBudget {
        public var remaining: Int
        public init(_ epochs: Int) { remaining = epochs }
    }

    public init(root: String) { self.root = root }

    /// Result of a stage.
    public struct Outcome {
        public var directory: String
        public var history: [EpochLoss]
        public var bestValidation: Double
        public var learningRate: Float
        /// Epochs restored from a saved state when this run started (0: trained from scratch
        /// or loaded from the cache).
        public var resumedAfterEpoch = 0
    }

    /// Hash of a stage's identity (name, configuration, inputs).
    public static func key(_ parts: [String]) -> String {
        String(Provenance.sha256(Data(parts.joined(separator: "\u{1F}").utf8)).prefix(12))
    }

    /// Trains `makeModel()` (or loads the finished stage) and leaves the best weights in the
    /// returned model. `lossWeights`: per output column, of the training and the validation
    /// loss (`Trainer.trainingLossWeights`); the caller puts what sets them into `key`.
    public func run(name: String, label: String, key parts: [String], makeModel: () -> Network,
                    train: BatchSource, validation: BatchSource, epochs: Int, learningRate: Float, batchSize: Int,
                    seed: UInt64, microBatch: Int? = nil, schedule: LearningRateSchedule = .constant,
                    earlyStopping: EarlyStopping? = nil,
                    lossWeights: (training: [Float], validation: [Float])? = nil) throws -> (model: Network, outcome: Outcome) {
        // Settings added after the paper enter the key only when used, so the paper's stage
        // folders keep their names.
        let extra = (schedule == .constant ? [] : ["schedule=\(schedule)"]) + (earlyStopping.map { ["patience=\($0.patience)"] } ?? [])
        let dir = root + "/\(name)-\(Self.key(parts + ["lr=\(learningRate)", "epochs=\(epochs)", "batch=\(batchSize)", "seed=\(seed)"] + extra))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let model = makeModel()
        let best = URL(fileURLWithPath: dir + "/best.safetensors"), state = URL(fileURLWithPath: dir + "/state.safetensors")
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/done") {
            try Checkpoint.load(into: model, from: best)
            let history = try JSONDecoder().decode([EpochLoss].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/history.json")))
            let bestVal = history.map(\.validation).min() ?? .nan
            if showProgress { printError("\(label): cached (\(history.count) epochs, best validation \(String(format: "%.5g", bestVal))) in \(dir)") }
            return (model, Outcome(directory: dir, history: history, bestValidation: bestVal, learningRate: learningRate))
        }
        let trainer = Trainer(model: model, optimizer: Adam(learningRate: learningRate), seed: seed, batchSize: batchSize)
        trainer.microBatch = microBatch
        trainer.schedule = schedule
        trainer.earlyStopping = earlyStopping
        trainer.trainingLossWeights = lossWeights?.training
        trainer.validationLossWeights = lossWeights?.validation
        trainer.group = group
        let root = group.isRoot
        // Best weights go to a temporary name and are renamed, so `best` is never half-written.
        let bestTmp = URL(fileURLWithPath: dir + "/.best.tmp.safetensors")
        trainer.bestCheckpoint = bestTmp
        if fm.fileExists(atPath: state.path) {
            try trainer.restoreState(from: state)
            if showProgress { printError("\(label): resuming after epoch \(trainer.epoch) from \(state.path)") }
        }
        if let b = epochBudget, b.remaining <= 0 { throw Stopped(stage: label, epoch: trainer.epoch) }
        let start = Date()
        let startEpoch = trainer.epoch
        var lastSave = start
        try trainer.fit(train: train, validation: validation, epochs: epochs) { e, loss in
            epochBudget?.remaining -= 1
            let stopping = (epochBudget?.remaining ?? 1) <= 0 && e + 1 < epochs
            if root, fm.fileExists(atPath: bestTmp.path) { rename(bestTmp.path, best.path) }
            if root, e + 1 == epochs || stopping || Date().timeIntervalSince(lastSave) >= stateSaveIntervalSeconds {
                try? AtomicFile.produce(state.path) { try trainer.saveState(to: URL(fileURLWithPath: $0)) }
                lastSave = Date()
            }
            if e + 1 == interruptAfterEpoch { throw Interrupted() }
            if showProgress {
                let done = e + 1 - startEpoch, perEpoch = Date().timeIntervalSince(start) / Double(max(done, 1))
                let reduce = group.size > 1
                    ? String(format: "  all-reduce %.0f %% of step time", 100 * trainer.secondsInAllReduce / max(trainer.secondsInSteps, 1e-9)) : ""
                let rate = Double(train.count) / max(trainer.lastEpochSeconds.train, 1e-9)
                printError(String(format: "%@: epoch %d/%d  train %.5g  validation %.5g  %.1f s/epoch (%.0f samples/s training)  ETA %.0f s%@", label, e + 1, epochs,
                                  loss.train, loss.validation, perEpoch, rate, perEpoch * Double(epochs - e - 1), reduce))
            }
            if stopping {
                group.barrier()  // the state is on disk before any process exits
                throw Stopped(stage: label, epoch: e + 1)
            }
        }
        if trainer.stoppedEarly, showProgress, let stop = earlyStopping {
            printError("\(label): stopped after epoch \(trainer.epoch) of \(epochs), \(stop.patience) without improvement; best epoch \((stop.bestEpoch(of: trainer.history) ?? 0) + 1)")
        }
        if root, fm.fileExists(atPath: bestTmp.path) { rename(bestTmp.path, best.path) }
        group.barrier()  // rank 0 has moved the best weights into place
        try Checkpoint.load(into: model, from: best)
        if root {
            try AtomicFile.write(try JSONEncoder().encode(trainer.history), to: dir + "/history.json")
            try AtomicFile.write("done\n", to: dir + "/done")
            if !keepState { try? fm.removeItem(at: state) }
        }
        return (model, Outcome(directory: dir, history: trainer.history, bestValidation: trainer.bestValidation, learningRate: learningRate,
                               resumedAfterEpoch: startEpoch))
    }
}

/// Batched inference on arrays in memory: the model's output (or a named layer's) for
/// `count` samples whose inputs are back to back in `inputs` (one array per model input), in
/// batches of `batch` (the last one shorter: layers keep plans for a few batch sizes only,
/// so ragged chunks need no padding to bound memory).
public func infer(_ model: Network, inputs: [[Float]], count: Int, layer: String? = nil, batch: Int = 32) -> [Float] {
    guard count > 0 else { return [] }
    // An in-memory Dataset never fails to read.
    return try! Inference.outputs(model, Dataset(inputs: inputs, targets: [], count: count), batchSize: batch, layer: layer)
}

import ArgumentParser
import Foundation
import GalAM
import NeuralNet
import SurveyIO

/// `galam train`: the paper's staged training on a prepared dataset.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train M1–M4 (and the ablations) on a dataset made by `galam prepare`.",
        discussion: """
        Stages, each cached under a hash of its inputs and settings and resumable after an \
        interruption (rerun the same command): M1 spectra → labels; M1 features (per-sample \
        min–max) → M2 images → those features; M3 images → labels; M3 features; M4 on \
        (M2(image), M3 features) with learned and/or frozen fusion; M4 with real spectra \
        (M1 features as S). Adam, MSE, Keras-style L2 as the authors placed it; labels \
        min–max scaled per column; best-validation checkpoints. Writes model.json, \
        predictions.csv (every galaxy, every model), training.json and the stage folders.

        Data-parallel over MPI when started by mpirun or srun: --batch-size is the global \
        batch, each process computes its contiguous share of every batch, the gradients are \
        summed with one all-reduce, every process takes the same step and rank 0 alone \
        writes; the result equals a single process's to float rounding, and a run stopped at \
        any number of processes resumes at any other. --stop-after N trains N epochs in this \
        run, saves the state and exits with status 75 (for jobs with a wall-time limit).

        Examples:
          galam train --data data/ --out model/
          galam train --data data/ --out model/ --epochs 20 --lr-grid 1e-3,1e-4,1e-5
          galam train --data data/ --out model/ --fusion frozen
          galam train --preset paper --data data64/ --out model64/ --epochs 40
          galam train --preset galam --data data64/ --out galam64/ --epochs 60
          galam train --data data64/ --out aug64/ --augment dihedral --seed 2
          galam train --data data64/ --out aux64/ --aux-features 10
          galam train --data data64/ --out aug64/ --augment dihedral --test-time-averaging
          galam train --preset galam --data data64/ --out galam64/ --seeds 3   # galam64/seed-1 … seed-3
          galam train --data data128/ --out model128/ --micro-batch 8 --threads 2
          mpirun -np 2 galam train --data data64/ --out model64/ --threads 1
          galam train --data data/ --out model/ --stage m3 &    # M3 needs no other network:
          galam train --data data/ --out model/ --stage m2; wait  # two jobs, one stage cache
          galam train --data data/ --out model/                 # then M4 (M1–M3 cached)
          srun --ntasks 8 --cpus-per-task 16 galam train --data data/ --out model/ --batch-size 256 --lr 8e-4
        """)

    @Option(help: "Dataset folder from `galam prepare`.") var data: String
    @Option(help: "Model folder.") var out: String
    @Option(help: "Preset: `paper` (the four networks trained exactly as the authors' code trains them) or `galam` (the same networks with --augment dihedral --early-stopping 10 --lr-schedule plateau; see the README's comparison).")
    var preset = Preset.paper
    @Option(help: "Augmentation of M2's and M3's training images: `none` or `dihedral` (one of the 8 rotations by 90° and mirrors per galaxy per epoch; never at validation, test or prediction). Default: the preset's.")
    var augment: AugmentChoice?
    @Option(name: .customLong("early-stopping"), help: "Stop a stage after this many epochs without a better validation loss (its best epoch's weights are kept); 0: off. Default: the preset's.")
    var earlyStopping: Int?
    @Option(name: .customLong("lr-schedule"), help: "Learning rate per epoch: `constant`, `plateau` (halve after 5 epochs without improvement, down to 1e-6) or `cosine` (to 0 at the last epoch). Default: the preset's.")
    var lrSchedule: ScheduleChoice?
    @Option(help: "Distillation: M3 (image-only) trains towards (1 − W)·label + W·M1's prediction from the spectrum, validated on the labels; 0: off. Default: the preset's.")
    var distill: Float?
    @Option(name: .customLong("aux-features"), help: "Auxiliary loss: M3 (image-only) also learns M1's 1024 spectral features with this weight beside its labels' loss (validated on the labels; the paper's M3 is cut from it after training); 0: off. Default: the preset's.")
    var auxFeatures: Float?
    @Flag(name: .customLong("test-time-averaging"), help: "Every model that reads the image predicts its 8 rotations by 90° and mirrors and reports the mean, in predictions.csv (so evaluate and calibrate) and in predict (8× the inference); recorded in model.json. Added to a folder trained with the same options, it only redoes the predictions.")
    var testTimeAveraging = false
    @Option(help: "Epochs per stage.") var epochs = 100
    @Option(name: .customLong("batch-size"), help: "Mini-batch size.") var batchSize = 32
    @Option(help: "Learning rate for every stage (default: M1, M3, M4 1e-4; M2 1e-3).") var lr: Float?
    @Option(name: .customLong("lr-grid"), help: "Comma-separated rates; each stage keeps the best by validation loss.")
    var lrGrid: CommaList<Float>?
    @Option(help: "Fusion: learned, frozen or both, comma-separated (the first listed is used by predict).")
    var fusion = CommaList<PaperModel.Fusion>([.learned, .frozen])
    @Option(name: .customLong("layer-norm-epsilon"), help: "LayerNormalization ε of the fusion.") var layerNormEpsilon: Float = 1e-3
    @Option(help: "Seed for initialisation, shuffling, dropout and augmentation.") var seed: UInt64 = 1
    @Option(help: "Train the same configuration with this many seeds (--seed, --seed + 1, …) on the same data and split, into OUT/seed-<s>/ (`galam evaluate --model OUT` summarises them).")
    var seeds = 1
    @Option(name: .customLong("micro-batch"), help: "Samples per forward/backward pass, when fewer than the batch: gradients of the passes are summed, so the update is the batch's (to float rounding) with less activation memory.")
    var microBatch: Int?
    @Option(help: "Train only this network (m1, m2 with the M1 it needs, or m3) into the model folder's stage cache and write no model: independent stages or --lr rates as separate jobs; the full run then finds them done.")
    var stage: PaperPipeline.OnlyStage?
    @Option(name: .customLong("stop-after"), help: "Train at most this many epochs in this run (over all stages), then save the resumable state and exit with status 75; the same command continues.")
    var stopAfter: Int?
    @Flag(name: .customLong("keep-state"), help: "Keep finished stages' resumable optimiser state (3× the weights; by default only best weights and history stay).")
    var keepState = false
    @OptionGroup var common: RunOptions

    /// Training presets: the paper's (architecture.md), and GalAM's additions to it.
    enum Preset: String, CaseIterable, ExpressibleByArgument { case paper, galam }
    enum AugmentChoice: String, CaseIterable, ExpressibleByArgument { case none, dihedral }
    enum ScheduleChoice: String, CaseIterable, ExpressibleByArgument {
        case constant, plateau, cosine
        var schedule: LearningRateSchedule {
            switch self {
            case .constant: return .constant
            case .plateau: return .plateau
            case .cosine: return .cosine(minimum: 0)
            }
        }
    }

    func validate() throws {
        guard epochs >= 1, batchSize >= 1 else { throw ValidationError("--epochs and --batch-size must be ≥ 1") }
        if let m = microBatch, m < 1 || m > batchSize { throw ValidationError("--micro-batch must be between 1 and --batch-size (\(batchSize))") }
        if let s = stopAfter, s < 1 { throw ValidationError("--stop-after must be ≥ 1") }
        if seeds < 1 { throw ValidationError("--seeds must be ≥ 1") }
        if seeds > 1 && stopAfter != nil {
            throw ValidationError("--stop-after trains one seed at a time: run one job per seed (--seed S --out OUT/seed-S)")
        }
        if let w = distill, !(0...1).contains(w) { throw ValidationError("--distill must be between 0 and 1") }
        if let w = auxFeatures, !(w >= 0 && w.isFinite) { throw ValidationError("--aux-features must be a weight ≥ 0 (0: off)") }
        if let p = earlyStopping, p < 0 { throw ValidationError("--early-stopping must be ≥ 0 (0: off)") }
    }

    func run() throws {
        var c = TrainingConfig()
        c.epochs = epochs
        c.batchSize = batchSize
        c.seed = seed
        c.microBatch = microBatch
        c.layerNormEpsilon = layerNormEpsilon
        if let lr { for k in c.learningRates.keys { c.learningRates[k] = lr } }
        c.learningRateGrid = lrGrid?.values
        c.fusions = fusion.values
        let galam = preset == .galam
        c.augmentation = (augment ?? (galam ? .dihedral : AugmentChoice.none)) == .dihedral ? .dihedral : nil
        let patience = earlyStopping ?? (galam ? 10 : 0)
        c.earlyStopping = patience > 0 ? EarlyStopping(patience: patience) : nil
        let schedule = (lrSchedule ?? (galam ? .plateau : .constant)).schedule
        c.learningRateSchedule = schedule == .constant ? nil : schedule
        let distillation = distill ?? 0
        c.distillation = distillation > 0 ? distillation : nil
        let auxiliary = auxFeatures ?? 0
        c.auxiliaryFeatures = auxiliary > 0 ? auxiliary : nil
        c.testTimeAveraging = testTimeAveraging ? true : nil
        let group = try launchedProcessGroup()
        let dataset = try LabeledDataset(directory: data)
        if group.size > 1 && group.isRoot && !common.quiet {
            printError("train: \(group.size) processes, \(common.threads) threads each; global batch \(batchSize) (\(batchSize / group.size)–\((batchSize + group.size - 1) / group.size) per process)")
        }
        for k in 0..<UInt64(seeds) {
            c.seed = seed + k
            try train(dataset, config: c, into: seeds > 1 ? out + "/seed-\(c.seed)" : out, group: group)
        }
        if seeds > 1 && group.isRoot { print("train: \(seeds) seeds → \(out)/seed-*/ (galam evaluate --model \(out) summarises them)") }
    }

    /// One full training run (one seed) into `out`.
    private func train(_ dataset: LabeledDataset, config c: TrainingConfig, into out: String, group: ProcessGroup) throws {
        var p = PaperPipeline(data: dataset, modelDirectory: out, config: c)
        p.showProgress = !common.quiet
        p.keepState = keepState
        p.threads = common.threads
        p.group = group
        p.stopAfterEpochs = stopAfter
        p.onlyStage = stage
        let start = Date()
        do {
            let r = try p.run()
            guard group.isRoot else { return }
            if let stage {
                print(String(format: "train: stage %@ in %.0f s → %@/stages (run without --stage to finish the model)", stage.rawValue, Date().timeIntervalSince(start), out))
                return
            }
            print(String(format: "train: %d stages in %.0f s → %@ (predictions: %@)", r.histories.count, Date().timeIntervalSince(start), out, r.predictionsPath))
        } catch let stop as StageRunner.Stopped {
            if group.isRoot { print("train: \(stop)") }
            throw ExitCode(75)
        } catch {
            // One failed process must not leave the others waiting in a collective call.
            if group.size > 1 { group.abort(message: "train: rank \(group.rank): \(error)") }
            throw error
        }
    }
}
extension PaperPipeline.OnlyStage: ExpressibleByArgument {}

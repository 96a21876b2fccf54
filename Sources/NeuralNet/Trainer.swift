import Foundation
import Randomness

/// Training and validation loss of one epoch (each includes the L2 terms, as Keras reports).
public struct EpochLoss: Codable, Equatable {
    public var train: Double
    public var validation: Double
    /// The learning rate of the epoch (nil in histories written before schedules existed).
    public var learningRate: Float?
    /// Wall seconds of the epoch's training and validation passes, so a stage's cost survives
    /// its resumes and its cache (nil in histories written before it was recorded). A
    /// measurement, not a result: `sameLosses` compares histories without it.
    public var seconds: Double?

    public init(train: Double, validation: Double, learningRate: Float? = nil, seconds: Double? = nil) {
        self.train = train; self.validation = validation; self.learningRate = learningRate; self.seconds = seconds
    }

    /// Whether two epochs have the same losses and learning rate (their times aside).
    public func sameLosses(as other: EpochLoss) -> Bool {
        train == other.train && validation == other.validation && learningRate == other.learningRate
    }
}

/// Mini-batch training with MSE, L2, Adam; seeded shuffling and dropout; history;
/// keep-best-by-validation checkpoint; exact resume. Batches stream from a `BatchSource`
/// (read ahead on a background thread); an optimiser step may be computed in micro-batches
/// (`microBatch`) whose gradients are summed, and its summed gradients may be handed to a
/// reducer through the flat canonical view before the step. In a `ProcessGroup` of R
/// processes (MPI data parallelism) each computes its contiguous share of every global batch
/// (`batchSize` is the global batch), the shares' gradients are summed with one in-place
/// all-reduce of the flat view, and every process takes the same step; rank 0 alone writes.
///
/// Randomness is drawn from sub-streams keyed by (seed, epoch, step), never from a running
/// generator, so a run resumed from an epoch-end checkpoint repeats the uninterrupted one
/// bit for bit (with the same thread count: oneDNN's reductions are deterministic per
/// thread count). Dropout masks are drawn per sample position in the global batch, so a
/// micro-batch, or a process's share, draws exactly the masks its samples get in the whole batch.
public final class Trainer {
    public let model: Network
    public let optimizer: Adam
    public let seed: UInt64
    public let batchSize: Int
    /// Samples per forward/backward pass (nil: the whole batch in one). A step's update does
    /// not depend on it beyond float rounding; smaller passes need less activation memory.
    public var microBatch: Int? {
        didSet { precondition(microBatch.map { $0 >= 1 } ?? true, "micro-batch must be at least 1") }
    }
    /// Called with each step's summed gradients in the canonical flat view, before the L2
    /// terms and the update (for data parallelism: all-reduce them there). Nil: no copy.
    public var gradientReducer: ((FlatParameterView) -> Void)?
    /// The processes training this model together (default: this one alone).
    public var group: ProcessGroup = SingleProcess()
    /// Seconds spent in optimiser steps and, of those, in the group's all-reduce (since creation).
    public private(set) var secondsInSteps = 0.0, secondsInAllReduce = 0.0
    /// Wall-clock seconds of the last epoch's training batches (reading included) and of its
    /// validation pass: the training rate users see is `train.count / lastEpochSeconds.train`.
    public private(set) var lastEpochSeconds = (train: 0.0, validation: 0.0)
    /// Per-epoch losses so far.
    public private(set) var history: [EpochLoss] = []
    /// Best validation loss seen, and the file it was saved to (when `bestCheckpoint` is set).
    public private(set) var bestValidation = Double.infinity
    /// Where to write the model whenever validation loss improves (nil: keep nothing).
    public var bestCheckpoint: URL?
    /// The learning rate per epoch (default: the optimiser's rate at creation throughout).
    public var schedule: LearningRateSchedule = .constant
    /// Stop when validation loss has not improved for `patience` epochs, and restore the best
    /// epoch's weights: from a copy in memory, or, when `bestCheckpoint` is set, the caller
    /// loads that file (as `StageRunner` does; no copy of the weights is then kept).
    public var earlyStopping: EarlyStopping?
    /// Whether the last `fit` ended by early stopping (before its last epoch).
    public private(set) var stoppedEarly = false
    /// The rate the schedule starts from.
    public let baseLearningRate: Float
    private var bestWeights: [Float]?
    /// Weights of the output columns in the training loss, Σ_c w_c·(y_c − t_c)² averaged over
    /// columns and samples (nil: 1 each, plain MSE): an auxiliary target's columns get a weight
    /// of their own.
    public var trainingLossWeights: [Float]? { didSet { trainingLoss = MSELoss(columnWeights: trainingLossWeights) } }
    /// The same for the validation loss, which picks the best epoch and drives early stopping
    /// and the schedule: weight 0 leaves an auxiliary column out of it.
    public var validationLossWeights: [Float]? { didSet { validationLoss = MSELoss(columnWeights: validationLossWeights) } }
    private var trainingLoss = MSELoss(), validationLoss = MSELoss()
    /// Rows of every pass since the last `fit` or `trainStep` (nil before: `batchSize`'s).
    /// Shorter passes — an epoch's last batch, the validation's and prediction's last — are
    /// padded to it: each layer then keeps one plan (buffers for activations and their
    /// gradients, hundreds of MB for M3 at 128 px) instead of one per remainder size.
    private var passRows: Int?
    private var batchInputs = BatchCache<[Tensor]>()
    private lazy var accumulator = GradientAccumulator(model.parameters)
    private lazy var flatGradients = FlatParameterView(model.parameters, context: model.context)

    public init(model: Network, optimizer: Adam, seed: UInt64 = 0, batchSize: Int = 32) {
        self.model = model; self.optimizer = optimizer; self.seed = seed; self.batchSize = batchSize
        baseLearningRate = optimizer.learningRate
    }

    /// Epochs completed.
    public var epoch: Int { history.count }

    /// Trains until `epochs` epochs are complete in total (so after a resume, the remainder),
    /// or until `earlyStopping` ends it.
    public func fit(train: BatchSource, validation: BatchSource, epochs: Int,
                    onEpoch: ((Int, EpochLoss) throws -> Void)? = nil) throws {
        if epoch < epochs { broadcastParametersOnce() }
        passRows = passRows(forBatch: min(batchSize, train.count))
        stoppedEarly = false
        while epoch < epochs {
            if let stop = earlyStopping, stop.shouldStop(after: history) {
                stoppedEarly = true
                break
            }
            let e = epoch
            optimizer.learningRate = schedule.rate(base: baseLearningRate, epoch: e, epochs: epochs, history: history)
            train.prepareEpoch(e)
            var order = Array(0..<train.count)
            var rng = SplitMix64.derive(seed, UInt64(e), 1)
            order.shuffle(using: &rng)
            // Every process shuffles alike and reads only its share of each global batch.
            let globalBatches = stride(from: 0, to: order.count, by: batchSize).map { $0..<min(order.count, $0 + batchSize) }
            let shares = globalBatches.map { b in
                let s = group.share(of: b.count)
                return (b.lowerBound + s.lowerBound)..<(b.lowerBound + s.upperBound)
            }
            var total = 0.0
            let t0 = DispatchTime.now().uptimeNanoseconds
            let stream = BatchStream(train, order: order, batches: shares, targets: true)
            for (step, b) in globalBatches.enumerated() {
                guard let batch = try stream.next() else { break }
                total += optimiserStep(batch, globalCount: b.count, offset: shares[step].lowerBound - b.lowerBound, epoch: e, step: step)
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            let val = try evaluate(validation)
            lastEpochSeconds = (Double(t1 - t0) * 1e-9, Double(DispatchTime.now().uptimeNanoseconds - t1) * 1e-9)
            let record = EpochLoss(train: group.sum(total) / Double(train.count), validation: val, learningRate: optimizer.learningRate,
                                   seconds: lastEpochSeconds.train + lastEpochSeconds.validation)
            history.append(record)
            if val < bestValidation {
                bestValidation = val
                if let url = bestCheckpoint, group.isRoot { try Checkpoint.save(model, to: url, extraMetadata: ["epoch": "\(epoch)"]) }
                if earlyStopping != nil && bestCheckpoint == nil {
                    flatGradients.gatherValues()
                    bestWeights = Array(flatGradients.floats)
                }
            }
            try onEpoch?(e, record)
        }
        if earlyStopping != nil { restoreBestWeights() }
    }

    /// Puts back the weights of the best validation epoch of this process's `fit` when a copy
    /// was kept (early stopping without `bestCheckpoint`); returns whether it did.
    @discardableResult
    public func restoreBestWeights() -> Bool {
        guard let w = bestWeights else { return false }
        _ = flatGradients.floats.update(fromContentsOf: w)
        flatGradients.scatterValues()
        return true
    }

    /// One optimiser step on the given samples of `data` (read now, not ahead; in a group,
    /// this process's share of them); returns the batch loss (MSE + L2). Dropout is seeded as
    /// step 0 of epoch 0.
    @discardableResult
    public func trainStep(_ data: BatchSource, _ indices: [Int]) throws -> Double {
        broadcastParametersOnce()
        let share = group.share(of: indices.count)
        passRows = passRows(forBatch: indices.count)
        let stream = BatchStream(data, order: indices, batches: [share], targets: true)
        let lossShare = optimiserStep(try stream.next()!, globalCount: indices.count, offset: share.lowerBound, epoch: 0, step: 0)
        return group.sum(lossShare) / Double(indices.count)
    }

    /// Forward and backward of this process's `batch` — samples `offset ..< offset + count` of
    /// a global batch of `globalCount` — in micro-batches, summed gradients, the group's
    /// all-reduce and any reducer, L2, Adam. Returns this share's part of the batch's summed
    /// per-sample loss, Σ (MSE + L2) over its samples (summed over the group and divided by
    /// `globalCount`: the batch loss).
    private func optimiserStep(_ batch: StagedBatch, globalCount n: Int, offset: Int, epoch: Int, step: Int) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        model.context.activate()
        let local = batch.count, width = model.outputShape.reduce(1, *)
        let micro = passRows ?? passRows(forBatch: batchSize)
        accumulator.zero()
        var squares = 0.0
        var start = 0
        while start < local {
            let m = min(micro, local - start)
            reseedDropout(epoch: epoch, step: step, sampleOffset: offset + start)
            let xs = inputs(batch, from: start, count: m)
            let y = model.forward(xs, training: true)
            let t = batch.targets + start * width
            squares += trainingLoss.sumOfSquaredErrors(y, t, rows: m)
            accumulator.beginPass()
            // Each pass's gradient is scaled by the whole global batch, so the sum over passes
            // and processes is the batch's; padding rows get a zero gradient.
            model.backward(trainingLoss.gradient(y, t, normaliser: n * width, rows: m))
            start += m
        }
        accumulator.finish()
        if group.size > 1 || gradientReducer != nil {
            flatGradients.gatherGradients()
            if group.size > 1 {
                // One fused, in-place all-reduce of every gradient in the canonical layout.
                let r0 = DispatchTime.now().uptimeNanoseconds
                group.sum(flatGradients.floats.baseAddress!, count: flatGradients.count)
                secondsInAllReduce += Double(DispatchTime.now().uptimeNanoseconds - r0) * 1e-9
            }
            gradientReducer?(flatGradients)
            flatGradients.scatterGradients()
        }
        let params = model.parameters
        let reg = Regularizer.loss(params)
        Regularizer.addGradients(params)
        optimizer.step(params, threads: model.context.threads)
        secondsInSteps += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        return squares / Double(width) + reg * Double(local)
    }

    private var parametersShared = false

    /// Rank 0's weights to every process before the first step, so all start from one model
    /// (all initialise with one seed, or read one state file, but a broadcast makes it certain).
    private func broadcastParametersOnce() {
        guard group.size > 1, !parametersShared else { return }
        parametersShared = true
        let flat = FlatParameterView(model.parameters, context: model.context)
        flat.gatherValues()
        group.broadcast(flat.floats.baseAddress!, count: flat.count, from: 0)
        flat.scatterValues()
    }

    /// Mean loss (MSE + L2, with `validationLossWeights`) over a source in inference mode (in a group, each process
    /// evaluates its contiguous share and the sums are added).
    public func evaluate(_ data: BatchSource) throws -> Double {
        model.context.activate()
        var squares = 0.0
        let width = model.outputShape.reduce(1, *)
        let share = group.share(of: data.count)
        let rows = passRows ?? passRows(forBatch: batchSize)
        let batches = stride(from: share.lowerBound, to: share.upperBound, by: rows).map { $0..<min(share.upperBound, $0 + rows) }
        let stream = BatchStream(data, order: Array(0..<data.count), batches: batches, targets: true)
        while let b = try stream.next() {
            squares += validationLoss.sumOfSquaredErrors(model.forward(inputs(b, from: 0, count: b.count), training: false), b.targets, rows: b.count)
        }
        return group.sum(squares) / Double(data.count * width) + Regularizer.loss(model.parameters)
    }

    /// Model outputs for every sample, in order (inference mode).
    public func predict(_ data: BatchSource) throws -> [Float] {
        var out: [Float] = []
        try Inference.run(model, data, batchSize: passRows ?? passRows(forBatch: batchSize)) { y, _ in out += y }
        return out
    }

    /// Saves everything needed to resume: weights, Adam state, history, best loss.
    public func saveState(to url: URL) throws {
        let h = String(decoding: try JSONEncoder().encode(history), as: UTF8.self)
        try Checkpoint.save(model, to: url, optimizer: optimizer,
                            extraMetadata: ["history": h, "best_validation": "\(bestValidation)", "seed": "\(seed)"])
    }

    /// Restores a state saved by `saveState`; `fit` then continues with the next epoch.
    public func restoreState(from url: URL) throws {
        let meta = try Checkpoint.load(into: model, from: url, optimizer: optimizer)
        guard let h = meta["history"], let b = meta["best_validation"].flatMap(Double.init) else {
            throw NeuralNetError.checkpoint("no training state in \(url.path)")
        }
        history = try JSONDecoder().decode([EpochLoss].self, from: Data(h.utf8))
        bestValidation = b
    }

    private func reseedDropout(epoch: Int, step: Int, sampleOffset: Int) {
        for (i, l) in model.allLayers.enumerated() {
            if let s = l as? Stochastic {
                s.rng = SplitMix64.derive(seed ^ (UInt64(i + 1) &* 0xA24B_AED4_963E_E407), UInt64(epoch), UInt64(step) + 2)
                s.sampleOffset = sampleOffset
            }
        }
    }

    /// Rows of every forward and backward pass for batches of `batch` samples: this
    /// process's share of the batch, or the micro-batch when smaller.
    private func passRows(forBatch batch: Int) -> Int {
        let share = (max(1, batch) + group.size - 1) / group.size
        return max(1, min(microBatch ?? share, share))
    }

    /// Samples `from..<from+count` of a staged batch in the first rows of reused input
    /// tensors of `passRows` rows (zero rows after them), so a pass of any length runs in the
    /// one plan each layer keeps for that size.
    private func inputs(_ b: StagedBatch, from: Int, count n: Int) -> [Tensor] {
        let rows = max(n, passRows ?? n)
        let tensors = batchInputs[rows] ?? model.inputShapes.map { Tensor(shape: [rows] + $0) }
        batchInputs[rows] = tensors
        for (k, t) in tensors.enumerated() {
            let w = b.widths[k]
            t.fillRows(from: b.inputs[k] + from * w, count: n, width: w)
        }
        return tensors
    }
}

extension Tensor {
    /// Copies `count` samples of `width` floats into the first rows of this plain tensor and
    /// zeroes the rows after them (a short pass padded to the tensor's batch).
    func fillRows(from source: UnsafePointer<Float>, count: Int, width: Int) {
        data.update(from: source, count: count * width)
        if count < batch { (data + count * width).update(repeating: 0, count: (batch - count) * width) }
    }
}

/// Batched inference over a source, streamed: the model's output (or, for a `Sequential`, a
/// named layer's) batch by batch, in order, handed to `consume` with the batch's rows.
/// Batches are the source's rows in order, `batchSize` at a time (the last shorter); layers
/// keep plans for a few batch sizes only, so memory stays bounded.
public enum Inference {
    public static func run(_ model: Network, _ data: BatchSource, batchSize: Int = 32, layer: String? = nil,
                           consume: ([Float], Range<Int>) throws -> Void) throws {
        try batches(model, data, batchSize: batchSize) { xs, rows in
            let y: Tensor
            if let layer, let seq = model as? Sequential { y = seq.output(of: layer, for: xs[0]) } else { y = model.forward(xs, training: false) }
            try consume(leading(rows.count, of: y), rows)
        }
    }

    /// Like `run`, handing on both the output of the layer called `layer` and the model's
    /// output from one pass (a network's features and its predictions, without running it twice).
    public static func run(_ model: Sequential, _ data: BatchSource, batchSize: Int = 32, tapping layer: String,
                           consume: (_ tapped: [Float], _ output: [Float], Range<Int>) throws -> Void) throws {
        try batches(model, data, batchSize: batchSize) { xs, rows in
            let (tap, y) = model.forward(xs[0], tapping: layer)
            try consume(leading(rows.count, of: tap), leading(rows.count, of: y), rows)
        }
    }

    /// The values of a pass's first `n` samples (the rest are padding).
    private static func leading(_ n: Int, of y: Tensor) -> [Float] {
        let v = y.values
        return n == y.batch ? v : Array(v[..<(n * (y.count / y.batch))])
    }

    /// The source's rows in order, `batchSize` at a time, in reused input tensors of
    /// `batchSize` rows (fewer for a smaller source): the last, shorter batch is padded with
    /// zero rows, so each layer runs every batch in one plan (samples do not interact).
    private static func batches(_ model: Network, _ data: BatchSource, batchSize: Int,
                                body: ([Tensor], Range<Int>) throws -> Void) throws {
        model.context.activate()
        let rows = max(1, min(batchSize, data.count))
        let stream = BatchStream(data, order: Array(0..<data.count), batchSize: rows, targets: false)
        let xs = model.inputShapes.map { Tensor(shape: [rows] + $0) }
        var first = 0
        while let b = try stream.next() {
            let n = b.count
            for (k, t) in xs.enumerated() { t.fillRows(from: b.inputs[k], count: n, width: b.widths[k]) }
            try body(xs, first..<(first + n))
            first += n
        }
    }

    /// All outputs of `run` in one array (for sources whose outputs fit in memory).
    public static func outputs(_ model: Network, _ data: BatchSource, batchSize: Int = 32, layer: String? = nil) throws -> [Float] {
        var out: [Float] = []
        try run(model, data, batchSize: batchSize, layer: layer) { y, _ in out += y }
        return out
    }
}

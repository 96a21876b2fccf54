import Foundation
import Randomness

/// Training and validation loss of one epoch (each includes the L2 terms, as Keras reports).
public struct EpochLoss: Codable, Equatable {
    public var train: Double
    public var validation: Double
}

/// Mini-batch training with MSE, L2, Adam; seeded shuffling and dropout; history;
/// keep-best-by-validation checkpoint; exact resume. Batches stream from a `BatchSource`
/// (read ahead on a background thread); an optimiser step may be computed in micro-batches
/// (`microBatch`) whose gradients are summed, and its summed gradients may be handed to a
/// reducer (an all-reduce across processes) through the flat canonical view before the step.
///
/// Randomness is drawn from sub-streams keyed by (seed, epoch, step), never from a running
/// generator, so a run resumed from an epoch-end checkpoint repeats the uninterrupted one
/// bit for bit (with the same thread count: oneDNN's reductions are deterministic per
/// thread count). Dropout masks are drawn per sample position in the batch, so a micro-batch
/// draws exactly the masks its samples get in the whole batch.
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
    /// Per-epoch losses so far.
    public private(set) var history: [EpochLoss] = []
    /// Best validation loss seen, and the file it was saved to (when `bestCheckpoint` is set).
    public private(set) var bestValidation = Double.infinity
    /// Where to write the model whenever validation loss improves (nil: keep nothing).
    public var bestCheckpoint: URL?
    private let mse = MSELoss()
    private var batchInputs = BatchCache<[Tensor]>()
    private lazy var accumulator = GradientAccumulator(model.parameters)
    private lazy var flatGradients = FlatParameterView(model.parameters, context: model.context)

    public init(model: Network, optimizer: Adam, seed: UInt64 = 0, batchSize: Int = 32) {
        self.model = model; self.optimizer = optimizer; self.seed = seed; self.batchSize = batchSize
    }

    /// Epochs completed.
    public var epoch: Int { history.count }

    /// Trains until `epochs` epochs are complete in total (so after a resume, the remainder).
    public func fit(train: BatchSource, validation: BatchSource, epochs: Int,
                    onEpoch: ((Int, EpochLoss) throws -> Void)? = nil) throws {
        while epoch < epochs {
            let e = epoch
            var order = Array(0..<train.count)
            var rng = SplitMix64.derive(seed, UInt64(e), 1)
            order.shuffle(using: &rng)
            var total = 0.0
            var step = 0
            let stream = BatchStream(train, order: order, batchSize: batchSize, targets: true)
            while let batch = try stream.next() {
                total += optimiserStep(batch, epoch: e, step: step) * Double(batch.count)
                step += 1
            }
            let val = try evaluate(validation)
            let record = EpochLoss(train: total / Double(train.count), validation: val)
            history.append(record)
            if val < bestValidation {
                bestValidation = val
                if let url = bestCheckpoint { try Checkpoint.save(model, to: url, extraMetadata: ["epoch": "\(epoch)"]) }
            }
            try onEpoch?(e, record)
        }
    }

    /// One optimiser step on the given samples of `data` (read now, not ahead); returns the
    /// batch loss (MSE + L2). Dropout is seeded as step 0 of epoch 0.
    @discardableResult
    public func trainStep(_ data: BatchSource, _ indices: [Int]) throws -> Double {
        let stream = BatchStream(data, order: indices, batchSize: indices.count, targets: true)
        return optimiserStep(try stream.next()!, epoch: 0, step: 0)
    }

    /// Forward and backward in micro-batches, summed gradients, optional reduction, L2, Adam.
    private func optimiserStep(_ batch: StagedBatch, epoch: Int, step: Int) -> Double {
        model.context.activate()
        let n = batch.count, width = model.outputShape.reduce(1, *)
        let micro = min(microBatch ?? n, n)
        accumulator.zero()
        var squares = 0.0
        var start = 0
        while start < n {
            let m = min(micro, n - start)
            reseedDropout(epoch: epoch, step: step, sampleOffset: start)
            let xs = inputs(batch, from: start, count: m)
            let y = model.forward(xs, training: true)
            let t = batch.targets + start * width
            squares += mse.sumOfSquaredErrors(y, t)
            accumulator.beginPass()
            // Each pass's gradient is scaled by the whole batch, so the sum is the batch's.
            model.backward(mse.gradient(y, t, normaliser: n * width))
            start += m
        }
        accumulator.finish()
        if let reduce = gradientReducer {
            flatGradients.gatherGradients()
            reduce(flatGradients)
            flatGradients.scatterGradients()
        }
        let params = model.parameters
        let reg = Regularizer.loss(params)
        Regularizer.addGradients(params)
        optimizer.step(params, threads: model.context.threads)
        return squares / Double(n * width) + reg
    }

    /// Mean loss (MSE + L2) over a source in inference mode.
    public func evaluate(_ data: BatchSource) throws -> Double {
        model.context.activate()
        var squares = 0.0
        let width = model.outputShape.reduce(1, *)
        let stream = BatchStream(data, order: Array(0..<data.count), batchSize: batchSize, targets: true)
        while let b = try stream.next() {
            squares += mse.sumOfSquaredErrors(model.forward(inputs(b, from: 0, count: b.count), training: false), b.targets)
        }
        return squares / Double(data.count * width) + Regularizer.loss(model.parameters)
    }

    /// Model outputs for every sample, in order (inference mode).
    public func predict(_ data: BatchSource) throws -> [Float] {
        var out: [Float] = []
        try Inference.run(model, data, batchSize: batchSize) { y, _ in out += y }
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

    /// Samples `from..<from+count` of a staged batch in reused input tensors (one set per size).
    private func inputs(_ b: StagedBatch, from: Int, count n: Int) -> [Tensor] {
        let tensors = batchInputs[n] ?? model.inputShapes.map { Tensor(shape: [n] + $0) }
        batchInputs[n] = tensors
        for (k, t) in tensors.enumerated() {
            let w = b.widths[k]
            t.data.update(from: b.inputs[k] + from * w, count: n * w)
        }
        return tensors
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
            try consume(y.values, rows)
        }
    }

    /// Like `run`, handing on both the output of the layer called `layer` and the model's
    /// output from one pass (a network's features and its predictions, without running it twice).
    public static func run(_ model: Sequential, _ data: BatchSource, batchSize: Int = 32, tapping layer: String,
                           consume: (_ tapped: [Float], _ output: [Float], Range<Int>) throws -> Void) throws {
        try batches(model, data, batchSize: batchSize) { xs, rows in
            let (tap, y) = model.forward(xs[0], tapping: layer)
            try consume(tap.values, y.values, rows)
        }
    }

    /// The source's rows in order, `batchSize` at a time, in reused input tensors.
    private static func batches(_ model: Network, _ data: BatchSource, batchSize: Int,
                                body: ([Tensor], Range<Int>) throws -> Void) throws {
        model.context.activate()
        let stream = BatchStream(data, order: Array(0..<data.count), batchSize: batchSize, targets: false)
        var tensors = BatchCache<[Tensor]>()
        var first = 0
        while let b = try stream.next() {
            let n = b.count
            let xs = tensors[n] ?? model.inputShapes.map { Tensor(shape: [n] + $0) }
            tensors[n] = xs
            for (k, t) in xs.enumerated() { t.data.update(from: b.inputs[k], count: n * b.widths[k]) }
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

import Foundation
import Randomness

/// Samples for a model: one flat array per model input (samples back to back, each in the
/// input's per-sample shape) and the targets (samples back to back).
public struct Dataset {
    public let inputs: [[Float]]
    public let targets: [Float]
    public let count: Int

    public init(inputs: [[Float]], targets: [Float], count: Int) {
        precondition(count > 0 && targets.count % count == 0, "targets do not divide into \(count) samples")
        for a in inputs { precondition(a.count % count == 0, "an input does not divide into \(count) samples") }
        self.inputs = inputs; self.targets = targets; self.count = count
    }
}

/// Training and validation loss of one epoch (each includes the L2 terms, as Keras reports).
public struct EpochLoss: Codable, Equatable {
    public var train: Double
    public var validation: Double
}

/// Mini-batch training with MSE, L2, Adam; seeded shuffling and dropout; history;
/// keep-best-by-validation checkpoint; exact resume.
///
/// Randomness is drawn from sub-streams keyed by (seed, epoch, step), never from a running
/// generator, so a run resumed from an epoch-end checkpoint repeats the uninterrupted one
/// bit for bit (with the same thread count: oneDNN's reductions are deterministic per
/// thread count).
public final class Trainer {
    public let model: Network
    public let optimizer: Adam
    public let seed: UInt64
    public let batchSize: Int
    /// Per-epoch losses so far.
    public private(set) var history: [EpochLoss] = []
    /// Best validation loss seen, and the file it was saved to (when `bestCheckpoint` is set).
    public private(set) var bestValidation = Double.infinity
    /// Where to write the model whenever validation loss improves (nil: keep nothing).
    public var bestCheckpoint: URL?
    private let mse = MSELoss()
    private var batchInputs: [Int: [Tensor]] = [:]
    private var batchTargets: [Float] = []

    public init(model: Network, optimizer: Adam, seed: UInt64 = 0, batchSize: Int = 32) {
        self.model = model; self.optimizer = optimizer; self.seed = seed; self.batchSize = batchSize
    }

    /// Epochs completed.
    public var epoch: Int { history.count }

    /// Trains until `epochs` epochs are complete in total (so after a resume, the remainder).
    public func fit(train: Dataset, validation: Dataset, epochs: Int, onEpoch: ((Int, EpochLoss) throws -> Void)? = nil) throws {
        while epoch < epochs {
            let e = epoch
            var order = Array(0..<train.count)
            var rng = SplitMix64.derive(seed, UInt64(e), 1)
            order.shuffle(using: &rng)
            var total = 0.0
            var step = 0
            var start = 0
            while start < train.count {
                let idx = order[start..<min(train.count, start + batchSize)]
                reseedDropout(epoch: e, step: step)
                total += trainStep(train, Array(idx)) * Double(idx.count)
                start += batchSize
                step += 1
            }
            let val = evaluate(validation)
            let record = EpochLoss(train: total / Double(train.count), validation: val)
            history.append(record)
            if val < bestValidation {
                bestValidation = val
                if let url = bestCheckpoint { try Checkpoint.save(model, to: url, extraMetadata: ["epoch": "\(epoch)"]) }
            }
            try onEpoch?(e, record)
        }
    }

    /// One optimiser step on the given samples; returns the batch loss (MSE + L2).
    @discardableResult
    public func trainStep(_ data: Dataset, _ indices: [Int]) -> Double {
        let xs = gather(data, indices)
        let y = model.forward(xs, training: true)
        let params = model.parameters
        let loss = batchTargets.withUnsafeBufferPointer { t -> Double in
            let l = mse.loss(y, t.baseAddress!)
            model.backward(mse.gradient(y, t.baseAddress!))
            return l
        }
        let reg = Regularizer.loss(params)
        Regularizer.addGradients(params)
        optimizer.step(params)
        return loss + reg
    }

    /// Mean loss (MSE + L2) over a data set in inference mode.
    public func evaluate(_ data: Dataset) -> Double {
        var total = 0.0
        var start = 0
        while start < data.count {
            let idx = Array(start..<min(data.count, start + batchSize))
            let y = model.forward(gather(data, idx), training: false)
            total += batchTargets.withUnsafeBufferPointer { mse.loss(y, $0.baseAddress!) } * Double(idx.count)
            start += batchSize
        }
        return total / Double(data.count) + Regularizer.loss(model.parameters)
    }

    /// Model outputs for every sample, in order (inference mode).
    public func predict(_ data: Dataset) -> [Float] {
        var out: [Float] = []
        var start = 0
        while start < data.count {
            let idx = Array(start..<min(data.count, start + batchSize))
            out += model.forward(gather(data, idx), training: false).values
            start += batchSize
        }
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

    private func reseedDropout(epoch: Int, step: Int) {
        for (i, l) in model.allLayers.enumerated() {
            if let s = l as? Stochastic {
                s.rng = SplitMix64.derive(seed ^ (UInt64(i + 1) &* 0xA24B_AED4_963E_E407), UInt64(epoch), UInt64(step) + 2)
            }
        }
    }

    /// Copies the chosen samples into reused batch tensors (one set per batch size).
    private func gather(_ data: Dataset, _ indices: [Int]) -> [Tensor] {
        let n = indices.count
        let tensors = batchInputs[n] ?? model.inputShapes.map { Tensor(shape: [n] + $0) }
        batchInputs[n] = tensors
        for (k, t) in tensors.enumerated() {
            let per = t.count / n
            data.inputs[k].withUnsafeBufferPointer { src in
                for (j, i) in indices.enumerated() {
                    (t.data + j * per).update(from: src.baseAddress! + i * per, count: per)
                }
            }
        }
        let tper = data.targets.count / data.count
        if batchTargets.count != n * tper { batchTargets = [Float](repeating: 0, count: n * tper) }
        data.targets.withUnsafeBufferPointer { src in
            batchTargets.withUnsafeMutableBufferPointer { dst in
                for (j, i) in indices.enumerated() {
                    (dst.baseAddress! + j * tper).update(from: src.baseAddress! + i * tper, count: tper)
                }
            }
        }
        return tensors
    }
}

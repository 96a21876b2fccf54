import Foundation
import Randomness
import XCTest
@testable import NeuralNet

/// The engine's seams for survey scale: micro-batches, the flat canonical view, contexts,
/// bounded plans, streamed batches.
final class EngineScaleTests: XCTestCase {
    /// A network with every kind of layer that keeps state per batch: convolution (blocked
    /// layouts), pooling, Flatten, Dense, Dropout.
    static func net(seed: UInt64, context: ComputeContext = .standard) -> Sequential {
        Sequential(inputShape: [8, 8, 2], layers: [
            Conv("conv", filters: 8, kernel: [3, 3], padding: .same, relu: true, l2: 1e-3),
            MaxPool("pool", pool: [2, 2]),
            Conv("conv_1", filters: 16, kernel: [3, 3], relu: true),
            Flatten("flatten"),
            Dense("hidden", units: 24, relu: true, l2: 1e-3),
            Dropout("dropout", rate: 0.25),
            Dense("out", units: 2),
        ], seed: seed, context: context)
    }

    static func data(_ n: Int, seed: UInt64) -> Dataset {
        Dataset(inputs: [randomValues(n * 128, seed: seed)], targets: randomValues(n * 2, seed: seed + 1), count: n)
    }

    /// One step on 32 samples in micro-batches of 32 (one pass), 16, 7 (5 passes, the last of
    /// 4 rows padded to 7, whose zero gradients must add nothing) and 1: the same weights afterwards, dropout included (its masks are drawn per
    /// sample position). Tolerance: float rounding of sums taken in another order, 2e-6
    /// relative to the largest weight change.
    func testMicroBatchesGiveTheFullBatchUpdate() throws {
        let data = Self.data(32, seed: 3)
        func weights(micro: Int?) throws -> ([Float], [Float]) {
            let model = Self.net(seed: 5)
            let before = model.parameters.flatMap { $0.read() }
            let trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-2), seed: 9, batchSize: 32)
            trainer.microBatch = micro
            try trainer.trainStep(data, Array(0..<32))
            return (before, model.parameters.flatMap { $0.read() })
        }
        let (w0, full) = try weights(micro: nil)
        let change = zip(full, w0).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(change, 1e-3, "the step must move the weights")
        for micro in [32, 16, 7, 1] {
            let (_, w) = try weights(micro: micro)
            let worst = zip(w, full).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 2e-6 * change + 1e-7, "micro-batch \(micro)")
        }
    }

    /// The accumulator's sum equals the gradients of separate passes added by hand.
    func testAccumulatedGradientsAreTheSumOfPasses() {
        let model = Self.net(seed: 2)
        let a = Tensor(shape: [3, 8, 8, 2], values: randomValues(384, seed: 1))
        let b = Tensor(shape: [3, 8, 8, 2], values: randomValues(384, seed: 2))
        let dy = Tensor(shape: [3, 2], values: randomValues(6, seed: 3))
        func grads(_ x: Tensor) -> [[Float]] {
            _ = model.forward(x, training: false); model.backward(dy)
            return model.parameters.map { $0.readGrad() }
        }
        let ga = grads(a), gb = grads(b)
        let acc = GradientAccumulator(model.parameters)
        acc.zero()
        for x in [a, b, a] { acc.beginPass(); _ = model.forward(x, training: false); model.backward(dy) }
        acc.finish()
        for (k, p) in model.parameters.enumerated() {
            let want = zip(ga[k], gb[k]).map { 2 * $0 + $1 }
            let got = p.readGrad()
            for i in 0..<got.count { XCTAssertEqual(got[i], want[i], accuracy: 1e-5 * max(1, abs(want[i])), "\(p.name)[\(i)]") }
        }
        // Zeroing starts afresh: one pass leaves that pass's gradients alone.
        acc.zero(); acc.beginPass(); _ = model.forward(b, training: false); model.backward(dy); acc.finish()
        XCTAssertEqual(model.parameters.map { $0.readGrad() }, gb)
    }

    /// The flat view holds the checkpoint's tensors back to back, in checkpoint order and
    /// Keras's layout, whatever layouts the primitives chose; scattering it back restores them.
    func testFlatViewIsTheCheckpointInOneBuffer() throws {
        let model = Self.net(seed: 4)
        _ = model.forward(Tensor(shape: [2, 8, 8, 2], values: randomValues(256, seed: 1)), training: false)  // layouts adopted
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flat-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model, to: url)
        let (entries, _) = try SafeTensors.read(url)
        let flat = FlatParameterView(model.parameters)
        flat.gatherValues()
        XCTAssertEqual(Array(flat.floats), model.parameters.flatMap { entries[$0.name]!.values })
        XCTAssertEqual(flat.offsets.last! + model.parameters.last!.count, flat.count)
        // Scatter changed values back; the checkpoint then holds them.
        for i in 0..<flat.count { flat.floats[i] = Float(i % 97) * 0.01 }
        let written = Array(flat.floats)
        flat.scatterValues()
        try Checkpoint.save(model, to: url)
        XCTAssertEqual(model.parameters.flatMap { try! SafeTensors.read(url).entries[$0.name]!.values }, written)
        // Gradients go the same way.
        _ = model.forward(Tensor(shape: [2, 8, 8, 2], values: randomValues(256, seed: 2)), training: false)
        model.backward(Tensor(shape: [2, 2], values: [1, -1, 0.5, 2]))
        flat.gatherGradients()
        XCTAssertEqual(Array(flat.floats), model.parameters.flatMap { $0.readGrad() })
        for i in 0..<flat.count { flat.floats[i] *= 2 }
        let doubled = Array(flat.floats)
        flat.scatterGradients()
        XCTAssertEqual(model.parameters.flatMap { $0.readGrad() }, doubled)
    }

    /// Trained three epochs, saved, resumed in a fresh model under another context (1 thread
    /// instead of 2, Winograd allowed instead of direct), two more epochs: the weights equal an
    /// uninterrupted five-epoch run's to 1e-4 relative (reductions in another order and
    /// Winograd's rounding, compounded over the steps).
    func testResumeUnderAnotherContextEndsAtTheSameWeights() throws {
        let train = Self.data(96, seed: 1), val = Self.data(32, seed: 2)
        let first = ComputeContext(threads: 2, convolutionAlgorithm: .direct)
        let other = ComputeContext(threads: 1, convolutionAlgorithm: .auto)
        let a = Self.net(seed: 7, context: first)
        let ta = Trainer(model: a, optimizer: Adam(learningRate: 1e-3), seed: 7, batchSize: 32)
        try ta.fit(train: train, validation: val, epochs: 5)

        let b = Self.net(seed: 7, context: first)
        let tb = Trainer(model: b, optimizer: Adam(learningRate: 1e-3), seed: 7, batchSize: 32)
        try tb.fit(train: train, validation: val, epochs: 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ctx-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try tb.saveState(to: url)
        let c = Self.net(seed: 99, context: other)
        let tc = Trainer(model: c, optimizer: Adam(learningRate: 1e-3), seed: 7, batchSize: 32)
        try tc.restoreState(from: url)
        XCTAssertEqual(tc.optimizer.iterations, 9)
        try tc.fit(train: train, validation: val, epochs: 5)
        let wa = a.parameters.flatMap { $0.read() }, wc = c.parameters.flatMap { $0.read() }
        let scale = wa.map(abs).max()!
        XCTAssertLessThanOrEqual(zip(wa, wc).map { abs($0 - $1) }.max()!, 1e-4 * scale)
        XCTAssertEqual(tc.history.count, 5)
    }

    /// Any stream of batch sizes runs in bounded memory: after a warm-up over more sizes than
    /// a layer keeps, new sizes allocate no more than the largest set kept.
    func testRaggedBatchesRunInBoundedMemory() {
        let model = Self.net(seed: 1)
        func pass(_ n: Int) {
            let x = Tensor(shape: [n, 8, 8, 2], values: randomValues(n * 128, seed: UInt64(n)))
            _ = model.forward(x, training: true)
            model.backward(Tensor(shape: [n, 2], values: randomValues(2 * n, seed: 5)))
        }
        for n in 1...12 { pass(n) }
        let live = MemoryStats.liveBytes
        for n in 13...40 { pass(n % 12 + 1) }
        XCTAssertLessThanOrEqual(MemoryStats.liveBytes, live)
        let conv = model.layers[0] as! Conv
        XCTAssertLessThanOrEqual(conv.planCount, BatchCache<Int>.defaultCapacity)
    }

    /// Training, validation and prediction run every pass in one plan per layer, whatever the
    /// remainders (37 training samples in batches of 16: 16, 16, 5; 11 validating; 40
    /// predicted: 16, 16, 8), and a padded pass gives each real sample what an unpadded one
    /// gives (each sample alone, and all 21 in one pass), to 1e-6.
    func testShortPassesArePaddedIntoOnePlan() throws {
        let model = Self.net(seed: 4)
        let trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-3), seed: 2, batchSize: 16)
        try trainer.fit(train: Self.data(37, seed: 1), validation: Self.data(11, seed: 2), epochs: 1)
        _ = try trainer.predict(Self.data(40, seed: 3))
        for l in model.layers.compactMap({ $0 as? WeightedLayer }) {
            XCTAssertEqual(l.planCount, 1, "\(l.name) keeps a plan per remainder")
        }
        let data = Self.data(21, seed: 6)
        let padded = try Inference.outputs(model, data, batchSize: 16)
        let whole = try Inference.outputs(model, data, batchSize: 21)
        let alone = try Inference.outputs(model, data, batchSize: 1)
        XCTAssertEqual(padded.count, 42)
        for (a, b) in zip(padded, whole) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(padded, alone) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    /// A streamed source is read in the seeded order, each batch exactly its rows.
    func testBatchStreamYieldsTheRowsInOrder() throws {
        let data = Self.data(23, seed: 8)
        var order = Array(0..<23)
        var rng = SplitMix64(seed: 4)
        order.shuffle(using: &rng)
        let stream = BatchStream(data, order: order, batchSize: 5, targets: true)
        var seen: [Int] = []
        while let b = try stream.next() {
            for j in 0..<b.count {
                let r = order[seen.count]
                XCTAssertEqual(Array(UnsafeBufferPointer(start: b.inputs[0] + j * 128, count: 128)), Array(data.inputs[0][(r * 128)..<((r + 1) * 128)]))
                XCTAssertEqual(Array(UnsafeBufferPointer(start: b.targets + j * 2, count: 2)), Array(data.targets[(r * 2)..<((r + 1) * 2)]))
                seen.append(r)
            }
        }
        XCTAssertEqual(seen, order)
    }
}

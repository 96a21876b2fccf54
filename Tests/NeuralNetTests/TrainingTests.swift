import Foundation
import Randomness
import XCTest
@testable import NeuralNet

/// Optimiser, loss and regulariser against hand-written formulas; a small CNN learning a
/// synthetic mapping; determinism; resume; checkpoints (including loading in Python).
final class TrainingTests: XCTestCase {
    func testAdamMatchesKerasFormula() {
        let d = built(Dense("d", units: 3), [2])
        let p = d.parameters[0]
        var w = p.read().map(Double.init)
        var m = [Double](repeating: 0, count: w.count), v = m
        let opt = Adam(learningRate: 0.01)
        for t in 1...3 {
            let g = randomValues(w.count, seed: UInt64(40 + t))
            Parameter.write(g, into: p.grad, p.kerasMD)
            opt.step([p])
            let alpha = 0.01 * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
            for i in w.indices {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                w[i] -= alpha * m[i] / (v[i].squareRoot() + 1e-7)
            }
        }
        for (a, b) in zip(p.read(), w) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        XCTAssertEqual(opt.iterations, 3)
    }

    /// A weight whose gradient becomes 0 (a dead unit): its first moment decays by β1 per step
    /// and would pass through the subnormal range (slow on x86); Adam flushes it to exactly 0,
    /// as TensorFlow's flush-to-zero mode does, while normal moments follow Keras's formula.
    func testDeadUnitMomentsFlushToZeroNotSubnormal() {
        let d = built(Dense("d", units: 2), [2])
        let p = d.parameters[0]
        let opt = Adam(learningRate: 1e-3)
        Parameter.write([1e-3, 1e-3, 1e-3, 1e-3], into: p.grad, p.kerasMD)
        opt.step([p])
        Parameter.write([0, 0, 0, 1e-3], into: p.grad, p.kerasMD)
        var sawZero = false
        for step in 0..<900 {   // 1e-4 · 0.9^n reaches the subnormal range (< 1.2e-38) at n ≈ 745
            opt.step([p])
            let m = Parameter.read(p.m!, p.kerasMD, 4), v = Parameter.read(p.v!, p.kerasMD, 4)
            for x in m + v { XCTAssertFalse(x.isSubnormal, "subnormal moment \(x) after \(step + 2) steps") }
            if m[0] == 0 { sawZero = true }
        }
        XCTAssertTrue(sawZero, "the dead unit's moment should have reached exactly 0")
        // The live weight's moment stays at its steady value g (normal throughout).
        XCTAssertEqual(Parameter.read(p.m!, p.kerasMD, 4)[3], 1e-3, accuracy: 1e-9)
    }

    /// The vectorised update (16 lanes, split across threads, scalar tails) against a naive
    /// per-element loop in Float, bit for bit: a kernel large enough to be split in two chunks
    /// whose lengths are not multiples of 16, a small bias, subnormal, zero and negative-zero
    /// gradients, and a clipped step.
    func testVectorisedAdamUpdateEqualsNaiveLoopBitForBit() {
        let d = built(Dense("d", units: 999), [701])
        var ws = d.parameters.map { $0.read() }
        var ms = ws.map { [Float](repeating: 0, count: $0.count) }, vs = ms
        let opt = Adam(learningRate: 1e-3, globalClipNorm: 50)
        for t in 1...3 {
            var gs: [[Float]] = []
            for (k, p) in d.parameters.enumerated() {
                var g = randomValues(p.count, seed: UInt64(100 * t + k))
                for i in stride(from: 0, to: g.count, by: 5) { g[i] = [1e-39, 0, -0.0, -3e-39, 1e-20][(i / 5) % 5] }
                Parameter.write(g, into: p.grad, p.kerasMD)
                gs.append(g)
            }
            let norm = Float(gs.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            let scale: Float = norm > 50 ? 50 / norm : 1
            opt.step(d.parameters, threads: 2)
            // As Adam computes it: the Float rate widened, β as Floats widened.
            let alpha = Float(Double(Float(1e-3)) * (1 - pow(Double(Float(0.999)), Double(t))).squareRoot() / (1 - pow(Double(Float(0.9)), Double(t))))
            let flush = { (x: Float) -> Float in x.magnitude < Float.leastNormalMagnitude ? 0 : x }
            let b1: Float = 0.9, b2: Float = 0.999, c1: Float = 1 - b1, c2: Float = 1 - b2, eps: Float = 1e-7
            for k in ws.indices {
                for i in ws[k].indices {
                    let gi = flush(gs[k][i] * scale)
                    ms[k][i] = flush(b1 * ms[k][i] + c1 * gi)
                    vs[k][i] = flush(b2 * vs[k][i] + c2 * gi * gi)
                    ws[k][i] -= alpha * ms[k][i] / (vs[k][i].squareRoot() + eps)
                }
            }
        }
        XCTAssertGreaterThan(d.parameters[0].count, 1 << 18, "the kernel must take the threaded path")
        for (k, p) in d.parameters.enumerated() {
            let w = p.read(), m = Parameter.read(p.m!, p.kerasMD, p.count), v = Parameter.read(p.v!, p.kerasMD, p.count)
            for (name, got, want) in [("w", w, ws[k]), ("m", m, ms[k]), ("v", v, vs[k])] {
                let differing = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "\(p.name) \(name): \(differing) of \(got.count) elements differ from the naive loop")
            }
        }
    }

    func testGlobalClipNormAndSchedule() {
        let d = built(Dense("d", units: 2), [2])
        let p = d.parameters[0]
        let before = p.read()
        Parameter.write([30, 40, 0, 0], into: p.grad, p.kerasMD)    // norm 50
        let opt = Adam(learningRate: 1, globalClipNorm: 5)
        var seen: [Int] = []
        opt.schedule = { step in seen.append(step); return 0.5 }
        opt.step([p])
        // First Adam step moves each coordinate by ≈ lr·sign(g) whatever the scale; with
        // clipping the moments hold the scaled gradient (3, 4).
        let m = Parameter.read(p.m!, p.kerasMD, 4)
        XCTAssertEqual(m[0], 0.3, accuracy: 1e-6)
        XCTAssertEqual(m[1], 0.4, accuracy: 1e-6)
        XCTAssertEqual(Double(before[0] - p.read()[0]), 0.5, accuracy: 1e-4)
        XCTAssertEqual(seen, [0])
    }

    func testMSEAndL2() {
        let y = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        let t: [Float] = [0, 2, 5, 3]
        let mse = MSELoss()
        XCTAssertEqual(mse.loss(y, t), (1 + 0 + 4 + 1) / 4.0, accuracy: 1e-9)
        XCTAssertEqual(mse.gradient(y, t).values, [0.5, 0, -1, 0.5])
        let d = built(Dense("d", units: 2, l2: 0.01), [2])
        let w = d.parameters[0].read()
        XCTAssertEqual(Regularizer.loss(d.parameters), 0.01 * w.reduce(0) { $0 + Double($1 * $1) }, accuracy: 1e-7)
        Parameter.write([0, 0, 0, 0], into: d.parameters[0].grad, d.parameters[0].kerasMD)
        Regularizer.addGradients(d.parameters)
        for (g, x) in zip(d.parameters[0].readGrad(), w) { XCTAssertEqual(g, 0.02 * x, accuracy: 1e-7) }
    }

    /// Images 8×8×1 made of constant 2×2 blocks (so max pooling loses nothing); the target is
    /// the centred sum of the four top-left blocks.
    static func synthetic(_ n: Int, seed: UInt64) -> Dataset {
        var r = SplitMix64(seed: seed)
        var xs: [Float] = [], ys: [Float] = []
        for _ in 0..<n {
            let blocks = (0..<16).map { _ in r.nextFloat() }
            xs += (0..<64).map { blocks[(($0 / 8) / 2) * 4 + ($0 % 8) / 2] }
            ys.append(blocks[0] + blocks[1] + blocks[4] + blocks[5] - 2)
        }
        return Dataset(inputs: [xs], targets: ys, count: n)
    }

    static func smallCNN(seed: UInt64) -> Sequential {
        Sequential(inputShape: [8, 8, 1], layers: [
            Conv("conv", filters: 4, kernel: [3, 3], padding: .same, relu: true, l2: 1e-4),
            MaxPool("pool", pool: [2, 2]),
            Flatten("flatten"),
            Dense("hidden", units: 16, relu: true),
            Dropout("dropout", rate: 0.1),
            Dense("out", units: 1),
        ], seed: seed)
    }

    func trained(epochs: Int, seed: UInt64 = 7, resumeAt: Int? = nil) throws -> (Sequential, Trainer) {
        let train = Self.synthetic(256, seed: 1), val = Self.synthetic(64, seed: 2)
        var model = Self.smallCNN(seed: seed)
        var trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-2), seed: seed, batchSize: 32)
        if let stop = resumeAt {
            try trainer.fit(train: train, validation: val, epochs: stop)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID()).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try trainer.saveState(to: url)
            model = Self.smallCNN(seed: seed &+ 99)    // fresh weights, to prove they are replaced
            trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-2), seed: seed, batchSize: 32)
            try trainer.restoreState(from: url)
        }
        try trainer.fit(train: train, validation: val, epochs: epochs)
        return (model, trainer)
    }

    func testSmallCNNLearnsAndIsReproducible() throws {
        let val = Self.synthetic(64, seed: 2)
        let mean = val.targets.reduce(0, +) / Float(val.count)
        let baseline = val.targets.reduce(0.0) { $0 + Double(($1 - mean) * ($1 - mean)) } / Double(val.count)
        let (a, ta) = try trained(epochs: 25)
        XCTAssertLessThan(ta.history.last!.validation, 0.05 * baseline, "history \(ta.history.map(\.validation))")
        let (b, _) = try trained(epochs: 25)
        XCTAssertEqual(a.parameters.map { $0.read() }, b.parameters.map { $0.read() }, "same seed, same weights")
        let (c, tc) = try trained(epochs: 25, resumeAt: 11)
        XCTAssertEqual(a.parameters.map { $0.read() }, c.parameters.map { $0.read() }, "resumed run differs")
        XCTAssertEqual(ta.history.count, tc.history.count)
        XCTAssertTrue(zip(ta.history, tc.history).allSatisfy { $0.sameLosses(as: $1) }, "resumed history differs")
        XCTAssertTrue(tc.history.allSatisfy { ($0.seconds ?? -1) > 0 }, "every epoch's time recorded, resumed or not")
    }

    /// After the first step with a batch size, steps allocate no engine buffers.
    func testSteadyStateAllocatesNothing() throws {
        let data = Self.synthetic(64, seed: 1)
        let trainer = Trainer(model: Self.smallCNN(seed: 1), optimizer: Adam(), seed: 1)
        try trainer.trainStep(data, Array(0..<32))
        let live = MemoryStats.liveBytes
        MemoryStats.resetPeak()
        for k in 1...4 { try trainer.trainStep(data, Array((k * 7)..<(k * 7 + 32))) }
        XCTAssertEqual(MemoryStats.liveBytes, live)
        XCTAssertEqual(MemoryStats.peakBytes, live)
    }

    func testKeepsBestByValidation() throws {
        let train = Self.synthetic(64, seed: 1), val = Self.synthetic(32, seed: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("best-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let trainer = Trainer(model: Self.smallCNN(seed: 5), optimizer: Adam(learningRate: 0.05), seed: 5)
        trainer.bestCheckpoint = url
        try trainer.fit(train: train, validation: val, epochs: 6)
        let best = trainer.history.map(\.validation).min()!
        XCTAssertEqual(trainer.bestValidation, best)
        let reloaded = Self.smallCNN(seed: 6)
        let meta = try Checkpoint.load(into: reloaded, from: url)
        XCTAssertEqual(try Trainer(model: reloaded, optimizer: Adam()).evaluate(val), best)
        XCTAssertEqual(meta["epoch"], "\(trainer.history.firstIndex { $0.validation == best }! + 1)")
    }

    func testCheckpointRoundTripIsBitIdentical() throws {
        let (a, _) = try trained(epochs: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(a, to: url)
        let b = Self.smallCNN(seed: 12345)
        try Checkpoint.load(into: b, from: url)
        let x = Tensor(shape: [5, 8, 8, 1], values: randomValues(320, seed: 9))
        let ya = a.forward(x, training: false).values
        let yb = b.forward(x, training: false).values
        XCTAssertEqual(ya.map(\.bitPattern), yb.map(\.bitPattern))
        XCTAssertEqual(a.output(of: "hidden", for: x).shape, [5, 16])
    }

    /// The streamed writer (one tensor in memory at a time) writes the bytes the in-memory
    /// encoder gives for the same tensors; a failure half-way leaves neither the file nor its
    /// temporary behind.
    func testStreamedSafetensorsEqualInMemoryEncoding() throws {
        let entries = [SafeTensors.Entry(name: "a/kernel", shape: [3, 2], values: randomValues(6, seed: 1)),
                       SafeTensors.Entry(name: "a/bias", shape: [2], values: [-0.0, .leastNonzeroMagnitude]),
                       SafeTensors.Entry(name: "optimizer/m/a/kernel", shape: [1, 5], values: randomValues(5, seed: 2))]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.safetensors")
        try SafeTensors.write(entries, metadata: ["format": "test"], to: url)
        XCTAssertEqual(try Data(contentsOf: url), try SafeTensors.encode(entries, metadata: ["format": "test"]))
        XCTAssertEqual(try SafeTensors.read(url).entries["a/bias"]?.values.map(\.bitPattern), entries[1].values.map(\.bitPattern))

        struct Stop: Error {}
        let failed = dir.appendingPathComponent("y.safetensors")
        XCTAssertThrowsError(try SafeTensors.write(entries.map { ($0.name, $0.shape) }, metadata: [:], to: failed) { i in
            if i == 2 { throw Stop() }
            return entries[i].values
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["x.safetensors"])
    }

    /// Python's reference reader must see our names, shapes and values. Fails (not skips)
    /// without python3 + safetensors, which CI installs.
    func testCheckpointLoadsInPythonSafetensors() throws {
        let model = Self.smallCNN(seed: 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("py-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(model, to: url)
        let k = model.parameters[0].read()
        let script = """
        import sys, json
        from safetensors.numpy import load_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        print(json.dumps({k: list(v.shape) for k, v in t.items()}))
        print(repr(float(t["conv/kernel"][2, 1, 0, 3])))
        with safe_open(sys.argv[1], framework="numpy") as f:
            print(json.loads(f.metadata()["config"])["layers"][0]["type"])
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, out)
        let lines = out.split(separator: "\n").map(String.init)
        guard lines.count == 3 else { return XCTFail(out) }
        let shapes = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: [Int]]
        XCTAssertEqual(shapes, ["conv/kernel": [3, 3, 1, 4], "conv/bias": [4], "hidden/kernel": [64, 16],
                                "hidden/bias": [16], "out/kernel": [16, 1], "out/bias": [1]])
        // Keras layout kh×kw×in×out: element [2,1,0,3] sits at ((2·3+1)·1+0)·4+3.
        XCTAssertEqual(Float(lines[1])!, k[((2 * 3 + 1) * 1 + 0) * 4 + 3])
        XCTAssertEqual(lines[2], "Conv2D")
    }
}

/// The whole Sequential chain (conv → pool → flatten → dense) against finite differences of
/// the MSE loss, so the layers' gradients are also checked to compose.
final class ModelGradientTests: XCTestCase {
    func testSequentialGradients() {
        let model = Sequential(inputShape: [6, 6, 2], layers: [
            // 16 channels: oneDNN picks blocked layouts, so Flatten's conversion is exercised.
            Conv("c1", filters: 16, kernel: [3, 3], padding: .same, relu: true),
            Conv("c2", filters: 16, kernel: [3, 3]),
            MaxPool("p", pool: [2, 2]),
            Flatten("f"),
            Dense("d1", units: 5, relu: true),
            Dense("d2", units: 2),
        ], seed: 4)
        let x = Tensor(shape: [3, 6, 6, 2], values: randomValues(216, seed: 5))
        XCTAssertFalse(model.layers[0].forward(x, training: true).isPlain, "expected a blocked activation layout")
        checkNetworkGradients(model, input: x, target: randomValues(6, seed: 6), loss: MSELoss())
    }
}

import Foundation
import Randomness
import XCTest
@testable import NeuralNet

/// The graph model: M4's fusion as a `Graph` against the pre-graph network it replaced
/// (`ReferenceAttentionFusion`), finite differences through it, and a small graph whose
/// values have several consumers against a naive double-precision loop.
final class GraphTests: XCTestCase {
    static let width = 8

    func head(relu: Bool) -> [Layer] {
        [Dense("dense", units: 6, relu: relu), Dropout("dropout", rate: 0.25), Dense("dense_1", units: 2)]
    }

    func graphFusion(train: Bool, head: [Layer], seed: UInt64 = 11) -> Graph {
        Graph.attentionFusion(width: Self.width, heads: 2, keyDim: 4, epsilon: 1e-3, dropout: 0.3, head: head,
                              trainFusion: train, seed: seed)
    }

    func referenceFusion(train: Bool, head: [Layer], seed: UInt64 = 11) -> ReferenceAttentionFusion {
        ReferenceAttentionFusion(width: Self.width, heads: 2, keyDim: 4, epsilon: 1e-3, dropout: 0.3, head: head,
                                 trainFusion: train, seed: seed)
    }

    /// Every layer's weights by tensor name, trained or frozen.
    func weights(_ net: Network) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: net.allLayers.flatMap(\.parameters).map { ($0.name, $0.read()) })
    }

    /// Gives every dropout layer the generator its name and `step` select, in either model.
    func reseedDropout(_ net: Network, step: UInt64) {
        for case let d as Dropout in net.allLayers {
            d.rng = SplitMix64.derive(UInt64(d.name.utf8.count), step)
        }
    }

    /// Same seed → bit-identical weights; same weights, inputs and dropout masks →
    /// bit-identical outputs (training and inference) and parameter gradients, over batch
    /// sizes 3, 2, 3 (the per-batch-size buffers); the frozen fusion computes no gradient for
    /// attention and LayerNorm. Tolerance 0: the same float operations run in the same order.
    func testFusionGraphMatchesPreGraphNetwork() {
        for train in [true, false] {
            let graph = graphFusion(train: train, head: head(relu: true))
            let reference = referenceFusion(train: train, head: head(relu: true))
            XCTAssertEqual(weights(graph), weights(reference), "initial weights, trainFusion \(train)")
            XCTAssertEqual(graph.parameters.map(\.name), reference.parameters.map(\.name))
            XCTAssertEqual(graph.inputShapes, reference.inputShapes)
            XCTAssertEqual(graph.outputShape, reference.outputShape)
            XCTAssertEqual(graph.forwardFLOPs, reference.forwardFLOPs)
            let frozen = train ? [] : graph.allLayers.filter { ["multi_head_attention", "layer_normalization"].contains($0.name) }
                .flatMap(\.parameters)
            let sentinel: Float = -12345
            for (step, n) in [3, 2, 3].enumerated() {
                let w = Self.width, seed = UInt64(100 * step)
                let s = Tensor(shape: [n, w], values: randomValues(n * w, seed: seed + 1))
                let i = Tensor(shape: [n, w], values: randomValues(n * w, seed: seed + 2))
                reseedDropout(graph, step: UInt64(step)); reseedDropout(reference, step: UInt64(step))
                let y = graph.forward([s, i], training: true).values
                XCTAssertEqual(y, reference.forward([s, i], training: true).values, "training output, step \(step)")
                // Written after the forward pass, which may move gradients into the layout a new primitive prefers.
                for p in frozen { p.grad.data.update(repeating: sentinel, count: p.grad.count) }
                let dy = randomValues(n * 2, seed: seed + 3)
                graph.backward(Tensor(shape: [n, 2], values: dy))
                reference.backward(Tensor(shape: [n, 2], values: dy))
                let referenceGradients = Dictionary(uniqueKeysWithValues: reference.parameters.map { ($0.name, $0.readGrad()) })
                for p in graph.parameters {
                    XCTAssertEqual(p.readGrad(), referenceGradients[p.name], "\(p.name) gradient, step \(step)")
                    XCTAssertTrue(p.readGrad().contains { $0 != 0 } || p.name.contains("/query/") || p.name.contains("/key/"),
                                  "\(p.name): a gradient of zeros proves nothing")
                }
                for p in frozen {
                    XCTAssertTrue(UnsafeBufferPointer(start: p.grad.data, count: p.grad.count).allSatisfy { $0 == sentinel },
                                  "\(p.name) is frozen: its backward must not run")
                }
                XCTAssertEqual(graph.forward([s, i], training: false).values, reference.forward([s, i], training: false).values,
                               "inference output, step \(step)")
            }
        }
    }

    /// What runs in backward: nothing for nodes fed only by model inputs, nothing for frozen
    /// attention and LayerNorm, and the regressor's first layer computes no input gradient then.
    func testFusionGraphSkipsUnneededGradients() {
        let learned = graphFusion(train: true, head: head(relu: true))
        XCTAssertFalse(learned.layer(named: "multi_head_attention")!.needsInputGradient)
        XCTAssertFalse(learned.requiresGradient("reshape"))
        XCTAssertTrue(learned.requiresGradient("multi_head_attention"))
        XCTAssertTrue(learned.layer(named: "add")!.needsInputGradient)
        XCTAssertTrue(learned.layer(named: "dense")!.needsInputGradient)
        let frozen = graphFusion(train: false, head: head(relu: true))
        for name in ["reshape", "reshape_1", "multi_head_attention", "add", "layer_normalization", "dropout_fusion", "reshape_2"] {
            XCTAssertFalse(frozen.requiresGradient(name), name)
        }
        XCTAssertTrue(frozen.requiresGradient("dense"))
        XCTAssertFalse(frozen.layer(named: "dense")!.needsInputGradient)
        XCTAssertEqual(frozen.parameters.map(\.name), ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"])
    }

    /// Learned fusion end to end against central differences of L = Σ r·y (the helper's
    /// probe, h = 1e-2), dropout on (masks reseeded before every forward, so each probe sees
    /// the same mask); no ReLU in the head, so no kinks.
    func testFusionGraphGradientsMatchFiniteDifferences() {
        let net = graphFusion(train: true, head: head(relu: false), seed: 8)
        for p in net.parameters where p.name.hasSuffix("bias") || p.name.hasSuffix("beta") {
            p.write(randomValues(p.count, seed: 44).map { 0.1 * $0 })
        }
        net.layer(named: "layer_normalization")!.parameters[0].write(randomValues(Self.width, seed: 45).map { 1 + 0.5 * $0 })
        let s = Tensor(shape: [3, Self.width], values: randomValues(3 * Self.width, seed: 41))
        let i = Tensor(shape: [3, Self.width], values: randomValues(3 * Self.width, seed: 42))
        let r = randomValues(6, seed: 43)
        func output() -> Tensor {
            reseedDropout(net, step: 7)
            return net.forward([s, i], training: true)
        }
        func loss() -> (Double, Int) {
            let y = output().values
            return ((0..<y.count).reduce(0.0) { $0 + Double(r[$1]) * Double(y[$1]) }, 0)
        }
        _ = output()
        net.backward(Tensor(shape: [3, 2], values: r))
        XCTAssertEqual(net.parameters.count, 4 * 2 + 2 + 4)
        for p in net.parameters {
            var w = p.read()
            checkGradient(p.name, count: p.count, analytic: p.readGrad(), probe: { k, d in
                let old = w[k]; w[k] = old + d; p.write(w)
                defer { w[k] = old; p.write(w) }
                return loss()
            })
        }
    }

    /// A checkpoint of the pre-graph network (M4 and the frozen fusion block) loads into the
    /// graph built from another seed and gives the same outputs: model folders load unchanged.
    func testPreGraphCheckpointLoadsIntoGraph() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("galam-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, head) in [("m4", head(relu: true)), ("block", [])] {
            let reference = referenceFusion(train: true, head: head, seed: 5)
            let url = dir.appendingPathComponent("\(name).safetensors")
            try Checkpoint.save(reference, to: url)
            let graph = graphFusion(train: true, head: name == "m4" ? self.head(relu: true) : [], seed: 6)
            XCTAssertNotEqual(weights(graph), weights(reference))
            try Checkpoint.load(into: graph, from: url)
            let s = Tensor(shape: [4, Self.width], values: randomValues(4 * Self.width, seed: 51))
            let i = Tensor(shape: [4, Self.width], values: randomValues(4 * Self.width, seed: 52))
            XCTAssertEqual(graph.forward([s, i], training: false).values, reference.forward([s, i], training: false).values, name)
        }
        let config = graphFusion(train: false, head: head(relu: true)).config
        XCTAssertEqual(config["class"] as? String, "Graph")
        let add = (config["layers"] as! [[String: Any]]).first { $0["name"] as? String == "add" }!
        XCTAssertEqual(add["inbound"] as? [String], ["multi_head_attention", "reshape"])
        XCTAssertNotNil(try JSONSerialization.data(withJSONObject: config))
    }

    /// x → a = Dense(x); b = Dense(a), frozen; sum = a + b + a; LayerNorm(sum); Dense: `a`
    /// has three consumers (one of them twice), so its gradient is a sum. Forward against a
    /// naive double-precision loop (1e-5), every trained parameter against finite differences.
    func testValueWithSeveralConsumers() {
        let g = Graph.Builder()
        let x = g.input("x", shape: [4])
        let a = g.apply(Dense("a", units: 6), x)
        let b = g.apply(Dense("b", units: 6), a, trainable: false)
        let sum = g.apply(Add("sum"), a, b, a)
        let out = g.apply(Dense("out", units: 3), g.apply(LayerNorm("norm"), sum))
        let net = Graph(g, output: out, seed: 3)
        XCTAssertEqual(net.parameters.map(\.name), ["a/kernel", "a/bias", "norm/gamma", "norm/beta", "out/kernel", "out/bias"])
        XCTAssertFalse(net.layer(named: "a")!.needsInputGradient)
        XCTAssertTrue(net.requiresGradient("b"), "frozen, but the gradient of a passes through it")
        for p in net.allLayers.flatMap(\.parameters) where !p.name.hasSuffix("kernel") {
            p.write(randomValues(p.count, seed: 61).map { (p.name.hasSuffix("gamma") ? 1 : 0) + 0.3 * $0 })
        }
        let n = 3
        let xs = Tensor(shape: [n, 4], values: randomValues(n * 4, seed: 62))
        let w = weights(net)
        func dense(_ v: [Double], _ name: String, _ inputs: Int, _ units: Int) -> [Double] {
            (0..<(v.count / inputs)).flatMap { r in
                (0..<units).map { j in
                    (0..<inputs).reduce(Double(w["\(name)/bias"]![j])) { $0 + v[r * inputs + $1] * Double(w["\(name)/kernel"]![$1 * units + j]) }
                }
            }
        }
        let av = dense(xs.values.map(Double.init), "a", 4, 6), bv = dense(av, "b", 6, 6)
        let sv = zip(av, bv).map { 2 * $0 + $1 }
        var normed = [Double]()
        for r in 0..<n {
            let row = sv[(r * 6)..<(r * 6 + 6)], mean = row.reduce(0, +) / 6
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 6
            normed += row.enumerated().map { k, v in
                Double(w["norm/gamma"]![k]) * (v - mean) / (variance + 1e-3).squareRoot() + Double(w["norm/beta"]![k])
            }
        }
        let expected = dense(normed, "out", 6, 3)
        let y = net.forward([xs], training: true)
        for (got, want) in zip(y.values, expected) { XCTAssertEqual(Double(got), want, accuracy: 1e-5) }

        let r = randomValues(y.count, seed: 63)
        func loss() -> (Double, Int) {
            let v = net.forward([xs], training: true).values
            return ((0..<v.count).reduce(0.0) { $0 + Double(r[$1]) * Double(v[$1]) }, 0)
        }
        net.backward(Tensor(shape: y.shape, values: r))
        for p in net.parameters {
            let grad = p.readGrad()
            var v = p.read()
            checkGradient(p.name, count: p.count, analytic: grad, probe: { k, d in
                let old = v[k]; v[k] = old + d; p.write(v)
                defer { v[k] = old; p.write(v) }
                return loss()
            })
        }
    }
}

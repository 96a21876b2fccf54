import Randomness
import XCTest
@testable import NeuralNet

/// Random values in [-1, 1) from a seeded generator (tests must be repeatable).
func randomValues(_ n: Int, seed: UInt64) -> [Float] {
    var r = SplitMix64(seed: seed)
    return (0..<n).map { _ in r.nextFloat() * 2 - 1 }
}

/// Builds and initialises one layer for a per-sample input shape.
func built<L: Layer>(_ layer: L, _ inputShape: [Int], seed: UInt64 = 1) -> L {
    _ = layer.build(inputShape: inputShape)
    var rng = SplitMix64(seed: seed)
    layer.initialize(rng: &rng)
    // Non-zero biases so the tests see them.
    for p in layer.parameters where p.name.hasSuffix("bias") || p.name.hasSuffix("beta") {
        p.write(randomValues(p.count, seed: seed &+ 7).map { $0 * 0.1 })
    }
    return layer
}

/// Checks a function's analytic gradient against central finite differences.
///
/// The scalar probed is L = Σ r·f(x) for a fixed random r, evaluated in float32 by the engine
/// and summed in double. Step h = 1e-2 and tolerance |a − n| ≤ 2e-2·max(1, |n|) suit float32
/// forward passes on values of order one (rounding noise ≈ 1e-7·Σ|terms|/h).
/// Probes whose ReLU pattern differs between +h and −h straddle a kink, where the derivative
/// does not exist; those coordinates are skipped (the probe reports a pattern hash).
func checkGradient(_ name: String, count: Int, analytic: [Float], probe: (Int, Float) -> (Double, Int),
                   samples: Int = 24, h: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line) {
    let stride = max(1, count / samples)
    var i = 0
    while i < count {
        let (lp, kp) = probe(i, h), (lm, km) = probe(i, -h)
        if kp != km { i += stride; continue }
        let numeric = (lp - lm) / Double(2 * h)
        let a = Double(analytic[i])
        XCTAssertLessThanOrEqual(abs(a - numeric), 2e-2 * max(1, abs(numeric)),
                                 "\(name)[\(i)]: analytic \(a) vs numeric \(numeric)", file: file, line: line)
        i += stride
    }
}

/// Full gradient check of a layer: input gradient and every parameter's gradient.
func checkLayerGradients(_ layer: Layer, inputShape: [Int], batch: Int = 2, seed: UInt64 = 3,
                         file: StaticString = #filePath, line: UInt = #line) {
    let xShape = [batch] + inputShape
    let x = Tensor(shape: xShape, values: randomValues(xShape.reduce(1, *), seed: seed))
    let y0 = layer.forward(x, training: true)
    let r = randomValues(y0.count, seed: seed + 1)
    func lossValue() -> (Double, Int) {
        let y = layer.forward(x, training: true).values    // Keras order, whatever the layout
        var s: Double = 0
        var zeros = Hasher()
        for i in 0..<y.count { s += Double(r[i]) * Double(y[i]); zeros.combine(y[i] == 0) }
        return (s, zeros.finalize())
    }
    _ = layer.forward(x, training: true)
    let dy = Tensor(shape: y0.shape, values: r)
    layer.needsInputGradient = true
    let dx = layer.backward(dy)!.values
    let grads = layer.parameters.map { $0.readGrad() }
    checkGradient("\(layer.name) input", count: x.count, analytic: dx, probe: { i, d in
        let old = x.data[i]; x.data[i] = old + d
        defer { x.data[i] = old }
        return lossValue()
    }, file: file, line: line)
    for (p, g) in zip(layer.parameters, grads) {
        var w = p.read()
        checkGradient(p.name, count: p.count, analytic: g, probe: { i, d in
            let old = w[i]; w[i] = old + d; p.write(w)
            defer { w[i] = old; p.write(w) }
            return lossValue()
        }, file: file, line: line)
    }
}

/// Checks every parameter gradient of `model` under `loss` (MSE, possibly column-weighted)
/// at one input and target against central finite differences of the loss itself.
func checkNetworkGradients(_ model: Sequential, input x: Tensor, target t: [Float], loss mse: MSELoss,
                           file: StaticString = #filePath, line: UInt = #line) {
    // The loss, with a hash of every layer's zero pattern (ReLU kinks, see checkGradient).
    func loss() -> (Double, Int) {
        var h = Hasher()
        var a = x
        for l in model.layers {
            a = l.forward(a, training: true)
            for i in 0..<a.count { h.combine(a.data[i] == 0) }
        }
        return (mse.loss(a, t), h.finalize())
    }
    let y = model.forward(x, training: true)
    model.backward(mse.gradient(y, t))
    for p in model.parameters {
        let g = p.readGrad()
        var w = p.read()
        checkGradient(p.name, count: p.count, analytic: g.map { $0 * 1000 }, probe: { i, d in
            let old = w[i]; w[i] = old + d; p.write(w)
            defer { w[i] = old; p.write(w) }
            let (l, k) = loss()
            return (l * 1000, k)
        }, h: 2e-3, file: file, line: line)   // smaller step: max-pool winners can swap within ±1e-2
    }
}

import Foundation
import Randomness
import XCTest
@testable import NeuralNet

/// LayerNormalization and MultiHeadAttention against naive double-precision loops and
/// finite differences (the fusion model built from them: GraphTests).
final class AttentionTests: XCTestCase {
    func testLayerNormForwardAndGradients() {
        let ln = built(LayerNorm("ln", epsilon: 1e-3), [2, 6])
        ln.parameters[0].write(randomValues(6, seed: 21).map { 1 + 0.5 * $0 })
        let xv = randomValues(3 * 2 * 6, seed: 22)
        let y = ln.forward(Tensor(shape: [3, 2, 6], values: xv), training: false).values
        let g = ln.parameters[0].read(), b = ln.parameters[1].read()
        for r in 0..<6 {
            let row = xv[(r * 6)..<(r * 6 + 6)].map(Double.init)
            let mean = row.reduce(0, +) / 6
            let v = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 6
            for i in 0..<6 {
                let ref = Double(g[i]) * (row[i] - mean) / (v + 1e-3).squareRoot() + Double(b[i])
                XCTAssertEqual(Double(y[r * 6 + i]), ref, accuracy: 1e-5)
            }
        }
        checkLayerGradients(ln, inputShape: [2, 6])
        checkLayerGradients(built(LayerNorm("ln6", epsilon: 1e-6), [5]), inputShape: [5])
    }

    /// Naive Keras MHA in double precision from the Keras-layout weights.
    func naiveMHA(_ q: [Float], _ v: [Float], n: Int, tq: Int, tk: Int, dq: Int, dv: Int,
                  heads: Int, dk: Int, _ w: [String: [Float]]) -> [Double] {
        func proj(_ x: [Float], _ t: Int, _ d: Int, _ p: String) -> [Double] {   // [n][t][h][k]
            let k = w["mha/\(p)/kernel"]!, bias = w["mha/\(p)/bias"]!
            var out = [Double](repeating: 0, count: n * t * heads * dk)
            for b in 0..<n { for i in 0..<t { for h in 0..<heads { for e in 0..<dk {
                var s = Double(bias[h * dk + e])
                for c in 0..<d { s += Double(x[(b * t + i) * d + c]) * Double(k[(c * heads + h) * dk + e]) }
                out[((b * t + i) * heads + h) * dk + e] = s
            } } } }
            return out
        }
        let Q = proj(q, tq, dq, "query"), K = proj(v, tk, dv, "key"), V = proj(v, tk, dv, "value")
        var ctx = [Double](repeating: 0, count: n * tq * heads * dk)
        for b in 0..<n { for h in 0..<heads { for i in 0..<tq {
            var s = (0..<tk).map { j in
                (0..<dk).reduce(0.0) { $0 + Q[((b * tq + i) * heads + h) * dk + $1] * K[((b * tk + j) * heads + h) * dk + $1] }
                    / Double(dk).squareRoot()
            }
            let m = s.max()!
            s = s.map { exp($0 - m) }
            let z = s.reduce(0, +)
            for j in 0..<tk { for e in 0..<dk {
                ctx[((b * tq + i) * heads + h) * dk + e] += s[j] / z * V[((b * tk + j) * heads + h) * dk + e]
            } }
        } } }
        let ko = w["mha/attention_output/kernel"]!, bo = w["mha/attention_output/bias"]!
        var y = [Double](repeating: 0, count: n * tq * dq)
        for b in 0..<n { for i in 0..<tq { for o in 0..<dq {
            var s = Double(bo[o])
            for h in 0..<heads { for e in 0..<dk {
                s += ctx[((b * tq + i) * heads + h) * dk + e] * Double(ko[(h * dk + e) * dq + o])
            } }
            y[(b * tq + i) * dq + o] = s
        } } }
        return y
    }

    func makeMHA(tk: Int = 2) -> MultiHeadAttention {
        let m = MultiHeadAttention("mha", heads: 2, keyDim: 3)
        _ = m.build(queryShape: [3, 4], valueShape: [tk, 5])
        var rng = SplitMix64(seed: 31)
        m.initialize(rng: &rng)
        for p in m.parameters where p.name.hasSuffix("bias") { p.write(randomValues(p.count, seed: 32).map { 0.2 * $0 }) }
        return m
    }

    func testMultiHeadAttentionForwardMatchesNaive() {
        for tk in [2, 1] { mhaForward(tk: tk) }
    }

    func mhaForward(tk: Int) {
        let m = makeMHA(tk: tk)
        let shapes = Dictionary(uniqueKeysWithValues: m.parameters.map { ($0.name, $0.kerasShape) })
        XCTAssertEqual(shapes["mha/query/kernel"], [4, 2, 3])
        XCTAssertEqual(shapes["mha/key/bias"], [2, 3])
        XCTAssertEqual(shapes["mha/attention_output/kernel"], [2, 3, 4])
        let q = randomValues(2 * 3 * 4, seed: 33), v = randomValues(2 * tk * 5, seed: 34)
        let y = m.forward(query: Tensor(shape: [2, 3, 4], values: q), value: Tensor(shape: [2, tk, 5], values: v),
                          training: false)
        XCTAssertEqual(y.shape, [2, 3, 4])
        let w = Dictionary(uniqueKeysWithValues: m.parameters.map { ($0.name, $0.read()) })
        let ref = naiveMHA(q, v, n: 2, tq: 3, tk: tk, dq: 4, dv: 5, heads: 2, dk: 3, w)
        for (a, b) in zip(y.values, ref) { XCTAssertEqual(Double(a), b, accuracy: 1e-5) }
    }

    func testMultiHeadAttentionGradients() {
        for tk in [2, 1] { mhaGradients(tk: tk) }
    }

    /// With tk = 1 the shortcut path runs; the finite differences still see the full layer,
    /// so zero query/key gradients are checked too.
    func mhaGradients(tk: Int) {
        let m = makeMHA(tk: tk)
        m.needsInputGradient = true
        let q = Tensor(shape: [2, 3, 4], values: randomValues(24, seed: 35))
        let v = Tensor(shape: [2, tk, 5], values: randomValues(10 * tk, seed: 36))
        let r = randomValues(24, seed: 37)
        func loss() -> (Double, Int) {
            let y = m.forward(query: q, value: v, training: true)
            return ((0..<y.count).reduce(0.0) { $0 + Double(r[$1]) * Double(y.data[$1]) }, 0)
        }
        _ = m.forward(query: q, value: v, training: true)
        let d = m.backwardInputs(Tensor(shape: [2, 3, 4], values: r))
        XCTAssertEqual(d.count, 2)
        for (t, g, nm) in [(q, d[0]!.values, "dquery"), (v, d[1]!.values, "dvalue")] {
            checkGradient(nm, count: t.count, analytic: g, probe: { i, d in
                let old = t.data[i]; t.data[i] = old + d
                defer { t.data[i] = old }
                return loss()
            })
        }
        for p in m.parameters {
            let g = p.readGrad()
            var w = p.read()
            checkGradient(p.name, count: p.count, analytic: g, probe: { i, d in
                let old = w[i]; w[i] = old + d; p.write(w)
                defer { w[i] = old; p.write(w) }
                return loss()
            })
        }
    }
}

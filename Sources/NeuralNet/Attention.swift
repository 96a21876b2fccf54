import Foundation
import Randomness

/// Keras MultiHeadAttention: query/key/value projections with biases to `heads` heads of
/// `keyDim` values each, softmax(QKᵀ/√keyDim)·V per head, and an output projection back to
/// the query's width. Query `[N, Tq, Dq]`, key = value `[N, Tk, Dv]`, any Tq, Tk ≥ 1.
///
/// Checkpoint tensors follow Keras's EinsumDense layout: `<name>/query/kernel` Dq×H×keyDim,
/// `<name>/query/bias` H×keyDim (likewise `key`, `value`), `<name>/attention_output/kernel`
/// H×keyDim×Dq and `<name>/attention_output/bias` Dq. Glorot fans come from those shapes,
/// as in Keras. Differs from Keras: no attention-score dropout, no masks, and key = value
/// (the only use here; M4's I serves as both).
///
/// With a single key/value token the softmax is exactly 1, so the query and key projections
/// cannot influence the output and their gradients are exactly zero: they are then skipped
/// (gradients set to zero), which halves M4's attention cost and changes no result.
///
/// A `MultiInputLayer`: in a `Graph` its inputs are the query and the key/value, in Keras's
/// call order (`attention(query, value)`).
public final class MultiHeadAttention: Layer, MultiInputLayer {
    /// Number of attention heads (Keras `num_heads`).
    public let heads: Int
    /// Width of each head's query, key and value (Keras `key_dim`).
    public let keyDim: Int
    private var query: Dense!, key: Dense!, value: Dense!, output: Dense!
    private var tq = 0, tk = 0, dq = 0, dv = 0
    private var probs: [Float] = []
    private var ctx = BatchCache<Tensor>()
        private var dqProj = BatchCache<Tensor>(), dkProj = BatchCache<Tensor>(), dvProj = BatchCache<Tensor>()
    private var dValueIn = BatchCache<Tensor>()
    private var zeroQueryGrad = BatchCache<Tensor>()
    private var qOut: Tensor?, kOut: Tensor?, vOut: Tensor?
    private let views = (q: ViewCache(), kv: ViewCache(), o: ViewCache(), dy: ViewCache(),
                         dq: ViewCache(), dkv: ViewCache())

    /// Call `build(queryShape:valueShape:)` before use (graphs do).
    public init(_ name: String, heads: Int, keyDim: Int) {
        self.heads = heads
        self.keyDim = keyDim
        super.init(name: name)
    }

    /// Builds for query shape `[Tq, Dq]` and key/value shape `[Tk, Dv]`; returns `[Tq, Dq]`.
    public func build(queryShape: [Int], valueShape: [Int]) -> [Int] {
        tq = queryShape[0]; dq = queryShape[1]; tk = valueShape[0]; dv = valueShape[1]
        inputShape = queryShape
        let hk = heads * keyDim
        query = Dense("\(name)/query", units: hk, kernelKerasShape: [dq, heads, keyDim], biasKerasShape: [heads, keyDim])
        key = Dense("\(name)/key", units: hk, kernelKerasShape: [dv, heads, keyDim], biasKerasShape: [heads, keyDim])
        value = Dense("\(name)/value", units: hk, kernelKerasShape: [dv, heads, keyDim], biasKerasShape: [heads, keyDim])
        output = Dense("\(name)/attention_output", units: dq, kernelKerasShape: [heads, keyDim, dq], biasKerasShape: [dq])
        _ = query.build(inputShape: [dq]); _ = key.build(inputShape: [dv])
        _ = value.build(inputShape: [dv]); _ = output.build(inputShape: [hk])
        parameters = query.parameters + key.parameters + value.parameters + output.parameters
        return queryShape
    }

    /// Builds for the shapes of the query and the key/value, `[[Tq, Dq], [Tk, Dv]]`.
    public func build(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 2, "\(name): inputs are query and key/value")
        return build(queryShape: inputShapes[0], valueShape: inputShapes[1])
    }

    public override func initialize(rng: inout SplitMix64) {
        for l in [query!, key!, value!, output!] { l.initialize(rng: &rng) }
    }

    /// Attention output for `[query, key/value]`.
    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(inputs.count == 2, "\(name): inputs are query and key/value")
        return forward(query: inputs[0], value: inputs[1], training: training)
    }

    /// Attention output for a query batch and a key/value batch.
    public func forward(query q: Tensor, value v: Tensor, training: Bool) -> Tensor {
        let n = q.batch, hk = heads * keyDim
        if tk == 1 { return forwardSingleKey(q, v, training: training) }
        let qo = query.forward(views.q.view(q, as: [n * tq, dq]), training: training)
        let kvIn = views.kv.view(v, as: [n * tk, dv])
        let ko = key.forward(kvIn, training: training)
        let vo = value.forward(kvIn, training: training)
        qOut = qo; kOut = ko; vOut = vo
        let c = ctx[n] ?? Tensor(shape: [n * tq, hk])
        ctx[n] = c
        if probs.count != n * heads * tq * tk { probs = [Float](repeating: 0, count: n * heads * tq * tk) }
        let scale = 1 / Float(keyDim).squareRoot()
        let Q = qo.data, K = ko.data, V = vo.data, C = c.data
        let H = heads, dk = keyDim, Tq = tq, Tk = tk
        probs.withUnsafeMutableBufferPointer { P in
            for b in 0..<n { for h in 0..<H { for i in 0..<Tq {
                let qrow = Q + ((b &* Tq &+ i) &* H &+ h) &* dk
                let prow = P.baseAddress! + ((b &* H &+ h) &* Tq &+ i) &* Tk
                var mx = -Float.infinity
                for j in 0..<Tk {
                    let krow = K + ((b &* Tk &+ j) &* H &+ h) &* dk
                    var s: Float = 0
                    for d in 0..<dk { s += qrow[d] * krow[d] }
                    prow[j] = s * scale
                    mx = max(mx, prow[j])
                }
                var sum: Float = 0
                for j in 0..<Tk { prow[j] = exp(prow[j] - mx); sum += prow[j] }
                for j in 0..<Tk { prow[j] /= sum }
                let crow = C + ((b &* Tq &+ i) &* H &+ h) &* dk
                for d in 0..<dk { crow[d] = 0 }
                for j in 0..<Tk {
                    let vrow = V + ((b &* Tk &+ j) &* H &+ h) &* dk, p = prow[j]
                    for d in 0..<dk { crow[d] += p * vrow[d] }
                }
            } } }
        }
        let y = output.forward(c, training: training)
        return views.o.view(y, as: [n, tq, dq])
    }

    /// One key: every query position receives the value projection unchanged.
    private func forwardSingleKey(_ q: Tensor, _ v: Tensor, training: Bool) -> Tensor {
        let n = q.batch, hk = heads * keyDim
        let vo = value.forward(views.kv.view(v, as: [n, dv]), training: training)
        vOut = vo
        var c = vo
        if tq > 1 {
            c = ctx[n] ?? Tensor(shape: [n * tq, hk])
            ctx[n] = c
            for b in 0..<n { for i in 0..<tq { (c.data + (b * tq + i) * hk).update(from: vo.data + b * hk, count: hk) } }
        }
        let y = output.forward(c, training: training)
        return views.o.view(y, as: [n, tq, dq])
    }

    private func backwardSingleKey(_ dy: Tensor) -> [Tensor?] {
        let n = dy.batch, hk = heads * keyDim
        let dc = output.backward(views.dy.view(dy, as: [n * tq, dq]))!
        var dV = dc
        if tq > 1 {
            dV = dvProj[n] ?? Tensor(shape: [n, hk])
            dvProj[n] = dV
            dV.data.update(repeating: 0, count: n * hk)
            for b in 0..<n { for i in 0..<tq { for e in 0..<hk { dV.data[b * hk + e] += dc.data[(b * tq + i) * hk + e] } } }
        }
        for p in query.parameters + key.parameters { p.grad.zero() }
        let dvIn = value.backward(dV)
        guard needsInputGradient, let vv = dvIn else { return [nil, nil] }
        let dqZero = zeroQueryGrad[n] ?? Tensor(shape: [n, tq, dq])   // the query has no influence
        zeroQueryGrad[n] = dqZero
        return [dqZero, views.dkv.view(vv, as: [n, 1, dv])]
    }

    /// Gradients of the query and of the key/value input (nil when not needed).
    public func backwardInputs(_ dy: Tensor) -> [Tensor?] {
        let n = dy.batch, hk = heads * keyDim
        if tk == 1 { return backwardSingleKey(dy) }
        let dc = output.backward(views.dy.view(dy, as: [n * tq, dq]))!
        let dQ = dqProj[n] ?? Tensor(shape: [n * tq, hk]), dK = dkProj[n] ?? Tensor(shape: [n * tk, hk])
        let dV = dvProj[n] ?? Tensor(shape: [n * tk, hk])
        dqProj[n] = dQ; dkProj[n] = dK; dvProj[n] = dV
        let scale = 1 / Float(keyDim).squareRoot()
        let Q = qOut!.data, K = kOut!.data, V = vOut!.data, DC = dc.data
        let dq_ = dQ.data, dk_ = dK.data, dv_ = dV.data
        let H = heads, dk = keyDim, Tq = tq, Tk = tk
        dk_.update(repeating: 0, count: n * tk * hk)
        dv_.update(repeating: 0, count: n * tk * hk)
        var dp = [Float](repeating: 0, count: Tk)
        probs.withUnsafeBufferPointer { P in
            for b in 0..<n { for h in 0..<H { for i in 0..<Tq {
                let prow = P.baseAddress! + ((b &* H &+ h) &* Tq &+ i) &* Tk
                let dcrow = DC + ((b &* Tq &+ i) &* H &+ h) &* dk
                var dot: Float = 0
                for j in 0..<Tk {
                    let vrow = V + ((b &* Tk &+ j) &* H &+ h) &* dk
                    let dvrow = dv_ + ((b &* Tk &+ j) &* H &+ h) &* dk
                    var s: Float = 0
                    for d in 0..<dk { s += dcrow[d] * vrow[d]; dvrow[d] += prow[j] * dcrow[d] }
                    dp[j] = s
                    dot += s * prow[j]
                }
                let qrow = Q + ((b &* Tq &+ i) &* H &+ h) &* dk
                let dqrow = dq_ + ((b &* Tq &+ i) &* H &+ h) &* dk
                for d in 0..<dk { dqrow[d] = 0 }
                for j in 0..<Tk {
                    let ds = prow[j] * (dp[j] - dot) * scale   // softmax backward, then the 1/√dk
                    let krow = K + ((b &* Tk &+ j) &* H &+ h) &* dk
                    let dkrow = dk_ + ((b &* Tk &+ j) &* H &+ h) &* dk
                    for d in 0..<dk { dqrow[d] += ds * krow[d]; dkrow[d] += ds * qrow[d] }
                }
            } } }
        }
        // Parameter gradients of the projections come from their own backward passes.
        let dqIn = query.backward(dQ)
        let dkIn = key.backward(dK)
        let dvIn = value.backward(dV)
        guard needsInputGradient, let a = dqIn, let kk = dkIn, let vv = dvIn else { return [nil, nil] }
        let sum = dValueIn[n] ?? Tensor(shape: [n, tk, dv])
        dValueIn[n] = sum
        for i in 0..<sum.count { sum.data[i] = kk.data[i] + vv.data[i] }
        return [views.dq.view(a, as: [n, tq, dq]), sum]
    }

    /// Projections per token plus the score and weighted-sum products, as executed (one
    /// key/value token: value and output projections only).
    public override var forwardFLOPs: Int {
        if tk == 1 { return value.forwardFLOPs + tq * output.forwardFLOPs }
        return tq * (query.forwardFLOPs + output.forwardFLOPs) + tk * (key.forwardFLOPs + value.forwardFLOPs)
            + 4 * heads * tq * tk * keyDim
    }

    public override var context: ComputeContext {
        didSet { for l in [query, key, value, output] { l?.context = context } }
    }

    public override var needsInputGradient: Bool {
        didSet { for l in [query, key, value] { l?.needsInputGradient = needsInputGradient } }
    }

    public override var config: [String: Any] {
        ["name": name, "type": "MultiHeadAttention", "num_heads": heads, "key_dim": keyDim]
    }
}

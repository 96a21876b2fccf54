import Foundation

/// Adam as Keras implements it: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
/// w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε). Note ε is added to √v *without* bias
/// correction — Keras's form, slightly different from the paper's Algorithm 1.
public final class Adam {
    /// Learning rate used when no schedule is set.
    public var learningRate: Float
    /// Moment decay rates and the denominator's ε (Keras defaults 0.9, 0.999, 1e-7).
    public let beta1: Float, beta2: Float, epsilon: Float
    /// Rescales all gradients together when their global L2 norm exceeds this (Keras's
    /// `global_clipnorm`); nil disables clipping.
    public var globalClipNorm: Float?
    /// Learning-rate schedule: called with the 0-based step number before each update
    /// (like a Keras `LearningRateSchedule`); nil keeps `learningRate`.
    public var schedule: ((Int) -> Float)?
    /// Number of updates applied so far (Keras's `iterations`); part of a checkpoint.
    public internal(set) var iterations = 0

    /// Keras's defaults unless given.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7, globalClipNorm: Float? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.globalClipNorm = globalClipNorm
    }

    /// Applies one update from the gradients currently stored in the parameters.
    /// L2 terms (2λw) must already be in the gradients (`Regularizer.addGradients`).
    /// `threads`: how many threads split the large tensors (the model's context's).
    public func step(_ parameters: [Parameter], threads: Int = ComputeContext.defaultThreads) {
        let lr = schedule?(iterations) ?? learningRate
        iterations += 1
        let t = Double(iterations)
        let alpha = Float(Double(lr) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        var scale: Float = 1
        if let clip = globalClipNorm {
            let norm = Float(parameters.reduce(0.0) { $0 + sumOfSquares($1.grad.data, $1.grad.count) }.squareRoot())
            if norm > clip { scale = clip / norm }
        }
        for p in parameters {
            if p.m == nil { p.m = Buffer(p.value.md); p.v = Buffer(p.value.md) }
            p.version += 1
            update(w: p.value.data, g: p.grad.data, m: p.m!.data, v: p.v!.data, n: p.value.count,
                   alpha: alpha, scale: scale, threads: threads)
        }
    }

    /// The elementwise update, split across threads for the large Dense kernels (memory
    /// bound: seven float streams per element). Each element's arithmetic is independent of
    /// the split, so results do not depend on the thread count.
    ///
    /// Subnormal gradients and moments are flushed to zero, as TensorFlow's flush-to-zero
    /// mode does. Without it, the first moment of a weight whose gradient stays 0 (a dead ReLU
    /// unit) decays by β1 per step into the subnormal range within a few hundred steps, and
    /// every x86 operation on a subnormal takes a microcode assist of ~100 cycles: in a
    /// 50-epoch M1 training state 48 % of the dense kernels' m were subnormal, and M1's epochs
    /// had slowed from 12 s to 17 s.
    private func update(w: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>,
                        m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, n: Int,
                        alpha: Float, scale: Float, threads: Int) {
        let b1 = beta1, b2 = beta2, eps = epsilon, c1 = 1 - beta1, c2 = 1 - beta2
        let chunks = n > 1 << 18 ? max(1, threads) : 1
        let per = (n + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c &* per, hi = min(n, lo &+ per)
            // 16 lanes at a time (four SSE registers on the baseline x86-64 target): the scalar
            // loop did not vectorise — w, g, m, v may alias as far as the compiler knows — and
            // was 38 % of an M1 epoch. Each lane computes exactly what the scalar tail does, so
            // results do not depend on the split.
            typealias V = SIMD16<Float>
            let vb1 = V(repeating: b1), vb2 = V(repeating: b2), vc1 = V(repeating: c1), vc2 = V(repeating: c2)
            let vscale = V(repeating: scale), valpha = V(repeating: alpha), veps = V(repeating: eps)
            var i = lo
            while i &+ V.scalarCount <= hi {
                let gi = flushSubnormal(V.load(g + i) * vscale)
                let mi = flushSubnormal(vb1 * V.load(m + i) + vc1 * gi)
                let vi = flushSubnormal(vb2 * V.load(v + i) + vc2 * gi * gi)
                mi.store(to: m + i)
                vi.store(to: v + i)
                (V.load(w + i) - valpha * mi / (vi.squareRoot() + veps)).store(to: w + i)
                i &+= V.scalarCount
            }
            while i < hi {
                let gi = flushSubnormal(g[i] * scale)
                let mi = flushSubnormal(b1 * m[i] + c1 * gi)
                let vi = flushSubnormal(b2 * v[i] + c2 * gi * gi)
                m[i] = mi
                v[i] = vi
                w[i] -= alpha * mi / (vi.squareRoot() + eps)
                i &+= 1
            }
        }
    }
}

extension SIMD16<Float> {
    /// The 16 floats at `p` (any alignment).
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    /// Writes the 16 lanes to `p` (any alignment).
    @inline(__always) func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
}

/// Each lane of x, or 0 where it is subnormal (NaN and infinities pass through).
@inline(__always) func flushSubnormal(_ x: SIMD16<Float>) -> SIMD16<Float> {
    x.replacing(with: 0, where: (x .< Float.leastNormalMagnitude) .& (x .> -Float.leastNormalMagnitude))
}

/// x, or 0 when x is subnormal (NaN and infinities pass through).
@inline(__always) func flushSubnormal(_ x: Float) -> Float {
    x.magnitude < Float.leastNormalMagnitude ? 0 : x
}

func sumOfSquares(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    var s: Double = 0
    for i in 0..<n { s += Double(p[i]) * Double(p[i]) }
    return s
}

/// Keras-style L2 kernel regularisation: each parameter with λ > 0 adds λ·Σw² to the loss.
public enum Regularizer {
    /// Σ λ·Σw² over the parameters.
    public static func loss(_ parameters: [Parameter]) -> Double {
        parameters.reduce(0.0) { $1.l2 > 0 ? $0 + Double($1.l2) * sumOfSquares($1.value.data, $1.value.count) : $0 }
    }

    /// Adds the regulariser's gradient 2λw to each parameter's gradient.
    public static func addGradients(_ parameters: [Parameter]) {
        for p in parameters where p.l2 > 0 {
            let k = 2 * p.l2, w = p.value.data, g = p.grad.data
            for i in 0..<p.value.count { g[i] += k * w[i] }
        }
    }
}

/// Mean squared error over all elements, as Keras's `mse` averaged over a batch; optionally
/// with a weight per output column, Σ_c w_c·(y_c − t_c)² averaged over columns and samples, so
/// an auxiliary target (a network taught a second quantity beside its labels) counts apart
/// from the main one, or not at all (weight 0).
public final class MSELoss {
    /// The weight of each output column (nil: 1 each, plain MSE).
    public let columnWeights: [Float]?
    private var grads = BatchCache<Tensor>()

    public init(columnWeights: [Float]? = nil) { self.columnWeights = columnWeights }

    /// The loss mean(w·(y − t)²); `target` holds y's element count in the same order.
    public func loss(_ y: Tensor, _ target: UnsafePointer<Float>) -> Double {
        sumOfSquaredErrors(y, target) / Double(y.count)
    }

    /// Σ w·(y − t)² over the first `rows` samples of y (all when nil), in double; `target`
    /// holds those samples' values. Rows beyond are a pass's padding (see `Trainer`).
    public func sumOfSquaredErrors(_ y: Tensor, _ target: UnsafePointer<Float>, rows: Int? = nil) -> Double {
        precondition(y.isPlain, "MSE reads plain outputs")
        var s: Double = 0
        let p = y.data, n = elements(y, rows)
        if let w = weights(for: y) {
            for i in 0..<n { let d = Double(p[i]) - Double(target[i]); s += Double(w[i % w.count]) * d * d }
        } else {
            for i in 0..<n { let d = Double(p[i]) - Double(target[i]); s += d * d }
        }
        return s
    }

    /// dLoss/dy = 2w(y − t)/`normaliser` into a reused tensor: `normaliser` is y's element
    /// count for this batch's own mean, or the whole batch's when y is one micro-batch of it
    /// (then the micro-batches' gradients sum to the batch's). Samples from `rows` on are
    /// padding: their gradient is zero, so they add nothing to any weight's gradient.
    public func gradient(_ y: Tensor, _ target: UnsafePointer<Float>, normaliser: Int? = nil, rows: Int? = nil) -> Tensor {
        let g = grads[y.batch] ?? Tensor(shape: y.shape)
        grads[y.batch] = g
        let k = 2 / Float(normaliser ?? y.count), p = y.data, d = g.data
        let real = elements(y, rows)
        if let w = weights(for: y) {
            for i in 0..<real { d[i] = k * w[i % w.count] * (p[i] - target[i]) }
        } else {
            for i in 0..<real { d[i] = k * (p[i] - target[i]) }
        }
        if real < y.count { (d + real).update(repeating: 0, count: y.count - real) }
        return g
    }

    private func weights(for y: Tensor) -> [Float]? {
        guard let w = columnWeights else { return nil }
        precondition(w.count == y.count / y.batch, "\(w.count) column weights for outputs \(y.shape.dropFirst())")
        return w
    }

    private func elements(_ y: Tensor, _ rows: Int?) -> Int {
        guard let rows else { return y.count }
        precondition(rows >= 0 && rows <= y.batch, "\(rows) rows of a batch of \(y.batch)")
        return rows * (y.count / y.batch)
    }
}

import CDNNL
import Randomness

/// Keras LayerNormalization over the last axis: y = γ·(x − μ)/√(σ² + ε) + β with the biased
/// variance; γ starts at 1, β at 0.
///
/// Choice: written as Swift loops rather than oneDNN's layer normalisation because the only
/// use (M4's fusion, 32×1024 values) is tiny and the loops make the ε and variance
/// conventions explicit.
public final class LayerNorm: Layer {
    /// ε: Keras's default is 1e-3; one variant of the authors' code uses 1e-6.
    public let epsilon: Float
    private var d = 0
    private var y = BatchCache<Tensor>()
    private var dx = BatchCache<Tensor>()
    private var xhat: [Float] = []
    private var invStd: [Float] = []
    private var lastBatch = 0

    /// `epsilon` defaults to Keras's 1e-3.
    public init(_ name: String, epsilon: Float = 1e-3) {
        self.epsilon = epsilon
        super.init(name: name)
    }

    public override func build(inputShape: [Int]) -> [Int] {
        self.inputShape = inputShape
        d = inputShape.last!
        parameters = [Parameter(name: "\(name)/gamma", kerasShape: [d], kerasMD: MD.make([d], dnnl_a)),
                      Parameter(name: "\(name)/beta", kerasShape: [d], kerasMD: MD.make([d], dnnl_a))]
        return inputShape
    }

    public override func initialize(rng: inout SplitMix64) {
        parameters[0].write([Float](repeating: 1, count: d))
        parameters[1].write([Float](repeating: 0, count: d))
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.isPlain, "\(name): LayerNorm reads plain layouts")
        let out = y[x.batch] ?? Tensor(shape: x.shape)
        y[x.batch] = out
        let rows = x.count / d
        if xhat.count != x.count { xhat = [Float](repeating: 0, count: x.count); invStd = [Float](repeating: 0, count: rows) }
        let g = parameters[0].value.data, b = parameters[1].value.data, src = x.data, dst = out.data
        xhat.withUnsafeMutableBufferPointer { xh in
            for r in 0..<rows {
                let row = src + r * d
                var mean: Double = 0
                for i in 0..<d { mean += Double(row[i]) }
                mean /= Double(d)
                var v: Double = 0
                for i in 0..<d { let c = Double(row[i]) - mean; v += c * c }
                let inv = Float(1 / (v / Double(d) + Double(epsilon)).squareRoot())
                invStd[r] = inv
                for i in 0..<d {
                    let h = (row[i] - Float(mean)) * inv
                    xh[r * d + i] = h
                    dst[r * d + i] = g[i] * h + b[i]
                }
            }
        }
        lastBatch = x.batch
        return out
    }

    public override func backward(_ dy: Tensor) -> Tensor? {
        precondition(dy.isPlain, "\(name): LayerNorm reads plain layouts")
        let rows = dy.count / d
        let gamma = parameters[0].value.data
        let dg = parameters[0].grad.data, db = parameters[1].grad.data
        for i in 0..<d { dg[i] = 0; db[i] = 0 }
        let out = dx[dy.batch] ?? Tensor(shape: dy.shape)
        dx[dy.batch] = out
        let g = dy.data, o = out.data
        xhat.withUnsafeBufferPointer { xh in
            for r in 0..<rows {
                // dx = inv·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ.
                var m1: Float = 0, m2: Float = 0
                for i in 0..<d {
                    let gi = g[r * d + i], h = xh[r * d + i]
                    dg[i] += gi * h
                    db[i] += gi
                    let gh = gi * gamma[i]
                    m1 += gh
                    m2 += gh * h
                }
                m1 /= Float(d); m2 /= Float(d)
                let inv = invStd[r]
                for i in 0..<d {
                    o[r * d + i] = inv * (g[r * d + i] * gamma[i] - m1 - xh[r * d + i] * m2)
                }
            }
        }
        return needsInputGradient ? out : nil
    }

    public override var config: [String: Any] {
        ["name": name, "type": "LayerNormalization", "epsilon": Double(epsilon)]
    }
}

import CDNNL
import Foundation
import Randomness

/// Keras Flatten: `[N, …]` → `[N, prod(…)]` in Keras's (h, w, c) order. Blocked activations
/// from convolutions are reordered to plain channels-last here (the model's edge between
/// the convolutional and dense parts); plain inputs pass as a view without a copy.
public final class Flatten: Layer {
    private let fwdViews = ViewCache(), bwdViews = ViewCache()
    private lazy var toPlain = Conform(context)
    private lazy var toCaller = Conform(context)
    private lazy var toPlainGrad = Conform(context)
    private var callerMD = dnnl_memory_desc_t()

    public init(_ name: String) { super.init(name: name) }

    public override func build(inputShape: [Int]) -> [Int] {
        self.inputShape = inputShape
        return [inputShape.reduce(1, *)]
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        callerMD = x.buffer.md
        return fwdViews.view(toPlain.apply(x, Tensor.descriptor(x.shape)), as: [x.batch, inputShape.reduce(1, *)])
    }

    public override func backward(_ dy: Tensor) -> Tensor? {
        guard needsInputGradient else { return nil }
        let plain = bwdViews.view(toPlainGrad.apply(dy, Tensor.descriptor(dy.shape)), as: [dy.batch] + inputShape)
        return toCaller.apply(plain, callerMD)
    }

    public override var config: [String: Any] { ["name": name, "type": "Flatten"] }
}

/// A standalone ReLU (convolutions and Dense fuse theirs; this is for other places).
public final class ReLU: Layer {
    private var y = BatchCache<Tensor>()
    private var dx = BatchCache<Tensor>()
    private var last: Tensor?

    public init(_ name: String) { super.init(name: name) }

    private lazy var dyConform = Conform(context)

    // Elementwise over the raw storage (any layout; padding stays zero), output in x's layout.
    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        let out = y[x.batch].flatMap { MD.equal($0.buffer.md, x.buffer.md) ? $0 : nil } ?? Tensor(shape: x.shape, md: x.buffer.md)
        y[x.batch] = out
        let n = x.buffer.count, s = x.data, d = out.data
        for i in 0..<n { d[i] = max(s[i], 0) }
        last = out
        return out
    }

    public override func backward(_ dyIn: Tensor) -> Tensor? {
        guard needsInputGradient, let out = last else { return nil }
        let dy = dyConform.apply(dyIn, out.buffer.md)
        let g = dx[dy.batch].flatMap { MD.equal($0.buffer.md, out.buffer.md) ? $0 : nil } ?? Tensor(shape: dy.shape, md: out.buffer.md)
        dx[dy.batch] = g
        let n = out.buffer.count, o = out.data, s = dy.data, d = g.data
        // ReLU's derivative read from the output: y > 0 exactly where x > 0.
        for i in 0..<n { d[i] = o[i] > 0 ? s[i] : 0 }
        return g
    }

    public override var config: [String: Any] { ["name": name, "type": "ReLU"] }
}

/// Inverted dropout as in Keras: in training each value is zeroed with probability `rate`
/// and the survivors scaled by 1/(1−rate); in inference it is the identity (no copy).
/// The mask comes from a generator the trainer reseeds per step, so runs are repeatable.
/// Differs from Keras: the random stream is our own (SplitMix64), so masks differ from TF's.
public final class Dropout: Layer, Stochastic {
    public let rate: Float
    var rng = SplitMix64(seed: 0)
    var sampleOffset = 0
    private var y = BatchCache<Tensor>()
    private var dx = BatchCache<Tensor>()
    private var mask = BatchCache<[Float]>()
    private var lastBatch = 0
    private var lastTraining = false
    private lazy var dyConform = Conform(context)

    public init(_ name: String, rate: Float) {
        self.rate = rate
        super.init(name: name)
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        lastTraining = training
        guard training, rate > 0 else { return x }
        // Elementwise over the raw storage, so any layout works; the output keeps x's.
        let out = y[x.batch].flatMap { MD.equal($0.buffer.md, x.buffer.md) ? $0 : nil } ?? Tensor(shape: x.shape, md: x.buffer.md)
        y[x.batch] = out
        var m = mask[x.batch] ?? [Float](repeating: 0, count: x.buffer.count)
        let keep = 1 / (1 - rate)
        let n = x.buffer.count, s = x.data, d = out.data
        // The draws of the batch's samples before this pass's first (one per stored float).
        rng.skip(sampleOffset * (n / x.batch))
        m.withUnsafeMutableBufferPointer { mp in
            for i in 0..<n {
                let k: Float = rng.nextFloat() >= rate ? keep : 0
                mp[i] = k
                d[i] = s[i] * k
            }
        }
        mask[x.batch] = m
        lastBatch = x.batch
        return out
    }

    public override func backward(_ dy: Tensor) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard lastTraining, rate > 0 else { return dy }
        let md = y[lastBatch]!.buffer.md
        let dyc = dyConform.apply(dy, md)
        let g = dx[dy.batch].flatMap { MD.equal($0.buffer.md, md) ? $0 : nil } ?? Tensor(shape: dy.shape, md: md)
        dx[dy.batch] = g
        let n = g.buffer.count, s = dyc.data, d = g.data
        mask[lastBatch]!.withUnsafeBufferPointer { mp in
            for i in 0..<n { d[i] = s[i] * mp[i] }
        }
        return g
    }

    public override var config: [String: Any] { ["name": name, "type": "Dropout", "rate": Double(rate)] }
}

import Randomness
@testable import NeuralNet

// The pre-graph reference: `AttentionFusion` as it was in Sources/NeuralNet/Fusion.swift
// (commit 0e939ba) before M4 became a `Graph`, kept here unchanged except for its name, the
// renamed attention backward (`backward2` → `backwardInputs`) and the residual add, which
// is the old two-input `Add` class copied below. GraphTests compare `Graph.attentionFusion`
// with it: same initial weights, outputs and gradients.

/// A two-input network: multi-head attention with the first input as query and the second
/// as key/value (each a length-1 sequence), a residual add of the query, LayerNormalization
/// and Dropout, then a stack of head layers. This is M4's shape (S as query, I as key/value).
///
/// With `trainFusion` false the attention block is applied but not trained (the authors'
/// flow: only the regressor learns); its parameters are then left out of `parameters`.
final class ReferenceAttentionFusion: Network {
    /// Width of S, I and the fused vector (1024 in M4).
    public let width: Int
    /// The fusion block's layers and the head that follows it.
    public let attention: MultiHeadAttention
    public let norm: LayerNorm
    public let dropout: Dropout
    public let head: [Layer]
    /// Whether attention and LayerNorm are trained (else applied as initialised or loaded).
    public let trainFusion: Bool
    public private(set) var outputShape: [Int]
    public let context: ComputeContext
    private let add = ReferenceResidualAdd()
    private let views = (s: ViewCache(), i: ViewCache(), out: ViewCache(), dOut: ViewCache())

    public var inputShapes: [[Int]] { [[width], [width]] }
    public var allLayers: [Layer] { [attention, norm, dropout] + head }
    public var parameters: [Parameter] {
        (trainFusion ? attention.parameters + norm.parameters : []) + head.flatMap(\.parameters)
    }

    /// Builds and initialises (seeded) the fusion block for `width`-d inputs and the head.
    public init(width: Int, heads: Int, keyDim: Int, epsilon: Float = 1e-3, dropout rate: Float = 0.1,
                head: [Layer], trainFusion: Bool, seed: UInt64 = 0, context: ComputeContext = .standard) {
        self.width = width
        self.context = context
        self.head = head
        self.trainFusion = trainFusion
        attention = MultiHeadAttention("multi_head_attention", heads: heads, keyDim: keyDim)
        norm = LayerNorm("layer_normalization", epsilon: epsilon)
        dropout = Dropout("dropout_fusion", rate: rate)
        for l in [attention, norm, dropout] + head { l.context = context }
        _ = attention.build(queryShape: [1, width], valueShape: [1, width])
        _ = norm.build(inputShape: [1, width])
        _ = dropout.build(inputShape: [1, width])
        var shape = [width]
        for (i, l) in ([attention, norm] + head).enumerated() {
            if i >= 2 { shape = l.build(inputShape: shape) }
            var rng = SplitMix64.derive(seed, UInt64(i))
            l.initialize(rng: &rng)
        }
        outputShape = shape
        attention.needsInputGradient = false    // S and I are model inputs
        if !trainFusion { head.first?.needsInputGradient = false }
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        let n = inputs[0].batch
        let s = views.s.view(inputs[0], as: [n, 1, width]), i = views.i.view(inputs[1], as: [n, 1, width])
        let a = attention.forward(query: s, value: i, training: training)
        let fused = dropout.forward(norm.forward(add.forward(a, s), training: training), training: training)
        return head.reduce(views.out.view(fused, as: [n, width])) { $1.forward($0, training: training) }
    }

    public func backward(_ dOutput: Tensor) {
        var g: Tensor? = dOutput
        for l in head.reversed() {
            guard let d = g else { return }
            g = l.backward(d)
        }
        guard trainFusion, let d = g else { return }
        let d3 = views.dOut.view(d, as: [d.batch, 1, width])
        // The residual's other branch leads to input S, whose gradient nobody needs.
        _ = attention.backwardInputs(norm.backward(dropout.backward(d3)!)!)
    }

    public var config: [String: Any] {
        ["class": "AttentionFusion", "width": width, "train_fusion": trainFusion,
         "layers": [attention.config, norm.config, dropout.config] + head.map(\.config)]
    }
}

/// The old residual `Add` (not a layer): a + b into a reused output tensor.
final class ReferenceResidualAdd {
    private var y: [Int: Tensor] = [:]

    func forward(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape && a.isPlain && b.isPlain, "Add: \(a.shape) vs \(b.shape), plain layouts")
        let out = y[a.batch] ?? Tensor(shape: a.shape)
        y[a.batch] = out
        let n = a.count, p = a.data, q = b.data, d = out.data
        for i in 0..<n { d[i] = p[i] + q[i] }
        return out
    }
}

import CDNNL
import Randomness

/// A trainable array: the value in the layout its layer's primitives prefer, its gradient
/// in the same layout, and Adam's moment estimates. Checkpoints see it in Keras's layout.
public final class Parameter {
    /// Tensor name in checkpoints: `<layer>/kernel`, `<layer>/bias`, `<layer>/query/kernel`…
    public let name: String
    /// Shape as Keras stores the weight (e.g. Conv2D kh×kw×in×out).
    public let kerasShape: [Int]
    /// Keras's L2 regulariser factor λ (0 when none): the loss gains λ·Σw².
    public let l2: Float
    /// Plain descriptor whose bytes are in Keras's order.
    let kerasMD: dnnl_memory_desc_t
    /// Current value, gradient and Adam moments (all in one layout, so Adam stays elementwise).
    private(set) var value: Buffer
    private(set) var grad: Buffer
    var m: Buffer?
    var v: Buffer?
    /// The gradients of earlier backward passes since the last zeroing, while accumulating
    /// (see `GradientAccumulation`); nil otherwise, so a single pass costs nothing extra.
    var gradientSum: Buffer?
    /// Bumped whenever the value changes, so layers re-derive reordered copies only then.
    var version = 0

    init(name: String, kerasShape: [Int], kerasMD: dnnl_memory_desc_t, l2: Float = 0) {
        self.name = name
        self.kerasShape = kerasShape
        self.kerasMD = kerasMD
        self.l2 = l2
        value = Buffer(kerasMD)
        grad = Buffer(kerasMD)
    }

    /// Number of logical elements.
    public var count: Int { kerasShape.reduce(1, *) }

    /// Moves value and Adam moments into the layout a primitive prefers. Called when a layer
    /// builds its first primitives; later primitives that want another layout get a reorder.
    func adopt(_ md: dnnl_memory_desc_t, _ context: ComputeContext) {
        if MD.equal(md, value.md) { return }
        func moved(_ b: Buffer) -> Buffer { let n = Buffer(md); Reorder.copy(b, n, context: context); return n }
        value = moved(value)
        grad = Buffer(md)
        gradientSum = nil
        if let b = m { m = moved(b) }
        if let b = v { v = moved(b) }
    }

    /// The value in Keras's layout and order.
    public func read() -> [Float] { Parameter.read(value, kerasMD, count) }

    /// Overwrites the value from Keras's layout and order.
    public func write(_ values: [Float]) { Parameter.write(values, into: value, kerasMD); version += 1 }

    /// The gradient of the last backward pass, Keras layout.
    public func readGrad() -> [Float] { Parameter.read(grad, kerasMD, count) }

    static func read(_ b: Buffer, _ kmd: dnnl_memory_desc_t, _ n: Int) -> [Float] {
        let plain = Buffer(kmd)
        Reorder.copy(b, plain)
        return Array(UnsafeBufferPointer(start: plain.data, count: n))
    }

    static func write(_ values: [Float], into b: Buffer, _ kmd: dnnl_memory_desc_t) {
        let plain = Buffer(kmd)
        precondition(values.count <= plain.count, "too many values")
        values.withUnsafeBufferPointer { plain.data.update(from: $0.baseAddress!, count: values.count) }
        Reorder.copy(plain, b)
    }

    /// Keras's Glorot-uniform: U(±√(6/(fan_in+fan_out))), drawn in Keras's element order.
    func glorot(fanIn: Int, fanOut: Int, rng: inout SplitMix64) {
        let limit = (6.0 / Float(fanIn + fanOut)).squareRoot()
        write((0..<count).map { _ in (rng.nextFloat() * 2 - 1) * limit })
    }

    /// Keras's `compute_fans` for a kernel shape: the last axis is fan-out, the one before
    /// fan-in, and all earlier axes multiply both (the receptive field).
    static func kerasFans(_ shape: [Int]) -> (Int, Int) {
        if shape.count == 1 { return (shape[0], shape[0]) }
        let rf = shape.dropLast(2).reduce(1, *)
        return (shape[shape.count - 2] * rf, shape[shape.count - 1] * rf)
    }
}

/// A network layer: forward and backward side by side. Subclasses override `build`,
/// `forward`, `backward` and `config`.
///
/// `forward` returns a tensor the layer owns and reuses on the next call with the same
/// batch size; `backward` takes the gradient of that output and returns the gradient of the
/// input (or nil when `needsInputGradient` is false, as for a model's first layer), writing
/// the parameter gradients of that pass into the parameters (`GradientAccumulation` sums
/// several passes). The layer computes with its model's `context`.
open class Layer {
    /// Unique name within a model; prefixes its tensor names in checkpoints.
    public let name: String
    /// False for a model's first layer, whose input gradient nobody needs.
    public var needsInputGradient = true
    /// Trainable parameters, in checkpoint order.
    public internal(set) var parameters: [Parameter] = []
    /// Per-sample input shape, set by `build`.
    public internal(set) var inputShape: [Int] = []
    /// Engine, stream, threads and algorithms: set by the model before `build` (layers built
    /// alone use `ComputeContext.standard`).
    public internal(set) var context = ComputeContext.standard

    init(name: String) { self.name = name }

    /// Creates the parameters for a per-sample input shape; returns the per-sample output shape.
    open func build(inputShape: [Int]) -> [Int] { self.inputShape = inputShape; return inputShape }

    /// Fills parameters with Keras's default initialisation.
    open func initialize(rng: inout SplitMix64) {
        for p in parameters where p.name.hasSuffix("kernel") {
            let (fi, fo) = Parameter.kerasFans(p.kerasShape)
            p.glorot(fanIn: fi, fanOut: fo, rng: &rng)
        }
    }

    /// Computes the output. `training` enables dropout and keeps what backward needs.
    open func forward(_ x: Tensor, training: Bool) -> Tensor { x }

    /// Gradient of the input from the gradient of the last forward's output.
    open func backward(_ dy: Tensor) -> Tensor? { dy }

    /// Multiply-adds × 2 of one sample's forward pass (biases, activations, pooling and
    /// normalisation not counted, as in TensorFlow's profiler).
    open var forwardFLOPs: Int { 0 }

    /// Keras-like configuration written into checkpoints.
    open var config: [String: Any] { ["name": name, "type": String(describing: type(of: self))] }
}

/// A layer whose forward pass draws random numbers (Dropout): the trainer reseeds it per
/// step from (seed, epoch, step), which makes resumed runs repeat uninterrupted ones.
/// `sampleOffset` is the position of the pass's first sample in the whole batch: a
/// micro-batch skips the draws of the samples before it, so its masks are theirs in the batch.
protocol Stochastic: AnyObject {
    var rng: SplitMix64 { get set }
    var sampleOffset: Int { get set }
}

/// A layer with several inputs: the residual `Add`, `MultiHeadAttention` (query, key/value).
/// A `Graph` calls these forms; single-input layers keep `Layer`'s `build`, `forward` and
/// `backward`, and `Sequential` refuses multi-input layers.
public protocol MultiInputLayer: Layer {
    /// Creates the parameters for the per-sample shapes of the inputs (in call order);
    /// returns the per-sample output shape.
    func build(inputShapes: [[Int]]) -> [Int]
    /// Computes the output from one tensor per input. As with `Layer.forward`, the result is
    /// owned by the layer and reused on the next call with the same batch size.
    func forward(_ inputs: [Tensor], training: Bool) -> Tensor
    /// The gradient of each input from the gradient of the last forward's output (each in
    /// the layout that input came in; all nil when `needsInputGradient` is false), writing
    /// parameter gradients into the parameters.
    func backwardInputs(_ dy: Tensor) -> [Tensor?]
}

/// Keras Reshape as a view: `[N, a…]` ↔ `[N, b…]` over the same storage, no copy (plain
/// layouts only). M4 uses it to turn its 1024-d vectors into the length-1 sequences attention
/// takes, and back.
public final class Reshape: Layer {
    /// Per-sample output shape (Keras `target_shape`).
    public let targetShape: [Int]
    private let forwardView = ViewCache(), backwardView = ViewCache()

    public init(_ name: String, to targetShape: [Int]) {
        self.targetShape = targetShape
        super.init(name: name)
    }

    public override func build(inputShape: [Int]) -> [Int] {
        precondition(inputShape.reduce(1, *) == targetShape.reduce(1, *), "\(name): cannot reshape \(inputShape) to \(targetShape)")
        self.inputShape = inputShape
        return targetShape
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        forwardView.view(x, as: [x.batch] + targetShape)
    }

    public override func backward(_ dy: Tensor) -> Tensor? {
        needsInputGradient ? backwardView.view(dy, as: [dy.batch] + inputShape) : nil
    }

    public override var config: [String: Any] { ["name": name, "type": "Reshape", "target_shape": targetShape] }
}

/// Keras Add: the elementwise sum of two or more equally shaped inputs (M4's residual
/// connection). Its backward hands the output gradient to every summand unchanged, as the
/// same tensor (no copy; a `Graph` sums where one value reaches the sum twice).
public final class Add: Layer, MultiInputLayer {
    private var arity = 0
    private var y = BatchCache<Tensor>()

    public init(_ name: String) { super.init(name: name) }

    public func build(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count >= 2 && inputShapes.allSatisfy { $0 == inputShapes[0] },
                     "\(name): Add needs two or more equal shapes, got \(inputShapes)")
        arity = inputShapes.count
        inputShape = inputShapes[0]
        return inputShape
    }

    // Elementwise over the raw storage, so any layout works as long as all inputs share it;
    // the output keeps it.
    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        let first = inputs[0]
        precondition(inputs.count == arity && inputs.allSatisfy { $0.shape == first.shape && MD.equal($0.buffer.md, first.buffer.md) },
                     "\(name): inputs of one shape and layout expected")
        let out = y[first.batch].flatMap { MD.equal($0.buffer.md, first.buffer.md) ? $0 : nil }
            ?? Tensor(shape: first.shape, md: first.buffer.md)
        y[first.batch] = out
        let n = first.buffer.count, d = out.data, a = first.data, b = inputs[1].data
        for i in 0..<n { d[i] = a[i] + b[i] }
        for x in inputs.dropFirst(2) {
            let c = x.data
            for i in 0..<n { d[i] += c[i] }
        }
        return out
    }

    public func backwardInputs(_ dy: Tensor) -> [Tensor?] {
        [Tensor?](repeating: needsInputGradient ? dy : nil, count: arity)
    }

    public override var config: [String: Any] { ["name": name, "type": "Add"] }
}

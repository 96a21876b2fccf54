import CDNNL

/// Sums parameter gradients over several backward passes — the micro-batches of one
/// optimiser step (`Trainer.microBatch`), or a rank's share of a global batch before an
/// all-reduce. Every layer's backward writes the gradient of its own pass; between passes
/// the accumulator keeps the running sum (in each parameter's own layout, so the sum is
/// elementwise whatever the layout), and `finish` leaves the total in the gradients, where
/// the optimiser reads it. One pass costs nothing: the sum buffers exist only from a second.
///
///     acc.zero()                                   // the explicit zeroing step
///     for chunk in microBatches { acc.beginPass(); forward(chunk); backward(dLoss(chunk)) }
///     acc.finish()                                 // gradients now hold Σ over chunks
public final class GradientAccumulator {
    public let parameters: [Parameter]
    /// Backward passes begun since the last `zero`.
    public private(set) var passes = 0

    public init(_ parameters: [Parameter]) { self.parameters = parameters }

    /// Forgets every earlier pass: the next one starts the sum afresh.
    public func zero() { passes = 0 }

    /// Call before each backward pass: folds the previous pass's gradients into the sum.
    public func beginPass() {
        if passes >= 1 {
            for p in parameters {
                if passes == 1 {
                    if p.gradientSum == nil || !MD.equal(p.gradientSum!.md, p.grad.md) { p.gradientSum = Buffer(p.grad.md) }
                    p.gradientSum!.data.update(from: p.grad.data, count: p.grad.count)
                } else {
                    add(p.grad, into: p.gradientSum!)
                }
            }
        }
        passes += 1
    }

    /// After the last pass: each parameter's gradient becomes the sum over all passes.
    /// With no pass at all (a rank whose share of a short last batch is empty) the gradients
    /// are zero, so the process adds nothing to the all-reduce.
    public func finish() {
        if passes == 0 {
            for p in parameters { p.grad.data.update(repeating: 0, count: p.grad.count) }
            return
        }
        guard passes > 1 else { return }
        for p in parameters { add(p.gradientSum!, into: p.grad) }
    }

    private func add(_ from: Buffer, into to: Buffer) {
        let n = to.count, s = from.data, d = to.data
        for i in 0..<n { d[i] += s[i] }
    }
}

/// All of a model's parameters, or their gradients, as one contiguous float32 buffer in
/// Keras's layout and checkpoint order — the canonical view, the same on every machine
/// whatever layouts the local primitives chose. An all-reduce of the gradients is one call on
/// `floats`; broadcasting initial weights is one call too; and `floats` after
/// `gatherValues()` is exactly the checkpoint's tensors back to back.
public final class FlatParameterView {
    public let parameters: [Parameter]
    /// Where each parameter starts in `floats`.
    public let offsets: [Int]
    /// Total number of floats.
    public let count: Int
    private let storage: Buffer
    private let slices: [Buffer]
    private let context: ComputeContext

    public init(_ parameters: [Parameter], context: ComputeContext = .standard) {
        self.parameters = parameters
        self.context = context
        var offsets: [Int] = [], n = 0
        for p in parameters { offsets.append(n); n += p.count }
        self.offsets = offsets
        count = n
        let storage = Buffer(MD.make([max(n, 1)], dnnl_a))
        self.storage = storage
        slices = zip(parameters, offsets).map { Buffer(view: storage, as: $0.kerasMD, offset: $1) }
    }

    /// The buffer, in checkpoint order and Keras's layout per parameter.
    public var floats: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: storage.data, count: count) }

    // Reorders are made per call (a few dozen small primitives, negligible beside a step):
    // a parameter's buffers change once, when its layer adopts the layout its primitive wants.

    /// Copies every parameter's gradient into `floats`.
    public func gatherGradients() { for (p, s) in zip(parameters, slices) { Reorder.copy(p.grad, s, context: context) } }

    /// Writes `floats` back into the parameters' gradients.
    public func scatterGradients() { for (p, s) in zip(parameters, slices) { Reorder.copy(s, p.grad, context: context) } }

    /// Copies every parameter's value into `floats`.
    public func gatherValues() { for (p, s) in zip(parameters, slices) { Reorder.copy(p.value, s, context: context) } }

    /// Writes `floats` back into the parameters' values.
    public func scatterValues() {
        for (p, s) in zip(parameters, slices) { Reorder.copy(s, p.value, context: context); p.version += 1 }
    }
}

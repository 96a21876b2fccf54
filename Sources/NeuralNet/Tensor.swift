import CDNNL

/// A batch of float32 values with a Keras-order shape (batch first, channels last:
/// `[N, features]`, `[N, width, channels]`, `[N, height, width, channels]`).
///
/// The bytes are in whatever layout the producing primitive chose: convolutions and pooling
/// hand on oneDNN's channel-blocked formats (`nChw16c` and kin) layer to layer, while model
/// inputs, Flatten and Dense use the plain channels-last layouts (`nc`, `nwc`, `nhwc`), whose
/// element order is Keras's. `values` always returns Keras order; `data` is the raw storage
/// and is in Keras order only when `isPlain`.
public final class Tensor {
    /// Keras-order shape, batch first.
    public let shape: [Int]
    /// Storage with its oneDNN descriptor.
    let buffer: Buffer

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        self.shape = shape
        buffer = Buffer(Tensor.descriptor(shape))
    }

    /// A tensor holding `values` (row-major in Keras order).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "value count \(values.count) != shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    init(shape: [Int], buffer: Buffer) {
        self.shape = shape
        self.buffer = buffer
    }

    /// A zero-filled tensor in a given layout (as a primitive's output descriptor says).
    init(shape: [Int], md: dnnl_memory_desc_t) {
        self.shape = shape
        buffer = Buffer(md)
    }

    /// True when the storage is the plain channels-last layout (Keras element order).
    public var isPlain: Bool { MD.equal(buffer.md, Tensor.descriptor(shape)) }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Batch size.
    public var batch: Int { shape[0] }
    /// Raw storage (Keras row-major order when `isPlain`, otherwise oneDNN's blocked order).
    public var data: UnsafeMutablePointer<Float> { buffer.data }
    /// The values as an array in Keras row-major order, whatever the storage layout.
    public var values: [Float] {
        if isPlain { return Array(UnsafeBufferPointer(start: data, count: count)) }
        let plain = Buffer(Tensor.descriptor(shape))
        Reorder.copy(buffer, plain)
        return Array(UnsafeBufferPointer(start: plain.data, count: count))
    }

    /// The same storage under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape)")
        return Tensor(shape: newShape, buffer: Buffer(view: buffer, as: Tensor.descriptor(newShape)))
    }

    /// oneDNN's dimension order (N, C, spatial…) for a Keras-order shape.
    static func oneDNNDims(_ shape: [Int]) -> [Int] {
        shape.count <= 2 ? shape : [shape[0], shape[shape.count - 1]] + shape[1..<(shape.count - 1)]
    }

    /// oneDNN descriptor for a Keras-order shape: dims reordered to oneDNN's (N, C, spatial…)
    /// with a channels-last tag, so the bytes stay in Keras order.
    static func descriptor(_ shape: [Int]) -> dnnl_memory_desc_t {
        switch shape.count {
        case 1: return MD.make(shape, dnnl_a)
        case 2: return MD.make(shape, dnnl_ab)
        case 3: return MD.make([shape[0], shape[2], shape[1]], dnnl_acb)
        case 4: return MD.make([shape[0], shape[3], shape[1], shape[2]], dnnl_acdb)
        default: fatalError("tensors of rank \(shape.count) are not supported")
        }
    }
}

/// Caches one view per source buffer so steady-state steps create no oneDNN objects.
final class ViewCache {
    private var source: Buffer?
    private var view: Tensor?

    /// A view of a plain tensor under another shape.
    func view(_ t: Tensor, as shape: [Int]) -> Tensor {
        precondition(t.isPlain, "views need the plain layout")
        if let v = view, source === t.buffer, v.shape == shape { return v }
        let v = t.reshaped(shape)
        source = t.buffer
        view = v
        return v
    }
}

/// Brings tensors into a wanted layout: returns the tensor itself when it already has it,
/// otherwise a reordered copy in a buffer kept for reuse (one reorder primitive per source
/// buffer, so steady-state steps create nothing). Used at the model's edges (plain input
/// into a blocked convolution, blocked activations into Flatten) and for gradients handed
/// in a layout other than the one the layer produced.
final class Conform {
    private var source: Buffer?
    private var target: Tensor?
    private var reorder: Reorder?
    private let context: ComputeContext

    init(_ context: ComputeContext = .standard) { self.context = context }

    func apply(_ t: Tensor, _ md: dnnl_memory_desc_t) -> Tensor {
        if MD.equal(t.buffer.md, md) { return t }
        if let out = target, source === t.buffer, MD.equal(out.buffer.md, md), out.shape == t.shape {
            reorder!.run()
            return out
        }
        let out = (target.flatMap { MD.equal($0.buffer.md, md) && $0.shape == t.shape ? $0 : nil })
            ?? Tensor(shape: t.shape, md: md)
        reorder = Reorder(from: t.buffer, to: out.buffer, context: context)
        source = t.buffer
        target = out
        reorder!.run()
        return out
    }
}

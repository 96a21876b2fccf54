import CDNNL

/// A batch of float32 values with a Keras-order shape (batch first, channels last:
/// `[N, features]`, `[N, width, channels]`, `[N, height, width, channels]`).
///
/// Activations are kept in oneDNN's plain channels-last layouts (`nc`, `nwc`, `nhwc`).
/// Choice: oneDNN runs its fast direct convolutions on `nhwc` as well as on blocked layouts
/// (platform.md), and channels-last makes Flatten identical to Keras's and the model's
/// edges free of conversions. Weights, whose layout never leaves a layer, do use the
/// blocked formats oneDNN picks.
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

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Batch size.
    public var batch: Int { shape[0] }
    /// Raw storage in Keras row-major order.
    public var data: UnsafeMutablePointer<Float> { buffer.data }
    /// The values as an array, Keras row-major order.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The same storage under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "reshape \(shape) -> \(newShape)")
        return Tensor(shape: newShape, buffer: Buffer(view: buffer, as: Tensor.descriptor(newShape)))
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

    func view(_ t: Tensor, as shape: [Int]) -> Tensor {
        if let v = view, source === t.buffer, v.shape == shape { return v }
        let v = t.reshaped(shape)
        source = t.buffer
        view = v
        return v
    }
}

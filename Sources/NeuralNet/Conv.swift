import CDNNL

/// Keras's padding modes for stride-1 convolutions.
public enum Padding: String, Sendable {
    /// No padding: the output shrinks by kernel − 1.
    case valid
    /// Zero padding keeping the size: (k−1)/2 before, the rest after (Keras's split).
    case same
}

/// How oneDNN computes a convolution (a setting of the `ComputeContext`).
public enum ConvAlgorithm: String, Sendable, CaseIterable {
    /// Direct convolution, as TensorFlow computes it (the default).
    case direct
    /// oneDNN's choice: Winograd F(4×4, 3×3) where it judges it faster (3×3 kernels with
    /// enough channels), else direct. Fewer multiplications, slightly larger rounding error
    /// (about 1e-5 relative in float32).
    case auto

    var dnnl: dnnl_alg_kind_t { self == .direct ? dnnl_convolution_direct : dnnl_convolution_auto }
}

/// Conv1D and Conv2D (stride 1) with an optional fused ReLU, Keras semantics.
///
/// Kernel stored in Keras's layout in checkpoints (Conv1D k×in×out, Conv2D kh×kw×in×out);
/// internally in whatever blocked layout oneDNN's convolution picks. Glorot-uniform kernel,
/// zero bias. ReLU is a oneDNN post-op in forward (it saves a pass over the activations)
/// and a ReLU backward on the saved output in backward. The algorithm is the context's.
/// Plans, forward and backward: `WeightedLayer`.
public final class Conv: WeightedLayer {
    /// Number of output channels.
    public let filters: Int
    /// Kernel size per spatial axis (one entry for Conv1D, two for Conv2D).
    public let kernelSize: [Int]
    /// `valid` or `same`.
    public let padding: Padding
    /// L2 regulariser factor for the kernel (Keras `kernel_regularizer=l2(λ)`), 0 for none.
    public let l2: Float
    private var inC = 0
    private var inSpatial: [Int] = []
    private var outSpatial: [Int] = []

    /// `kernel` has one entry for Conv1D (input `[width, channels]`) and two for Conv2D
    /// (input `[height, width, channels]`).
    public init(_ name: String, filters: Int, kernel: [Int], padding: Padding = .valid,
                relu: Bool = false, l2: Float = 0) {
        self.filters = filters
        kernelSize = kernel
        self.padding = padding
        self.l2 = l2
        super.init(name: name, relu: relu)
    }

    /// The convolution algorithm (the context's).
    public var algorithm: ConvAlgorithm { context.convolutionAlgorithm }

    public override func build(inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == kernelSize.count + 1, "\(name): input \(inputShape) vs kernel \(kernelSize)")
        self.inputShape = inputShape
        inC = inputShape.last!
        inSpatial = Array(inputShape.dropLast())
        outSpatial = padding == .same ? inSpatial : zip(inSpatial, kernelSize).map { $0 - $1 + 1 }
        // oneDNN weight dims are (O, I, spatial…); Keras's spatial…×I×O is the reversed tag.
        let tag = kernelSize.count == 1 ? dnnl_cba : dnnl_cdba
        parameters = [
            Parameter(name: "\(name)/kernel", kerasShape: kernelSize + [inC, filters],
                      kerasMD: MD.make(weightDims, tag), l2: l2),
            Parameter(name: "\(name)/bias", kerasShape: [filters], kerasMD: MD.make([filters], dnnl_a)),
        ]
        return outSpatial + [filters]
    }

    private var weightDims: [Int] { [filters, inC] + kernelSize }
    private var padL: [Int64] { padding == .same ? kernelSize.map { Int64(($0 - 1) / 2) } : kernelSize.map { _ in 0 } }
    private var padR: [Int64] { padding == .same ? kernelSize.map { Int64($0 - 1 - ($0 - 1) / 2) } : kernelSize.map { _ in 0 } }
    private var strides: [Int64] { kernelSize.map { _ in 1 } }

    override func outputShape(batch: Int) -> [Int] { [batch] + outSpatial + [filters] }

    override func forwardPD(batch: Int) -> dnnl_primitive_desc_t {
        // Activations `any`: oneDNN picks its channel-blocked layouts, which chain from
        // convolution to pooling to convolution without conversions.
        var src = MD.make(Tensor.oneDNNDims([batch] + inSpatial + [inC]), dnnl_format_tag_any)
        var dst = MD.make(Tensor.oneDNNDims(outputShape(batch: batch)), dnnl_format_tag_any)
        var b = bias.value.md
        var w = MD.make(weightDims, dnnl_format_tag_any)
        var desc = dnnl_convolution_desc_t()
        check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, algorithm.dnnl,
                                                 &src, &w, &b, &dst, strides, padL, padR), "conv fwd desc")
        return makeForwardPD(&desc, relu: relu, context, "conv fwd pd")
    }

    override func backwardDataPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        var x = src, y = dst, w = MD.make(weightDims, dnnl_format_tag_any)
        var d = dnnl_convolution_desc_t()
        check(dnnl_convolution_backward_data_desc_init(&d, algorithm.dnnl, &x, &w, &y, strides, padL, padR), "conv bwd data desc")
        return makePD(&d, hint: hint, context, "conv bwd data pd")
    }

    override func backwardWeightsPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        var x = src, y = dst, w = MD.make(weightDims, dnnl_format_tag_any), b = bias.value.md
        var d = dnnl_convolution_desc_t()
        check(dnnl_convolution_backward_weights_desc_init(&d, algorithm.dnnl, &x, &w, &b, &y, strides, padL, padR),
              "conv bwd weights desc")
        return makePD(&d, hint: hint, context, "conv bwd weights pd")
    }

    public override var forwardFLOPs: Int {
        2 * outSpatial.reduce(1, *) * filters * kernelSize.reduce(1, *) * inC
    }

    public override var config: [String: Any] {
        ["name": name, "type": kernelSize.count == 1 ? "Conv1D" : "Conv2D", "filters": filters,
         "kernel_size": kernelSize, "padding": padding.rawValue, "activation": relu ? "relu" : "linear",
         "l2": Double(l2)]
    }
}

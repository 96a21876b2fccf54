import CDNNL

/// Keras's padding modes for stride-1 convolutions.
public enum Padding: String, Sendable {
    /// No padding: the output shrinks by kernel − 1.
    case valid
    /// Zero padding keeping the size: (k−1)/2 before, the rest after (Keras's split).
    case same
}

/// How oneDNN computes a convolution.
public enum ConvAlgorithm: String, Sendable {
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
/// and a ReLU backward on the saved output in backward.
public final class Conv: Layer {
    /// Number of output channels.
    public let filters: Int
    /// Kernel size per spatial axis (one entry for Conv1D, two for Conv2D).
    public let kernel: [Int]
    /// `valid` or `same`.
    public let padding: Padding
    /// ReLU fused after the convolution (else linear).
    public let relu: Bool
    /// L2 regulariser factor for the kernel (Keras `kernel_regularizer=l2(λ)`), 0 for none.
    public let l2: Float
    /// Algorithm for layers created from now on (see `ConvAlgorithm`).
    public static var defaultAlgorithm = ConvAlgorithm.direct
    /// This layer's algorithm.
    public let algorithm: ConvAlgorithm
    private var inC = 0
    private var inSpatial: [Int] = []
    private var outSpatial: [Int] = []
    private var plans: [Int: Plan] = [:]
    private var lastPlan: Plan?

    /// `kernel` has one entry for Conv1D (input `[width, channels]`) and two for Conv2D
    /// (input `[height, width, channels]`).
    public init(_ name: String, filters: Int, kernel: [Int], padding: Padding = .valid,
                relu: Bool = false, l2: Float = 0) {
        self.filters = filters
        self.kernel = kernel
        self.padding = padding
        self.relu = relu
        self.l2 = l2
        algorithm = Conv.defaultAlgorithm
        super.init(name: name)
    }

    public override func build(inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == kernel.count + 1, "\(name): input \(inputShape) vs kernel \(kernel)")
        self.inputShape = inputShape
        inC = inputShape.last!
        inSpatial = Array(inputShape.dropLast())
        outSpatial = padding == .same ? inSpatial : zip(inSpatial, kernel).map { $0 - $1 + 1 }
        // oneDNN weight dims are (O, I, spatial…); Keras's spatial…×I×O is the reversed tag.
        let dims = [filters, inC] + kernel
        let tag = kernel.count == 1 ? dnnl_cba : dnnl_cdba
        parameters = [
            Parameter(name: "\(name)/kernel", kerasShape: kernel + [inC, filters],
                      kerasMD: MD.make(dims, tag), l2: l2),
            Parameter(name: "\(name)/bias", kerasShape: [filters], kerasMD: MD.make([filters], dnnl_a)),
        ]
        return outSpatial + [filters]
    }

    private var padL: [Int64] { padding == .same ? kernel.map { Int64(($0 - 1) / 2) } : kernel.map { _ in 0 } }
    private var padR: [Int64] { padding == .same ? kernel.map { Int64($0 - 1 - ($0 - 1) / 2) } : kernel.map { _ in 0 } }
    private var strides: [Int64] { kernel.map { _ in 1 } }

    /// Primitives and buffers for one batch size, created once and reused every step.
    private final class Plan {
        let fwdPD: dnnl_primitive_desc_t
        let fwd: Prim
        let y: Tensor
        let srcMD: dnnl_memory_desc_t      // the layout the convolution reads (often blocked)
        var input: Buffer                  // the source actually read (after any reorder)
        var callerMD: dnnl_memory_desc_t   // the caller's input layout, which dx must match
        var weightsReorder: Reorder?
        let inConform = Conform(), dyConform = Conform(), dxConform = Conform()
        // Backward, built on first use.
        var relu: Prim?
        var dyr: Tensor?
        var bwdData: Prim?
        var bwdWeightsReorder: Reorder?
        var dx: Tensor?
        var bwdWeights: Prim?
        var gradReorder: Reorder?
        init(fwdPD: dnnl_primitive_desc_t, fwd: Prim, y: Tensor, srcMD: dnnl_memory_desc_t, input: Buffer,
             callerMD: dnnl_memory_desc_t) {
            self.fwdPD = fwdPD; self.fwd = fwd; self.y = y; self.srcMD = srcMD; self.input = input
            self.callerMD = callerMD
        }
        deinit { dnnl_primitive_desc_destroy(fwdPD) }
    }

    private func makePlan(_ x: Tensor) -> Plan {
        let kernelP = parameters[0], biasP = parameters[1]
        let yShape = [x.batch] + outSpatial + [filters]
        // Activations `any`: oneDNN picks its channel-blocked layouts, which chain from
        // convolution to pooling to convolution without conversions.
        var src = MD.make(Tensor.oneDNNDims([x.batch] + inSpatial + [inC]), dnnl_format_tag_any)
        var dst = MD.make(Tensor.oneDNNDims(yShape), dnnl_format_tag_any)
        var bias = biasP.value.md
        var w = MD.make([filters, inC] + kernel, dnnl_format_tag_any)
        var desc = dnnl_convolution_desc_t()
        check(dnnl_convolution_forward_desc_init(&desc, dnnl_forward_training, algorithm.dnnl,
                                                 &src, &w, &bias, &dst, strides, padL, padR), "conv fwd desc")
        let pd = makeForwardPD(&desc, relu: relu, "conv fwd pd")
        let wmd = MD.query(pd, dnnl_query_weights_md)
        if plans.isEmpty { kernelP.adopt(wmd) }
        var wbuf = kernelP.value
        var reorder: Reorder?
        if !MD.equal(wmd, kernelP.value.md) {
            wbuf = Buffer(wmd)
            reorder = Reorder(from: kernelP.value, to: wbuf)
        }
        let srcMD = MD.query(pd, dnnl_query_src_md)
        let y = Tensor(shape: yShape, md: MD.query(pd, dnnl_query_dst_md))
        let fwd = Prim(pd, [(DNNL_ARG_SRC, x.buffer), (DNNL_ARG_WEIGHTS, wbuf),
                            (DNNL_ARG_BIAS, biasP.value), (DNNL_ARG_DST, y.buffer)])
        let p = Plan(fwdPD: pd, fwd: fwd, y: y, srcMD: srcMD, input: x.buffer, callerMD: x.buffer.md)
        p.weightsReorder = reorder
        return p
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        let p = plans[x.batch] ?? makePlan(x)
        plans[x.batch] = p
        p.callerMD = x.buffer.md
        let xin = p.inConform.apply(x, p.srcMD)
        if p.input !== xin.buffer {
            p.fwd.set(DNNL_ARG_SRC, xin.buffer)
            p.bwdWeights?.set(DNNL_ARG_SRC, xin.buffer)
            p.input = xin.buffer
        }
        p.weightsReorder?.runIfStale(parameters[0].version)
        p.fwd.run()
        lastPlan = p
        return p.y
    }

    private func buildBackward(_ p: Plan) {
        let kernelP = parameters[0], biasP = parameters[1]
        var ymd = p.y.buffer.md, xmd = p.srcMD
        var gradOut = p.y
        if relu {
            let dyr = Tensor(shape: p.y.shape, md: ymd)
            p.relu = reluBackward(p.y, dyr)
            p.dyr = dyr
            gradOut = dyr
        }
        if needsInputGradient {
            let dx = Tensor(shape: [p.y.batch] + inputShape, md: xmd)
            var w = MD.make([filters, inC] + kernel, dnnl_format_tag_any)
            var d = dnnl_convolution_desc_t()
            check(dnnl_convolution_backward_data_desc_init(&d, algorithm.dnnl, &xmd, &w, &ymd,
                                                           strides, padL, padR), "conv bwd data desc")
            (p.bwdData, p.bwdWeightsReorder) = makeBackwardData(makePD(&d, hint: p.fwdPD, "conv bwd data pd"),
                                                                kernel: kernelP, gradOut: gradOut, dx: dx)
            p.dx = dx
        }
        var w = MD.make([filters, inC] + kernel, dnnl_format_tag_any)
        var bmd = biasP.value.md
        var d = dnnl_convolution_desc_t()
        check(dnnl_convolution_backward_weights_desc_init(&d, algorithm.dnnl, &xmd, &w, &bmd, &ymd,
                                                          strides, padL, padR), "conv bwd weights desc")
        (p.bwdWeights, p.gradReorder) = makeBackwardWeights(makePD(&d, hint: p.fwdPD, "conv bwd weights pd"),
                                                            kernel: kernelP, bias: biasP, input: p.input, gradOut: gradOut)
    }

    public override func backward(_ dyIn: Tensor) -> Tensor? {
        guard let p = lastPlan else { fatalError("\(name): backward before forward") }
        if p.bwdWeights == nil { buildBackward(p) }
        let dy = p.dyConform.apply(dyIn, p.y.buffer.md)
        if let relu = p.relu {
            relu.set(DNNL_ARG_DIFF_DST, dy.buffer)
            relu.run()
        } else {
            p.bwdData?.set(DNNL_ARG_DIFF_DST, dy.buffer)
            p.bwdWeights!.set(DNNL_ARG_DIFF_DST, dy.buffer)
        }
        p.bwdWeights!.run()
        p.gradReorder?.run()
        guard let bd = p.bwdData, let dx = p.dx else { return nil }
        p.bwdWeightsReorder?.runIfStale(parameters[0].version)
        bd.run()
        // Hand dx back in the layout the caller gave x in.
        return p.dxConform.apply(dx, p.callerMD)
    }

    public override var forwardFLOPs: Int {
        2 * outSpatial.reduce(1, *) * filters * kernel.reduce(1, *) * inC
    }

    public override var config: [String: Any] {
        ["name": name, "type": kernel.count == 1 ? "Conv1D" : "Conv2D", "filters": filters,
         "kernel_size": kernel, "padding": padding.rawValue, "activation": relu ? "relu" : "linear",
         "l2": Double(l2)]
    }
}

/// A ReLU backward primitive reading the mask from the forward output `y` (ReLU(y) = y, so
/// y > 0 exactly where the pre-activation was), writing into `dx`; DIFF_DST is set per call.
/// oneDNN wants an eltwise forward descriptor as the hint, so one is made for the purpose.
func reluBackward(_ y: Tensor, _ dx: Tensor) -> Prim {
    var md = y.buffer.md
    var f = dnnl_eltwise_desc_t()
    check(dnnl_eltwise_forward_desc_init(&f, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, &md, 0, 0),
          "relu fwd desc")
    let hint = makePD(&f, "relu fwd pd")
    var d = dnnl_eltwise_desc_t()
    check(dnnl_eltwise_backward_desc_init(&d, dnnl_eltwise_relu_use_dst_for_bwd, &md, &md, 0, 0), "relu bwd desc")
    let pd = makePD(&d, hint: hint, "relu bwd pd")
    let prim = Prim(pd, [(DNNL_ARG_DST, y.buffer), (DNNL_ARG_DIFF_DST, y.buffer), (DNNL_ARG_DIFF_SRC, dx.buffer)])
    dnnl_primitive_desc_destroy(pd)
    dnnl_primitive_desc_destroy(hint)
    return prim
}

import CDNNL

/// Keras Dense on `[N, features]` inputs (oneDNN inner product), with an optional fused ReLU.
///
/// Kernel in Keras's in×out layout in checkpoints, internally in oneDNN's preferred layout;
/// Glorot-uniform kernel, zero bias. Differs from Keras: inputs of rank > 2 must be
/// reshaped to 2-D by the caller (MultiHeadAttention does so for its sequences). Rows are
/// read plain (a blocked input is reordered). Plans, forward and backward: `WeightedLayer`.
public final class Dense: WeightedLayer {
    /// Output width.
    public let units: Int
    /// L2 regulariser factor for the kernel, 0 for none.
    public let l2: Float
    private var inF = 0
    private let kernelKerasShape: [Int]?
    private let biasKerasShape: [Int]?

    /// `kernelKerasShape`/`biasKerasShape` name the shapes checkpoints use when Keras stores
    /// this map differently (MultiHeadAttention's per-head projections); they also set the
    /// Glorot fans, as Keras computes them from the stored shape.
    public init(_ name: String, units: Int, relu: Bool = false, l2: Float = 0,
                kernelKerasShape: [Int]? = nil, biasKerasShape: [Int]? = nil) {
        self.units = units
        self.l2 = l2
        self.kernelKerasShape = kernelKerasShape
        self.biasKerasShape = biasKerasShape
        super.init(name: name, relu: relu)
    }

    public override func build(inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 1, "\(name): Dense needs a flat input, got \(inputShape)")
        self.inputShape = inputShape
        inF = inputShape[0]
        parameters = [
            Parameter(name: "\(name)/kernel", kerasShape: kernelKerasShape ?? [inF, units],
                      kerasMD: MD.make([units, inF], dnnl_ba), l2: l2),
            Parameter(name: "\(name)/bias", kerasShape: biasKerasShape ?? [units], kerasMD: MD.make([units], dnnl_a)),
        ]
        return [units]
    }

    override func outputShape(batch: Int) -> [Int] { [batch, units] }

    override func forwardPD(batch: Int) -> dnnl_primitive_desc_t {
        var src = Tensor.descriptor([batch, inF]), dst = Tensor.descriptor([batch, units]), b = bias.value.md
        var w = MD.make([units, inF], dnnl_format_tag_any)
        var desc = dnnl_inner_product_desc_t()
        check(dnnl_inner_product_forward_desc_init(&desc, dnnl_forward_training, &src, &w, &b, &dst), "ip fwd desc")
        return makeForwardPD(&desc, relu: relu, context, "ip fwd pd")
    }

    override func backwardDataPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        var x = src, y = dst, w = MD.make([units, inF], dnnl_format_tag_any)
        var d = dnnl_inner_product_desc_t()
        check(dnnl_inner_product_backward_data_desc_init(&d, &x, &w, &y), "ip bwd data desc")
        return makePD(&d, hint: hint, context, "ip bwd data pd")
    }

    override func backwardWeightsPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        var x = src, y = dst, w = MD.make([units, inF], dnnl_format_tag_any), b = bias.value.md
        var d = dnnl_inner_product_desc_t()
        check(dnnl_inner_product_backward_weights_desc_init(&d, &x, &w, &b, &y), "ip bwd weights desc")
        return makePD(&d, hint: hint, context, "ip bwd weights pd")
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[1] == inF, "\(name): input \(x.shape)")
        return super.forward(x, training: training)
    }

    public override var forwardFLOPs: Int { 2 * inF * units }

    public override var config: [String: Any] {
        ["name": name, "type": "Dense", "units": units, "activation": relu ? "relu" : "linear", "l2": Double(l2)]
    }
}

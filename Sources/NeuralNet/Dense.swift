import CDNNL

/// Keras Dense on `[N, features]` inputs (oneDNN inner product), with an optional fused ReLU.
///
/// Kernel in Keras's in×out layout in checkpoints, internally in oneDNN's preferred layout;
/// Glorot-uniform kernel, zero bias. Differs from Keras: inputs of rank > 2 must be
/// reshaped to 2-D by the caller (MultiHeadAttention does so for its sequences).
public final class Dense: Layer {
    /// Output width.
    public let units: Int
    /// ReLU fused after the product (else linear).
    public let relu: Bool
    /// L2 regulariser factor for the kernel, 0 for none.
    public let l2: Float
    private var inF = 0
    private var plans: [Int: Plan] = [:]
    private var lastPlan: Plan?
    private var inConforms: [Int: Conform] = [:]

    private let kernelKerasShape: [Int]?
    private let biasKerasShape: [Int]?

    /// `kernelKerasShape`/`biasKerasShape` name the shapes checkpoints use when Keras stores
    /// this map differently (MultiHeadAttention's per-head projections); they also set the
    /// Glorot fans, as Keras computes them from the stored shape.
    public init(_ name: String, units: Int, relu: Bool = false, l2: Float = 0,
                kernelKerasShape: [Int]? = nil, biasKerasShape: [Int]? = nil) {
        self.units = units
        self.relu = relu
        self.l2 = l2
        self.kernelKerasShape = kernelKerasShape
        self.biasKerasShape = biasKerasShape
        super.init(name: name)
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

    private final class Plan {
        let fwdPD: dnnl_primitive_desc_t
        let fwd: Prim
        let y: Tensor
        var input: Buffer
        var weightsReorder: Reorder?
        var relu: Prim?
        var dyr: Tensor?
        var bwdData: Prim?
        var bwdWeightsReorder: Reorder?
        var dx: Tensor?
        var bwdWeights: Prim?
        var gradReorder: Reorder?
        let dyConform = Conform()
        init(fwdPD: dnnl_primitive_desc_t, fwd: Prim, y: Tensor, input: Buffer) {
            self.fwdPD = fwdPD; self.fwd = fwd; self.y = y; self.input = input
        }
        deinit { dnnl_primitive_desc_destroy(fwdPD) }
    }

    private func plan(for xIn: Tensor) -> Plan {
        // Dense reads plain rows; a blocked input (not produced by our models) is reordered.
        let conform = inConforms[xIn.batch] ?? Conform()
        inConforms[xIn.batch] = conform
        let x = conform.apply(xIn, Tensor.descriptor(xIn.shape))
        if let p = plans[x.batch] {
            if p.input !== x.buffer { p.fwd.set(DNNL_ARG_SRC, x.buffer); p.input = x.buffer }
            return p
        }
        let kernelP = parameters[0], biasP = parameters[1]
        let y = Tensor(shape: [x.batch, units])
        var src = x.buffer.md, dst = y.buffer.md, bias = biasP.value.md
        var w = MD.make([units, inF], dnnl_format_tag_any)
        var desc = dnnl_inner_product_desc_t()
        check(dnnl_inner_product_forward_desc_init(&desc, dnnl_forward_training, &src, &w, &bias, &dst), "ip fwd desc")
        let pd = makeForwardPD(&desc, relu: relu, "ip fwd pd")
        let wmd = MD.query(pd, dnnl_query_weights_md)
        if plans.isEmpty { kernelP.adopt(wmd) }
        var wbuf = kernelP.value
        var reorder: Reorder?
        if !MD.equal(wmd, kernelP.value.md) {
            wbuf = Buffer(wmd)
            reorder = Reorder(from: kernelP.value, to: wbuf)
        }
        let fwd = Prim(pd, [(DNNL_ARG_SRC, x.buffer), (DNNL_ARG_WEIGHTS, wbuf),
                            (DNNL_ARG_BIAS, biasP.value), (DNNL_ARG_DST, y.buffer)])
        let p = Plan(fwdPD: pd, fwd: fwd, y: y, input: x.buffer)
        p.weightsReorder = reorder
        plans[x.batch] = p
        return p
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[1] == inF, "\(name): input \(x.shape)")
        let p = plan(for: x)
        p.weightsReorder?.runIfStale(parameters[0].version)
        p.fwd.run()
        lastPlan = p
        return p.y
    }

    private func buildBackward(_ p: Plan) {
        let kernelP = parameters[0], biasP = parameters[1]
        var ymd = p.y.buffer.md, xmd = p.input.md
        var gradOut = p.y
        if relu {
            let dyr = Tensor(shape: p.y.shape)
            p.relu = reluBackward(p.y, dyr)
            p.dyr = dyr
            gradOut = dyr
        }
        if needsInputGradient {
            let dx = Tensor(shape: [p.y.batch, inF])
            var w = MD.make([units, inF], dnnl_format_tag_any)
            var d = dnnl_inner_product_desc_t()
            check(dnnl_inner_product_backward_data_desc_init(&d, &xmd, &w, &ymd), "ip bwd data desc")
            (p.bwdData, p.bwdWeightsReorder) = makeBackwardData(makePD(&d, hint: p.fwdPD, "ip bwd data pd"),
                                                                kernel: kernelP, gradOut: gradOut, dx: dx)
            p.dx = dx
        }
        var w = MD.make([units, inF], dnnl_format_tag_any)
        var bmd = biasP.value.md
        var d = dnnl_inner_product_desc_t()
        check(dnnl_inner_product_backward_weights_desc_init(&d, &xmd, &w, &bmd, &ymd), "ip bwd weights desc")
        (p.bwdWeights, p.gradReorder) = makeBackwardWeights(makePD(&d, hint: p.fwdPD, "ip bwd weights pd"),
                                                            kernel: kernelP, bias: biasP, input: p.input, gradOut: gradOut)
    }

    public override func backward(_ dyIn: Tensor) -> Tensor? {
        guard let p = lastPlan else { fatalError("\(name): backward before forward") }
        let dy = p.dyConform.apply(dyIn, p.y.buffer.md)
        if p.bwdWeights == nil { buildBackward(p) }
        if let relu = p.relu {
            relu.set(DNNL_ARG_DIFF_DST, dy.buffer)
            relu.run()
        } else {
            p.bwdData?.set(DNNL_ARG_DIFF_DST, dy.buffer)
            p.bwdWeights!.set(DNNL_ARG_DIFF_DST, dy.buffer)
        }
        p.bwdWeights!.set(DNNL_ARG_SRC, p.input)
        p.bwdWeights!.run()
        p.gradReorder?.run()
        guard let bd = p.bwdData else { return nil }
        p.bwdWeightsReorder?.runIfStale(parameters[0].version)
        bd.run()
        return p.dx
    }

    public override var forwardFLOPs: Int { 2 * inF * units }

    public override var config: [String: Any] {
        ["name": name, "type": "Dense", "units": units, "activation": relu ? "relu" : "linear", "l2": Double(l2)]
    }
}

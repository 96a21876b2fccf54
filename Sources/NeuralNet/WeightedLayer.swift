import CDNNL

/// What Conv and Dense share: a kernel and a bias, a forward primitive with an optional fused
/// ReLU, backward-data and backward-weights primitives, weights kept in the layout the
/// forward primitive prefers (reordered copies for primitives that want another), and one
/// plan of primitives and buffers per batch size (a few sizes at most: `BatchCache`). A subclass says
/// only how its oneDNN operation descriptors are made (`forwardDescriptor` and kin) and
/// which shapes it has.
open class WeightedLayer: Layer {
    /// ReLU fused after the operation (else linear).
    public let relu: Bool
    private var plans = BatchCache<Plan>()
    private var lastPlan: Plan?
    private var adopted = false

    init(name: String, relu: Bool) {
        self.relu = relu
        super.init(name: name)
    }

    var kernel: Parameter { parameters[0] }
    var bias: Parameter { parameters[1] }

    // MARK: What a subclass provides

    /// Keras-order output shape for a batch.
    func outputShape(batch: Int) -> [Int] { fatalError("subclass") }
    /// The forward operation descriptor's primitive descriptor for a batch (src and dst may
    /// be `format_tag_any`; the primitive's choice is queried).
    func forwardPD(batch: Int) -> dnnl_primitive_desc_t { fatalError("subclass") }
    /// Backward-data and backward-weights primitive descriptors for the layouts forward chose.
    func backwardDataPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        fatalError("subclass")
    }
    func backwardWeightsPD(src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        fatalError("subclass")
    }

    // MARK: The shared machinery

    /// Primitives and buffers for one batch size, created once and reused every step.
    private final class Plan {
        let fwdPD: dnnl_primitive_desc_t
        let fwd: Prim
        let y: Tensor
        let srcMD: dnnl_memory_desc_t      // the layout the operation reads (blocked for Conv)
        var input: Buffer                  // the source actually read (after any reorder)
        var callerMD: dnnl_memory_desc_t   // the caller's input layout, which dx must match
        var weightsReorder: Reorder?
        let inConform: Conform, dyConform: Conform, dxConform: Conform
        // Backward, built on first use.
        var relu: Prim?
        var bwdData: Prim?
        var bwdWeightsReorder: Reorder?
        var dx: Tensor?
        var bwdWeights: Prim?
        var gradReorder: Reorder?
        init(fwdPD: dnnl_primitive_desc_t, fwd: Prim, y: Tensor, srcMD: dnnl_memory_desc_t, input: Buffer,
             callerMD: dnnl_memory_desc_t, conform: Conform, context: ComputeContext) {
            self.fwdPD = fwdPD; self.fwd = fwd; self.y = y; self.srcMD = srcMD; self.input = input
            self.callerMD = callerMD
            inConform = conform; dyConform = Conform(context); dxConform = Conform(context)
        }
        deinit { dnnl_primitive_desc_destroy(fwdPD) }
    }

    private func makePlan(_ x: Tensor) -> Plan {
        let pd = forwardPD(batch: x.batch)
        let wmd = MD.query(pd, dnnl_query_weights_md)
        if !adopted { kernel.adopt(wmd, context); adopted = true }
        var wbuf = kernel.value
        var reorder: Reorder?
        if !MD.equal(wmd, kernel.value.md) {
            wbuf = Buffer(wmd)
            reorder = Reorder(from: kernel.value, to: wbuf, context: context)
        }
        let srcMD = MD.query(pd, dnnl_query_src_md)
        let conform = Conform(context)
        let xin = conform.apply(x, srcMD)
        let y = Tensor(shape: outputShape(batch: x.batch), md: MD.query(pd, dnnl_query_dst_md))
        let fwd = Prim(pd, [(DNNL_ARG_SRC, xin.buffer), (DNNL_ARG_WEIGHTS, wbuf),
                            (DNNL_ARG_BIAS, bias.value), (DNNL_ARG_DST, y.buffer)], context)
        let p = Plan(fwdPD: pd, fwd: fwd, y: y, srcMD: srcMD, input: xin.buffer, callerMD: x.buffer.md,
                     conform: conform, context: context)
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
        p.weightsReorder?.runIfStale(kernel.version)
        p.fwd.run()
        lastPlan = p
        return p.y
    }

    private func buildBackward(_ p: Plan) {
        let ymd = p.y.buffer.md
        var gradOut = p.y
        if relu {
            let dyr = Tensor(shape: p.y.shape, md: ymd)
            p.relu = reluBackward(p.y, dyr, context)
            gradOut = dyr
        }
        if needsInputGradient {
            let pd = backwardDataPD(src: p.srcMD, dst: ymd, hint: p.fwdPD)
            let dx = Tensor(shape: [p.y.batch] + inputShape, md: p.srcMD)
            // Backward-data may want the kernel in another layout than the master copy.
            let wmd = MD.query(pd, dnnl_query_weights_md)
            var wbuf = kernel.value
            if !MD.equal(wmd, kernel.value.md) {
                wbuf = Buffer(wmd)
                p.bwdWeightsReorder = Reorder(from: kernel.value, to: wbuf, context: context)
            }
            p.bwdData = Prim(pd, [(DNNL_ARG_DIFF_DST, gradOut.buffer), (DNNL_ARG_WEIGHTS, wbuf), (DNNL_ARG_DIFF_SRC, dx.buffer)], context)
            dnnl_primitive_desc_destroy(pd)
            p.dx = dx
        }
        // Backward-weights writes the kernel gradient in its preferred layout, reordered into
        // the master layout after each run when the two differ.
        let pd = backwardWeightsPD(src: p.srcMD, dst: ymd, hint: p.fwdPD)
        let gmd = MD.query(pd, dnnl_query_diff_weights_md)
        var gbuf = kernel.grad
        if !MD.equal(gmd, kernel.grad.md) {
            gbuf = Buffer(gmd)
            p.gradReorder = Reorder(from: gbuf, to: kernel.grad, context: context)
        }
        p.bwdWeights = Prim(pd, [(DNNL_ARG_SRC, p.input), (DNNL_ARG_DIFF_DST, gradOut.buffer),
                                 (DNNL_ARG_DIFF_WEIGHTS, gbuf), (DNNL_ARG_DIFF_BIAS, bias.grad)], context)
        dnnl_primitive_desc_destroy(pd)
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
        p.bwdWeightsReorder?.runIfStale(kernel.version)
        bd.run()
        // Hand dx back in the layout the caller gave x in.
        return p.dxConform.apply(dx, p.callerMD)
    }

    /// Plans kept now (tests of the bound).
    var planCount: Int { plans.count }
}

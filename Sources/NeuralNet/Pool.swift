import CDNNL

/// Keras MaxPooling1D / MaxPooling2D with `valid` padding: window = stride = `pool` per
/// spatial axis, output size floor(n / pool) (a trailing remainder is dropped, as in Keras).
public final class MaxPool: Layer {
    /// Window (and stride) per spatial axis: `[3]` for M1's MaxPool1D, `[2, 2]` for MaxPool2D.
    public let pool: [Int]
    private var outShape: [Int] = []
    private var plans = BatchCache<Plan>()
    private var lastPlan: Plan?

    public init(_ name: String, pool: [Int]) {
        self.pool = pool
        super.init(name: name)
    }

    public override func build(inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == pool.count + 1, "\(name): input \(inputShape)")
        self.inputShape = inputShape
        outShape = zip(inputShape.dropLast(), pool).map { $0 / $1 } + [inputShape.last!]
        return outShape
    }

    private final class Plan {
        let fwdPD: dnnl_primitive_desc_t
        let fwd: Prim
        let y: Tensor
        let workspace: Buffer
        var input: Buffer
        var bwd: Prim?
        var dx: Tensor?
        let dyConform: Conform
        init(_ pd: dnnl_primitive_desc_t, _ fwd: Prim, _ y: Tensor, _ ws: Buffer, _ input: Buffer, _ context: ComputeContext) {
            fwdPD = pd; self.fwd = fwd; self.y = y; workspace = ws; self.input = input; dyConform = Conform(context)
        }
        deinit { dnnl_primitive_desc_destroy(fwdPD) }
    }

    private var geometry: (strides: [Int64], kernel: [Int64], padL: [Int64], padR: [Int64]) {
        let k = pool.map { Int64($0) }
        return (k, k, k.map { _ in 0 }, k.map { _ in 0 })
    }

    public override func forward(_ x: Tensor, training: Bool) -> Tensor {
        let p: Plan
        if let q = plans[x.batch] {
            p = q
            precondition(MD.equal(x.buffer.md, p.input.md), "\(name): input layout changed")
            if p.input !== x.buffer { p.fwd.set(DNNL_ARG_SRC, x.buffer); p.input = x.buffer }
        } else {
            // Pooling reads the layout it is given and writes the same (`any` lets it).
            var src = x.buffer.md
            var dst = MD.make(Tensor.oneDNNDims([x.batch] + outShape), dnnl_format_tag_any)
            let g = geometry
            var d = dnnl_pooling_desc_t()
            // forward_training keeps the argmax workspace backward needs; inference reuses it.
            check(dnnl_pooling_forward_desc_init(&d, dnnl_forward_training, dnnl_pooling_max, &src, &dst,
                                                 g.strides, g.kernel, g.padL, g.padR), "pool fwd desc")
            let pd = makePD(&d, context, "pool fwd pd")
            let y = Tensor(shape: [x.batch] + outShape, md: MD.query(pd, dnnl_query_dst_md))
            let ws = Buffer(MD.query(pd, dnnl_query_workspace_md))
            let fwd = Prim(pd, [(DNNL_ARG_SRC, x.buffer), (DNNL_ARG_DST, y.buffer), (DNNL_ARG_WORKSPACE, ws)], context)
            p = Plan(pd, fwd, y, ws, x.buffer, context)
            plans[x.batch] = p
        }
        p.fwd.run()
        lastPlan = p
        return p.y
    }

    public override func backward(_ dyIn: Tensor) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard let p = lastPlan else { fatalError("\(name): backward before forward") }
        let dy = p.dyConform.apply(dyIn, p.y.buffer.md)
        if p.bwd == nil {
            let dx = Tensor(shape: [p.y.batch] + inputShape, md: p.input.md)
            var dsrc = dx.buffer.md, ddst = p.y.buffer.md
            let g = geometry
            var d = dnnl_pooling_desc_t()
            check(dnnl_pooling_backward_desc_init(&d, dnnl_pooling_max, &dsrc, &ddst,
                                                  g.strides, g.kernel, g.padL, g.padR), "pool bwd desc")
            let pd = makePD(&d, hint: p.fwdPD, context, "pool bwd pd")
            p.bwd = Prim(pd, [(DNNL_ARG_DIFF_DST, dy.buffer), (DNNL_ARG_DIFF_SRC, dx.buffer),
                              (DNNL_ARG_WORKSPACE, p.workspace)], context)
            dnnl_primitive_desc_destroy(pd)
            p.dx = dx
        }
        p.bwd!.set(DNNL_ARG_DIFF_DST, dy.buffer)
        p.bwd!.run()
        return p.dx
    }

    public override var config: [String: Any] {
        ["name": name, "type": pool.count == 1 ? "MaxPooling1D" : "MaxPooling2D", "pool_size": pool]
    }
}

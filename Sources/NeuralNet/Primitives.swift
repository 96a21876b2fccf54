import CDNNL

/// A created primitive with its argument list fixed at build time, so executing it in the
/// training loop allocates nothing. It runs on the stream of the context it was made for.
final class Prim {
    let primitive: dnnl_primitive_t
    var args: [dnnl_exec_arg_t]
    /// The buffers behind `args`: oneDNN memory objects do not own their storage, so the
    /// primitive keeps the Swift owners alive.
    private var buffers: [Buffer]
    private let stream: dnnl_stream_t

    init(_ pd: dnnl_primitive_desc_t, _ args: [(Int32, Buffer)], _ context: ComputeContext) {
        var p: dnnl_primitive_t?
        check(dnnl_primitive_create(&p, pd), "dnnl_primitive_create")
        primitive = p!
        self.args = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.memory) }
        buffers = args.map(\.1)
        stream = context.stream
    }

    /// Points argument `arg` at another buffer (the caller's input moved).
    func set(_ arg: Int32, _ b: Buffer) {
        for i in args.indices where args[i].arg == arg { args[i].memory = b.memory; buffers[i] = b }
    }

    func run() {
        let n = Int32(args.count)
        args.withUnsafeBufferPointer { a in
            check(dnnl_primitive_execute(primitive, stream, n, a.baseAddress), "dnnl_primitive_execute")
        }
    }

    deinit { dnnl_primitive_destroy(primitive) }
}

/// Creates a primitive descriptor from an operation descriptor (oneDNN v2 API).
func makePD<D>(_ desc: inout D, attr: dnnl_primitive_attr_t? = nil, hint: dnnl_primitive_desc_t? = nil,
               _ context: ComputeContext, _ what: String) -> dnnl_primitive_desc_t {
    var pd: dnnl_primitive_desc_t?
    withUnsafePointer(to: &desc) { p in
        check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(p), attr, context.engine, hint), what)
    }
    return pd!
}

/// A forward primitive descriptor, with ReLU fused as a post-op when `relu` (it saves a pass
/// over the activations).
func makeForwardPD<D>(_ desc: inout D, relu: Bool, _ context: ComputeContext, _ what: String) -> dnnl_primitive_desc_t {
    var attr: dnnl_primitive_attr_t?
    var po: dnnl_post_ops_t?
    check(dnnl_primitive_attr_create(&attr), "attr")
    if relu {
        check(dnnl_post_ops_create(&po), "post_ops")
        check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_relu, 0, 0), "post_ops relu")
        check(dnnl_primitive_attr_set_post_ops(attr, po), "set post_ops")
    }
    let pd = makePD(&desc, attr: attr, context, what)
    if let po { dnnl_post_ops_destroy(po) }
    dnnl_primitive_attr_destroy(attr)
    return pd
}

/// A ReLU backward primitive reading the mask from the forward output `y` (ReLU(y) = y, so
/// y > 0 exactly where the pre-activation was), writing into `dx`; DIFF_DST is set per call.
/// oneDNN wants an eltwise forward descriptor as the hint, so one is made for the purpose.
func reluBackward(_ y: Tensor, _ dx: Tensor, _ context: ComputeContext) -> Prim {
    var md = y.buffer.md
    var f = dnnl_eltwise_desc_t()
    check(dnnl_eltwise_forward_desc_init(&f, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, &md, 0, 0),
          "relu fwd desc")
    let hint = makePD(&f, context, "relu fwd pd")
    var d = dnnl_eltwise_desc_t()
    check(dnnl_eltwise_backward_desc_init(&d, dnnl_eltwise_relu_use_dst_for_bwd, &md, &md, 0, 0), "relu bwd desc")
    let pd = makePD(&d, hint: hint, context, "relu bwd pd")
    let prim = Prim(pd, [(DNNL_ARG_DST, y.buffer), (DNNL_ARG_DIFF_DST, y.buffer), (DNNL_ARG_DIFF_SRC, dx.buffer)], context)
    dnnl_primitive_desc_destroy(pd)
    dnnl_primitive_desc_destroy(hint)
    return prim
}

/// A reorder between two layouts of the same logical tensor. Used where a primitive prefers
/// a weight layout different from the master copy, at the model's edges, and for the flat
/// canonical view of the parameters. With `accumulate`, the destination gains the source
/// (oneDNN's sum post-op: to = from + to) instead of being overwritten.
final class Reorder {
    let prim: Prim
    /// The source version last copied (see `runIfStale`).
    private var copied = -1

    init(from: Buffer, to: Buffer, accumulate: Bool = false, context: ComputeContext = .standard) {
        var pd: dnnl_primitive_desc_t?
        var s = from.md, d = to.md
        var attr: dnnl_primitive_attr_t?
        var po: dnnl_post_ops_t?
        if accumulate {
            check(dnnl_primitive_attr_create(&attr), "attr")
            check(dnnl_post_ops_create(&po), "post_ops")
            check(dnnl_post_ops_append_sum(po, 1), "post_ops sum")
            check(dnnl_primitive_attr_set_post_ops(attr, po), "set post_ops")
        }
        check(dnnl_reorder_primitive_desc_create(&pd, &s, context.engine, &d, context.engine, attr), "reorder")
        prim = Prim(pd!, [(DNNL_ARG_FROM, from), (DNNL_ARG_TO, to)], context)
        dnnl_primitive_desc_destroy(pd)
        if let po { dnnl_post_ops_destroy(po) }
        if let attr { dnnl_primitive_attr_destroy(attr) }
    }

    func run() { prim.run() }

    /// Runs only when the source's version moved since the last copy (weights that did not
    /// change since the last step or inference batch need no new reordered copy).
    func runIfStale(_ version: Int) {
        if version != copied { prim.run(); copied = version }
    }

    /// Copies `from` into `to` once through a temporary reorder.
    static func copy(_ from: Buffer, _ to: Buffer, context: ComputeContext = .standard) {
        Reorder(from: from, to: to, context: context).run()
    }
}

import CDNNL
import Foundation

/// Errors raised by the engine: a failed oneDNN call, a malformed checkpoint, a shape mismatch.
public enum NeuralNetError: Error, CustomStringConvertible {
    case dnnl(String, String)
    case checkpoint(String)
    case shape(String)

    public var description: String {
        switch self {
        case let .dnnl(call, status): return "oneDNN call \(call) failed: \(status)"
        case let .checkpoint(m): return "checkpoint: \(m)"
        case let .shape(m): return "shape: \(m)"
        }
    }
}

/// The process-wide oneDNN CPU engine and stream. oneDNN objects are cheap to share and
/// creating them per layer would only multiply thread pools, so there is exactly one.
public enum Engine {
    /// The CPU engine every primitive and memory object is created on.
    public static let engine: dnnl_engine_t = {
        var e: dnnl_engine_t?
        check(dnnl_engine_create(&e, dnnl_cpu, 0), "dnnl_engine_create")
        return e!
    }()

    /// The stream all primitives execute on (in order, so no explicit waits between layers).
    public static let stream: dnnl_stream_t = {
        var s: dnnl_stream_t?
        check(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        return s!
    }()

    /// Number of threads oneDNN (GNU OpenMP) and the engine's own parallel loops use.
    /// Defaults to all cores; set before building models for consistent timings.
    public static var threads: Int {
        get { Int(omp_get_max_threads()) }
        set { omp_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Bytes of engine buffers alive now, and the most alive at once since `resetPeak`
    /// (activations, gradients, weights, optimiser state; oneDNN's scratchpads excluded).
    public private(set) static var liveBytes = 0
    public private(set) static var peakBytes = 0
    public static func resetPeak() { peakBytes = liveBytes }
    static func allocated(_ n: Int) { liveBytes += n; peakBytes = max(peakBytes, liveBytes) }
    static func freed(_ n: Int) { liveBytes -= n }

    /// Waits for queued primitives; CPU streams execute synchronously, this is for clarity.
    public static func wait() { check(dnnl_stream_wait(stream), "dnnl_stream_wait") }
}

/// Aborts on a failed oneDNN call. Failures here are programming errors (a descriptor the
/// library rejects for shapes we computed), not recoverable conditions, so trapping with the
/// call name and status is the most useful behaviour.
@inline(__always)
func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) {
    if status != dnnl_success {
        let s = dnnl_status2str(status).map { String(cString: $0) } ?? "\(status.rawValue)"
        fatalError("oneDNN call \(call()) failed: \(s)")
    }
}

/// Helpers around oneDNN memory descriptors.
enum MD {
    /// A plain descriptor with the given oneDNN-order dims and format tag.
    static func make(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory_desc_init_by_tag")
        return md
    }

    /// Bytes the descriptor spans (includes padding of blocked formats).
    static func bytes(_ md: dnnl_memory_desc_t) -> Int {
        var m = md
        return Int(dnnl_memory_desc_get_size(&m))
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var x = a, y = b
        return dnnl_memory_desc_equal(&x, &y) != 0
    }

    /// Queries one memory descriptor of a primitive descriptor.
    static func query(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
        guard let p = dnnl_primitive_desc_query_md(pd, what, 0) else { return dnnl_memory_desc_t() }
        return p.pointee
    }

    static func dims(_ a: [Int]) -> [Int64] { a.map { Int64($0) } }
}

/// An aligned float buffer with a oneDNN memory object over it. The engine owns every byte
/// it computes on, so Swift loops and oneDNN primitives see the same storage.
public final class Buffer {
    /// The layout of the bytes.
    public let md: dnnl_memory_desc_t
    /// The float storage (count = bytes / 4, padding included).
    public let data: UnsafeMutablePointer<Float>
    /// Number of floats, padding included.
    public let count: Int
    /// The oneDNN memory object over `data`.
    let memory: dnnl_memory_t
    /// The buffer whose storage this one views (kept alive), or nil when it owns its storage.
    let owner: Buffer?

    init(_ md: dnnl_memory_desc_t) {
        self.md = md
        count = max(1, MD.bytes(md) / 4)
        var raw: UnsafeMutableRawPointer?
        // 64-byte alignment suits AVX-512 loads in oneDNN and in our own loops.
        posix_memalign(&raw, 64, count * 4)
        data = raw!.bindMemory(to: Float.self, capacity: count)
        data.initialize(repeating: 0, count: count)
        owner = nil
        Engine.allocated(count * 4)
        memory = Buffer.memory(md, raw!)
    }

    /// A view of `other`'s storage under another descriptor of the same size (a reshape).
    init(view other: Buffer, as md: dnnl_memory_desc_t) {
        precondition(MD.bytes(md) <= other.count * 4, "view larger than its storage")
        self.md = md
        count = max(1, MD.bytes(md) / 4)
        data = other.data
        owner = other.owner ?? other
        memory = Buffer.memory(md, UnsafeMutableRawPointer(other.data))
    }

    private static func memory(_ md: dnnl_memory_desc_t, _ raw: UnsafeMutableRawPointer) -> dnnl_memory_t {
        var m: dnnl_memory_t?
        var d = md
        check(dnnl_memory_create(&m, &d, Engine.engine, raw), "dnnl_memory_create")
        return m!
    }

    deinit {
        dnnl_memory_destroy(memory)
        if owner == nil { free(data); Engine.freed(count * 4) }
    }

    /// Sets every float (padding included) to zero.
    func zero() { data.update(repeating: 0, count: count) }
}

/// A created primitive with its argument list fixed at build time, so executing it in the
/// training loop allocates nothing.
final class Prim {
    let primitive: dnnl_primitive_t
    var args: [dnnl_exec_arg_t]
    /// The buffers behind `args`: oneDNN memory objects do not own their storage, so the
    /// primitive keeps the Swift owners alive.
    private var buffers: [Buffer]

    init(_ pd: dnnl_primitive_desc_t, _ args: [(Int32, Buffer)]) {
        var p: dnnl_primitive_t?
        check(dnnl_primitive_create(&p, pd), "dnnl_primitive_create")
        primitive = p!
        self.args = args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.memory) }
        buffers = args.map(\.1)
    }

    /// Points argument `arg` at another buffer (the caller's input moved).
    func set(_ arg: Int32, _ b: Buffer) {
        for i in args.indices where args[i].arg == arg { args[i].memory = b.memory; buffers[i] = b }
    }

    func run() {
        let n = Int32(args.count)
        args.withUnsafeBufferPointer { a in
            check(dnnl_primitive_execute(primitive, Engine.stream, n, a.baseAddress), "dnnl_primitive_execute")
        }
    }

    deinit { dnnl_primitive_destroy(primitive) }
}

/// Creates a primitive descriptor from an operation descriptor (oneDNN v2 API).
func makePD<D>(_ desc: inout D, attr: dnnl_primitive_attr_t? = nil,
               hint: dnnl_primitive_desc_t? = nil, _ what: String) -> dnnl_primitive_desc_t {
    var pd: dnnl_primitive_desc_t?
    withUnsafePointer(to: &desc) { p in
        check(dnnl_primitive_desc_create(&pd, UnsafeRawPointer(p), attr, Engine.engine, hint), what)
    }
    return pd!
}

/// A forward primitive descriptor, with ReLU fused as a post-op when `relu` (it saves a pass
/// over the activations). Shared by Conv and Dense.
func makeForwardPD<D>(_ desc: inout D, relu: Bool, _ what: String) -> dnnl_primitive_desc_t {
    var attr: dnnl_primitive_attr_t?
    var po: dnnl_post_ops_t?
    check(dnnl_primitive_attr_create(&attr), "attr")
    if relu {
        check(dnnl_post_ops_create(&po), "post_ops")
        check(dnnl_post_ops_append_eltwise(po, 1, dnnl_eltwise_relu, 0, 0), "post_ops relu")
        check(dnnl_primitive_attr_set_post_ops(attr, po), "set post_ops")
    }
    let pd = makePD(&desc, attr: attr, what)
    if let po { dnnl_post_ops_destroy(po) }
    dnnl_primitive_attr_destroy(attr)
    return pd
}

/// The backward-data primitive of a weighted layer (Conv, Dense) from its descriptor `pd`
/// (destroyed here): reads `gradOut` and the kernel — through a reorder from the master copy
/// when the primitive prefers another layout — and writes `dx`.
func makeBackwardData(_ pd: dnnl_primitive_desc_t, kernel: Parameter, gradOut: Tensor,
                      dx: Tensor) -> (prim: Prim, kernelReorder: Reorder?) {
    let wmd = MD.query(pd, dnnl_query_weights_md)
    var wbuf = kernel.value, reorder: Reorder?
    if !MD.equal(wmd, kernel.value.md) {
        wbuf = Buffer(wmd)
        reorder = Reorder(from: kernel.value, to: wbuf)
    }
    let prim = Prim(pd, [(DNNL_ARG_DIFF_DST, gradOut.buffer), (DNNL_ARG_WEIGHTS, wbuf), (DNNL_ARG_DIFF_SRC, dx.buffer)])
    dnnl_primitive_desc_destroy(pd)
    return (prim, reorder)
}

/// The backward-weights primitive of a weighted layer from its descriptor `pd` (destroyed
/// here): reads `input` and `gradOut`, writes the bias gradient and the kernel gradient —
/// into a buffer of the primitive's preferred layout, reordered into the master layout after
/// each run, when the two differ.
func makeBackwardWeights(_ pd: dnnl_primitive_desc_t, kernel: Parameter, bias: Parameter, input: Buffer,
                         gradOut: Tensor) -> (prim: Prim, gradReorder: Reorder?) {
    let gmd = MD.query(pd, dnnl_query_diff_weights_md)
    var gbuf = kernel.grad, reorder: Reorder?
    if !MD.equal(gmd, kernel.grad.md) {
        gbuf = Buffer(gmd)
        reorder = Reorder(from: gbuf, to: kernel.grad)
    }
    let prim = Prim(pd, [(DNNL_ARG_SRC, input), (DNNL_ARG_DIFF_DST, gradOut.buffer),
                         (DNNL_ARG_DIFF_WEIGHTS, gbuf), (DNNL_ARG_DIFF_BIAS, bias.grad)])
    dnnl_primitive_desc_destroy(pd)
    return (prim, reorder)
}

/// A reorder between two layouts of the same logical tensor, or nothing when they match.
/// Used where a primitive prefers a weight layout different from the master copy.
final class Reorder {
    let prim: Prim
    /// The source version last copied (see `runIfStale`).
    private var copied = -1

    init(from: Buffer, to: Buffer) {
        var pd: dnnl_primitive_desc_t?
        var s = from.md, d = to.md
        check(dnnl_reorder_primitive_desc_create(&pd, &s, Engine.engine, &d, Engine.engine, nil), "reorder")
        prim = Prim(pd!, [(DNNL_ARG_FROM, from), (DNNL_ARG_TO, to)])
        dnnl_primitive_desc_destroy(pd)
    }

    func run() { prim.run() }

    /// Runs only when the source's version moved since the last copy (weights that did not
    /// change since the last step or inference batch need no new reordered copy).
    func runIfStale(_ version: Int) {
        if version != copied { prim.run(); copied = version }
    }

    /// Copies `from` into `to` once through a temporary reorder.
    static func copy(_ from: Buffer, _ to: Buffer) { Reorder(from: from, to: to).run() }
}

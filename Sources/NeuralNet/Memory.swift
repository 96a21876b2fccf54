import CDNNL
import Foundation

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
        MemoryStats.allocated(count * 4)
        memory = Buffer.memory(md, raw!)
    }

    /// A view of `other`'s storage from float `offset` on, under another descriptor (a
    /// reshape, or one parameter's slice of a flat buffer).
    init(view other: Buffer, as md: dnnl_memory_desc_t, offset: Int = 0) {
        precondition(offset >= 0 && offset * 4 + MD.bytes(md) <= other.count * 4, "view larger than its storage")
        self.md = md
        count = max(1, MD.bytes(md) / 4)
        data = other.data + offset
        owner = other.owner ?? other
        memory = Buffer.memory(md, UnsafeMutableRawPointer(data))
    }

    private static func memory(_ md: dnnl_memory_desc_t, _ raw: UnsafeMutableRawPointer) -> dnnl_memory_t {
        var m: dnnl_memory_t?
        var d = md
        check(dnnl_memory_create(&m, &d, ComputeContext.cpuEngine, raw), "dnnl_memory_create")
        return m!
    }

    deinit {
        dnnl_memory_destroy(memory)
        if owner == nil { free(data); MemoryStats.freed(count * 4) }
    }

    /// Sets every float (padding included) to zero.
    func zero() { data.update(repeating: 0, count: count) }
}

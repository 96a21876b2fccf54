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

/// Where and how a model computes: the oneDNN engine and stream its primitives run on, the
/// thread count and the convolution algorithm.
/// A model is built with one (`Sequential(…, context:)`) and every layer of it uses it;
/// nothing about how it computes is process-wide. (Scratch memory stays oneDNN's: built
/// without concurrent execution, its default, it shares one scratchpad per thread among all
/// primitives already.)
///
/// A context is immutable: to train with other settings, build (or load) the model with
/// another context. Checkpoints do not depend on it (weights are saved in Keras's layout),
/// so a state saved under one context resumes under another.
public final class ComputeContext: @unchecked Sendable {
    /// The CPU device. oneDNN's CPU engine is a handle to the machine, so every context
    /// shares it (memory objects made on it are valid in any CPU context); a GPU context
    /// would hold its own.
    public static let cpuEngine: dnnl_engine_t = {
        var e: dnnl_engine_t?
        check(dnnl_engine_create(&e, dnnl_cpu, 0), "dnnl_engine_create")
        return e!
    }()

    /// OpenMP's thread count when the process started (all cores, or `OMP_NUM_THREADS`).
    public static let defaultThreads = Int(omp_get_max_threads())

    /// The context of layers and tensors made without one: all cores, direct convolutions.
    public static let standard = ComputeContext()

    /// The engine this context's primitives are created on.
    public let engine: dnnl_engine_t
    /// The stream its primitives execute on, in order (no waits between layers).
    public let stream: dnnl_stream_t
    /// Threads oneDNN (GNU OpenMP) and the engine's own loops use.
    public let threads: Int
    /// How convolutions are computed (see `ConvAlgorithm`).
    public let convolutionAlgorithm: ConvAlgorithm

    /// - Parameters:
    ///   - threads: threads for oneDNN and the engine's loops (default: all cores).
    ///   - convolutionAlgorithm: `direct` (TensorFlow's) or `auto` (oneDNN may pick Winograd).
    public init(threads: Int = ComputeContext.defaultThreads, convolutionAlgorithm: ConvAlgorithm = .direct) {
        precondition(threads >= 1, "threads must be at least 1")
        engine = ComputeContext.cpuEngine
        var s: dnnl_stream_t?
        check(dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        stream = s!
        self.threads = threads
        self.convolutionAlgorithm = convolutionAlgorithm
    }

    deinit { dnnl_stream_destroy(stream) }

    /// The same settings with other values (nil keeps this context's).
    public func with(threads: Int? = nil, convolutionAlgorithm: ConvAlgorithm? = nil) -> ComputeContext {
        ComputeContext(threads: threads ?? self.threads, convolutionAlgorithm: convolutionAlgorithm ?? self.convolutionAlgorithm)
    }

    /// Makes this context's thread count the one OpenMP uses on the calling thread, and sets
    /// flush-to-zero on it and its OpenMP team (once per thread and team size: see the CDNNL
    /// shim; subnormals slowed long training runs tenfold). The Trainer calls it at the start of
    /// every pass (training, evaluation, prediction), so two contexts used one after the other
    /// each get theirs; code that calls a network's `forward` directly calls it first.
    public func activate() {
        if omp_get_max_threads() != Int32(threads) { omp_set_num_threads(Int32(threads)) }
        let key = "galam.flushed-denormals.\(threads)"
        let local = Thread.current.threadDictionary
        if local[key] == nil {
            galam_flush_denormals(Int32(threads))
            local[key] = true
        }
    }

    /// Waits for queued primitives; CPU streams execute synchronously, this is for clarity.
    public func wait() { check(dnnl_stream_wait(stream), "dnnl_stream_wait") }
}

/// Bytes of engine buffers alive now, and the most alive at once since `resetPeak`
/// (activations, gradients, weights, optimiser state; oneDNN's own scratch excluded).
/// Statistics, not configuration: counted for the whole process.
public enum MemoryStats {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live = 0
    nonisolated(unsafe) private static var peak = 0
    public static var liveBytes: Int { lock.lock(); defer { lock.unlock() }; return live }
    public static var peakBytes: Int { lock.lock(); defer { lock.unlock() }; return peak }
    public static func resetPeak() { lock.lock(); peak = live; lock.unlock() }
    static func allocated(_ n: Int) { lock.lock(); live += n; peak = max(peak, live); lock.unlock() }
    static func freed(_ n: Int) { lock.lock(); live -= n; lock.unlock() }
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

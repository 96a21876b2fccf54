import Foundation
#if GALAM_MPI
import CMPI
#endif

/// The processes that train one model together (synchronous data parallelism, as Horovod
/// does it): every process holds the whole model, computes the gradients of its share of each
/// global batch, and the shares are summed with one all-reduce so every process takes the same
/// optimiser step. One process alone is the group `SingleProcess`; `mpirun -np R` or `srun`
/// makes an `MPIProcessGroup` (`ProcessGroup.launched()`).
public protocol ProcessGroup: AnyObject {
    /// This process's number, 0 ≤ rank < size; rank 0 alone writes files.
    var rank: Int { get }
    /// How many processes share the work.
    var size: Int { get }
    /// Replaces `count` floats at `buffer` with their sum over every process, in place.
    func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int)
    /// Replaces `count` doubles at `buffer` with their sum over every process, in place.
    func sum(_ buffer: UnsafeMutablePointer<Double>, count: Int)
    /// Copies rank `root`'s `count` floats at `buffer` to every other process.
    func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, from root: Int)
    /// Returns when every process has called it (rank 0 wrote a file the others read next).
    func barrier()
    /// Ends every process of the group after printing `message` (a failed process must not
    /// leave the others waiting in a collective call).
    func abort(message: String) -> Never
}

extension ProcessGroup {
    /// Rank 0: the process that writes checkpoints, histories and outputs.
    public var isRoot: Bool { rank == 0 }

    /// This process's contiguous share of a batch of `count` samples: rank r of R takes
    /// samples ⌊count·r/R⌋ ..< ⌊count·(r+1)/R⌋, so the shares tile the batch in order and
    /// differ in size by at most one (a short last batch may leave a rank none).
    public func share(of count: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Sums one value over every process.
    public func sum(_ value: Double) -> Double {
        var v = value
        sum(&v, count: 1)
        return v
    }
}

/// One process: sums and broadcasts are the identity.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {}
    public func sum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {}
    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, from root: Int) {}
    public func barrier() {}
    public func abort(message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}

/// Why a distributed run cannot start.
public struct ProcessGroupError: Error, CustomStringConvertible {
    public var description: String
}

/// The MPI library this build runs on ("Open MPI v4.1.4, package: …"), or nil when it was
/// built without MPI (Open MPI was not found when it was compiled).
public func mpiLibraryVersion() -> String? {
    #if GALAM_MPI
    return MPIProcessGroup.libraryVersion
    #else
    return nil
    #endif
}

/// Launchers and the variable each sets to the number of processes it started.
let launcherSizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"]

/// The group this process was started in: MPI's world when a launcher (`mpirun`, `srun`)
/// started more than one process, otherwise `SingleProcess` (MPI is not even initialised, so
/// a plain run behaves exactly as before).
/// - Throws: `ProcessGroupError` when a launcher started several processes but this build
///   has no MPI (each would train alone and they would overwrite each other's files).
public func launchedProcessGroup(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProcessGroup {
    let launched = launcherSizeVariables.compactMap { environment[$0].flatMap { Int($0) } }.max() ?? 1
    guard launched > 1 else { return SingleProcess() }
    #if GALAM_MPI
    return try MPIProcessGroup()
    #else
    throw ProcessGroupError(description: "started as one of \(launched) processes, but this galam was built without MPI: "
        + "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) and rebuild, or run a single process")
    #endif
}

/// Processes per machine under the launcher (for a default thread count that does not
/// oversubscribe the cores), 1 outside one.
public func processesOnThisMachine(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
    ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"].compactMap { environment[$0].flatMap { Int($0) } }.first ?? 1
}

#if GALAM_MPI
/// MPI's world communicator (Open MPI through the CMPI shim). Started on creation and
/// finalised at exit; the all-reduce is in place on the caller's buffer, in pieces of at most
/// 2³¹−1 elements (MPI's counts are `int`).
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int

    public init() throws {
        let rc = galam_mpi_init()
        guard rc == 0 else { throw ProcessGroupError(description: "MPI_Init_thread failed (error \(rc))") }
        rank = Int(galam_mpi_rank())
        size = Int(galam_mpi_size())
        atexit { _ = galam_mpi_finalize() }
    }

    /// The MPI library's own description ("Open MPI v4.1.4, …").
    public static var libraryVersion: String { String(cString: galam_mpi_library_version()).trimmingCharacters(in: .whitespacesAndNewlines) }

    private func chunks(_ count: Int, _ body: (Int, Int32) -> Int32) {
        var start = 0
        while start < count {
            let n = min(count - start, Int(Int32.max))
            let rc = body(start, Int32(n))
            if rc != 0 {
                FileHandle.standardError.write(Data("galam: MPI call failed with error \(rc) on rank \(rank)\n".utf8))
                galam_mpi_abort(rc)
            }
            start += n
        }
    }

    public func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        chunks(count) { s, n in galam_mpi_allreduce_sum_float(buffer + s, n) }
    }

    public func sum(_ buffer: UnsafeMutablePointer<Double>, count: Int) {
        chunks(count) { s, n in galam_mpi_allreduce_sum_double(buffer + s, n) }
    }

    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, from root: Int) {
        chunks(count) { s, n in galam_mpi_broadcast_float(buffer + s, n, Int32(root)) }
    }

    public func barrier() {
        let rc = galam_mpi_barrier()
        if rc != 0 { galam_mpi_abort(rc) }
    }

    public func abort(message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        galam_mpi_abort(1)
        exit(1)
    }
}
#endif

import Foundation

/// Keeps freed heap memory in the process for the fitting jobs.
///
/// Every galaxy allocates a few MB of scratch arrays (template transforms, convolved
/// columns, design matrices) and frees them when it is done. glibc's malloc gives the top of
/// the heap back to the kernel once more than its trim threshold is free, so the next galaxy
/// page-faults on fresh memory again: perf showed ~11 % of the fit in page faults, and
/// raising the thresholds cut the CPU time per spectrum by ~20 % (`galam bench fit`).
/// glibc's `mallopt` is not visible to Swift (malloc.h is not in the Glibc module), so it is
/// looked up with dlsym; elsewhere (or if absent) this does nothing.
public enum MemoryTuning {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()

    /// Raises glibc's mmap threshold to 32 MB and its trim threshold to 256 MB, once per process.
    public static func keepFreedMemory() {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return }
        done = true
        #if os(Linux)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3   // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 256 << 20)
        #endif
    }
}

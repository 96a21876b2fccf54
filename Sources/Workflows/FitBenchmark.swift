import COpenBLAS
import Foundation
import StellarPops
import SurveyIO

/// Timing of the fitter for `galam bench fit`: seconds per spectrum on one and two threads
/// (preparation of the galaxy's templates included, file reading excluded) and seconds per
/// Monte Carlo realisation. Times the fitter through its public API only, as a user would.
public enum FitBenchmark {
    public struct Figures: Sendable {
        public var spectra: Int
        public var secondsPerSpectrumOneThread: Double
        public var secondsPerSpectrumTwoThreads: Double
        public var secondsPerRealisation: Double
        /// CPU time of the timing thread for the same work: close to the wall time on an idle
        /// machine, and unaffected by other processes competing for the cores.
        public var cpuSecondsPerSpectrumOneThread: Double
        public var cpuSecondsPerRealisation: Double
        public var templates: Int
    }

    /// Fits every `spec-*.fits` of `spectraDirectory` `repeats` times on one thread, then on
    /// two, and times `realisations` Monte Carlo refits per spectrum (seed 1).
    public static func run(spectraDirectory: String, repeats: Int, realisations: Int,
                           selection: SSPGrid.Selection = .paper, options: FitOptions = FitOptions(),
                           mode: MonteCarloMode = .model) throws -> Figures {
        let files = try FileManager.default.contentsOfDirectory(atPath: spectraDirectory)
            .filter { $0.hasPrefix("spec-") && $0.hasSuffix(".fits") }.sorted()
        guard !files.isEmpty else { throw SurveyIOError(path: spectraDirectory, reason: "no spec-*.fits files") }
        let spectra = try files.map { try SDSSSpectrum(contentsOf: spectraDirectory + "/" + $0) }
        let templates = PreparedTemplates(grid: try SSPGrid.load(.miles, selection: selection), lnStep: FitLabelsJob.sdssLnStep)
        openblas_set_num_threads(1)
        MemoryTuning.keepFreedMemory()
        func fitOne(_ s: SDSSSpectrum) throws -> (GalaxyFitter, FitResult) {
            let spec = try FitSpectrum(sdss: s, templates: templates, options: options)
            let fitter = try GalaxyFitter(templates: templates, spectrum: spec, options: options)
            return (fitter, try fitter.fit())
        }
        for s in spectra { _ = try fitOne(s) }   // warm-up
        let jobs = (0..<repeats).flatMap { _ in spectra }
        var t0 = Date()
        var c0 = threadCPUSeconds()
        for s in jobs { _ = try fitOne(s) }
        let one = Date().timeIntervalSince(t0) / Double(jobs.count)
        let oneCPU = (threadCPUSeconds() - c0) / Double(jobs.count)
        let next = SharedCounter()
        t0 = Date()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while true {
                let i = next.increment()
                if i >= jobs.count { break }
                _ = try? fitOne(jobs[i])
            }
        }
        let two = Date().timeIntervalSince(t0) / Double(jobs.count)
        var mcSeconds = 0.0, mcCPU = 0.0
        for s in spectra {
            let (fitter, r) = try fitOne(s)
            t0 = Date()
            c0 = threadCPUSeconds()
            _ = fitter.monteCarlo(best: r, realisations: realisations, seed: 1, mode: mode)
            mcSeconds += Date().timeIntervalSince(t0)
            mcCPU += threadCPUSeconds() - c0
        }
        return Figures(spectra: jobs.count, secondsPerSpectrumOneThread: one, secondsPerSpectrumTwoThreads: two,
                       secondsPerRealisation: mcSeconds / Double(realisations * spectra.count),
                       cpuSecondsPerSpectrumOneThread: oneCPU, cpuSecondsPerRealisation: mcCPU / Double(realisations * spectra.count),
                       templates: templates.count)
    }

    /// CPU seconds used so far by the calling thread.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
    }
}

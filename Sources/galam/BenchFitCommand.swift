import ArgumentParser
import Foundation
import StellarPops
import Workflows

/// `galam bench fit` (registered as `bench fit` until the bench group exists).
struct BenchFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Time the full-spectrum fitter: seconds per spectrum (1 and 2 threads) and per Monte Carlo realisation.",
        discussion: """
        Fits every spec-*.fits in --spectra, --repeats times, with the paper's 36 MILES SSPs (or \
        all 150 with --templates all) and the default options (moments 2, multiplicative degree \
        10). Times include the per-galaxy template preparation, not reading the files. Use a \
        release build (swift build -c release) for figures worth quoting. The CPU time of the \
        timing thread is printed beside the wall time: on a busy machine the two differ, and \
        the CPU time is the figure that does not depend on other processes.

        Examples:
          galam bench fit --spectra ../shared/fixtures/sdss/spectra
          galam bench fit --spectra spectra/ --repeats 20 --mc 100 --templates all
          galam bench fit --spectra spectra/ --gas fit
        """)

    @Option(help: "Folder of spec-*.fits files.")
    var spectra: String

    @Option(help: "Passes over the spectra for the timing.")
    var repeats = 10

    @Option(help: "Monte Carlo realisations per spectrum for the per-realisation time.")
    var mc = 50

    @Option(help: "paper (36 SSPs) or all (150).")
    var templates = FitLabelsCommand.TemplateChoice.paper

    @Option(name: .customLong("mc-mode"), help: "Monte Carlo noise added to: model (default) or data.")
    var mcMode = MonteCarloMode.model

    @Option(help: "Gas emission lines: mask (default) or fit (11 extra Gaussian templates with their own V, σ).")
    var gas = GasTreatment.mask

    func run() throws {
        var options = FitOptions()
        options.gas = gas
        let f = try FitBenchmark.run(spectraDirectory: spectra, repeats: max(1, repeats), realisations: max(1, mc),
                                     selection: templates.selection, options: options, mode: mcMode)
        print("bench fit: \(f.spectra) fits, \(f.templates) templates, gas \(gas)")
        print(String(format: "  one thread:  %.4f s per spectrum (CPU %.4f s)", f.secondsPerSpectrumOneThread, f.cpuSecondsPerSpectrumOneThread))
        print(String(format: "  two threads: %.4f s per spectrum (throughput)", f.secondsPerSpectrumTwoThreads))
        print(String(format: "  Monte Carlo: %.4f s per realisation (CPU %.4f s; %.2f s for 100)",
                     f.secondsPerRealisation, f.cpuSecondsPerRealisation, 100 * f.secondsPerRealisation))
    }
}

import ArgumentParser
import Foundation
import GalAM
import NeuralNet
import Workflows

/// `galam demo`: the main job on built-in defaults.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a small survey, label, prepare, train, evaluate, report and predict — end to end.",
        discussion: """
        Simulates --galaxies SDSS-like galaxies (plus --held-out more that are used only for \
        prediction from images), fits their labels from the spectra (`fit-labels`), prepares a \
        --image-size px dataset, trains every stage for --epochs epochs, evaluates (report.html) and \
        predicts the held-out galaxies from their images alone, comparing with the truth. \
        Needs the SSP templates (`galam templates fetch`).

        Examples:
          galam demo
          galam demo --out out/demo --galaxies 3000 --epochs 20
        """)

    @Option(help: "Output folder.") var out = "out/demo"
    @Option(help: "Galaxies in the training survey.") var galaxies = 1500
    @Option(name: .customLong("held-out"), help: "Extra galaxies predicted from images alone.") var heldOut = 200
    @Option(name: .customLong("image-size"), help: "Image size of the dataset (≥ 46: M2's valid convolutions need it).") var imageSize = 64
    @Option(help: "Epochs per training stage.") var epochs = 8
    @Option(help: "Seed.") var seed: UInt64 = 1
    @OptionGroup var common: RunOptions

    func validate() throws {
        // Before minutes of simulation: the dataset would refuse the size only then.
        try validated { try PaperModel.checkImageSize(imageSize) }
    }

    func run() throws {
        var job = DemoJob(outputDirectory: out)
        job.galaxies = galaxies
        job.heldOut = heldOut
        job.imageSize = imageSize
        job.epochs = epochs
        job.seed = seed
        job.threads = common.threads
        job.showProgress = !common.quiet
        let s = try job.run()
        let t = s.metrics.table()
        print("\nTest split (\(s.metrics.testCount) galaxies), against the fit-labels labels (dex):")
        print("| " + t.header.joined(separator: " | ") + " |")
        for r in t.rows { print("| " + r.joined(separator: " | ") + " |") }
        print(String(format: "\nHeld-out galaxies predicted from images alone: %d of %d; SD against the truth: %.3f dex (log age), %.3f dex ([M/H])",
                     s.heldOutPredicted, job.heldOut, s.heldOutSD[0], s.heldOutSD[1]))
        print(String(format: "Calibrated intervals holding the truth (held-out): log age %.1f %% (68 %%), %.1f %% (95 %%); [M/H] %.1f %%, %.1f %%",
                     100 * s.heldOutCoverage[0], 100 * s.heldOutCoverage[1], 100 * s.heldOutCoverage[2], 100 * s.heldOutCoverage[3]))
        print("Timings: " + s.seconds.map { String(format: "%@ %.0f s", $0.0, $0.1) }.joined(separator: "; "))
        print("Report: \(s.reportPath)")
    }
}

import ArgumentParser
import Foundation
import Imaging
import SurveyIO
import Workflows

/// `galam bench images`: throughput of the image stage.
struct BenchImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Measure the image stage: images per second, and blend rejection on synthetic scenes or a simulated survey.",
        discussion: """
        Times ImageStage on 128×128 cutouts held in memory (decoding excluded): either the \
        JPEGs of --images, repeated to --count, or synthetic Sérsic scenes (seeded). Prints \
        images/s for each thread count in --threads. With --blend-study N, also builds N scenes \
        with a planted overlapping neighbour (0.8–2 Re) and N isolated scenes and prints the \
        share rejected as blended and the share of isolated galaxies rejected. With --survey DIR \
        (a folder written by `galam simulate`), runs the stage on its cutouts and compares the \
        rejections with truth.csv: the share of cutouts with an overlapping neighbour rejected \
        as blended and the share without one rejected for any reason, by reason, and the share \
        of "blended" that have a planted overlap. --detection-noise, --deblend-mode, --nlevels, \
        --nsigma, --ellipse-scale, --npixels, --detect-on, --blend-region, --min-prominence and \
        --canny change the stage for comparisons (defaults: the stage's own). Pre-processed images (like the \
        fixtures) are only cropped and resized, so time raw cutouts.

        Examples:
          galam bench images --count 400 --threads 1,2
          galam bench images --images mock/images --count 1000
          galam bench images --count 0 --blend-study 500 --seed 7
          galam simulate --n 1000 --out mock --seed 3 && galam bench images \\
              --count 0 --survey mock
          galam bench images --count 0 --survey mock --detection-noise masked \\
              --survey-rows rows.csv
          galam bench images --count 0 --survey mock --blend-region footprint \\
              --detect-on grey+bands --min-prominence 2
        """)

    @Option(help: "Images to time.")
    var count = 400

    @Option(help: "Comma-separated thread counts.")
    var threads = CommaList([1, 2])

    @Option(help: "Folder of JPEG cutouts to time instead of synthetic scenes.")
    var images: String?

    @Option(name: .customLong("blend-study"), help: "Scenes per class for the blend study (0: skip).")
    var blendStudy = 0

    @Option(help: "Folder written by `galam simulate`: measure rejections against its truth.csv.")
    var survey: String?

    @Option(name: .customLong("survey-rows"), help: "With --survey: write each cutout's truth, outcome and fitted ellipse (pixels) to this CSV.")
    var surveyRows: String?

    @OptionGroup(title: "Image stage") var stageOptions: ImageStageOptions

    @Option(help: "Seed for synthetic scenes.")
    var seed: UInt64 = 7

    func validate() throws {
        guard threads.values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads: counts must be ≥ 1") }
    }

    func run() throws {
        let stage = stageOptions.stage
        let inputs = try images.map { try ImageBenchmark.decodedCutouts(directory: $0, count: count) }
            ?? ImageBenchmark.syntheticScenes(count: count, seed: seed)
        let threadCounts = threads.values
        if !inputs.isEmpty {
            print("image stage, \(inputs.count) images of 128×128 (\(images ?? "synthetic")), \(ProcessInfo.processInfo.activeProcessorCount) cores visible")
            for t in threadCounts {
                let r = ImageBenchmark.time(stage: stage, images: inputs, threads: t)
                print(String(format: "  threads %d: %.0f images/s (%.2f ms per image per thread), %d accepted", t, r.imagesPerSecond, r.millisecondsPerImagePerThread, r.accepted))
            }
        }
        if blendStudy > 0 {
            let start = Date()
            let r = BlendStudy().run(stage: stage, count: blendStudy, seed: seed, threads: threadCounts.max() ?? 2)
            print("blend study (seed \(seed), \(2 * blendStudy) scenes, \(String(format: "%.1f", Date().timeIntervalSince(start))) s):")
            print(r)
        }
        if let survey {
            var check = SurveyBlendCheck(surveyDirectory: survey)
            check.threads = threadCounts.max() ?? 2
            let start = Date()
            let r = try check.run(stage: stage)
            print("survey \(survey): \(r.rows.count) cutouts (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
            print(r)
            if let surveyRows { try SurveyBlendCheck.rowsTable(r).write(to: surveyRows) }
        }
    }
}

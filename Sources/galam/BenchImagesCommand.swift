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
        of "blended" that have a planted overlap; blends are truth.csv's `blended` (the \
        detector-independent truth of `galam simulate`) where it has it. Several surveys \
        (--survey a,b,c) give a table with a row per survey and the spread across them; \
        --sweep prints one for every setting of the blend grid (region × images × minimum area \
        × prominence floor); --held-out d,e,f chooses a setting from that grid on the --survey \
        surveys and judges it on the held-out ones (≥ 75 % of blends rejected, ≤ 8 % of the \
        others lost in every one), beside the authors' settings, with the best trade-off per \
        held-out survey. --detection-noise, --deblend-mode, --nlevels, \
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
          galam bench images --count 0 --survey a,b,c --blend-region footprint
          galam bench images --count 0 --survey t1,t2,t3,t4 --held-out h1,h2,h3
        """)

    @Option(help: "Images to time.")
    var count = 400

    @Option(help: "Comma-separated thread counts.")
    var threads = CommaList([1, 2])

    @Option(help: "Folder of JPEG cutouts to time instead of synthetic scenes.")
    var images: String?

    @Option(name: .customLong("blend-study"), help: "Scenes per class for the blend study (0: skip).")
    var blendStudy = 0

    @Option(help: "Folders written by `galam simulate`, comma-separated: measure rejections against their truth.csv.")
    var survey: CommaList<String>?

    @Option(name: .customLong("held-out"), help: "With --survey: surveys to judge the setting chosen on --survey by (comma-separated).")
    var heldOut: CommaList<String>?

    @Flag(help: "With --survey: a table for every setting of the blend grid, not only the one given.")
    var sweep = false

    @Option(name: .customLong("survey-rows"), help: "With --survey: write each cutout's truth, outcome and fitted ellipse (pixels) to this CSV.")
    var surveyRows: String?

    @OptionGroup(title: "Image stage") var stageOptions: ImageStageOptions

    @Option(help: "Seed for synthetic scenes.")
    var seed: UInt64 = 7

    func validate() throws {
        guard threads.values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads: counts must be ≥ 1") }
        if (heldOut != nil || sweep) && survey == nil { throw ValidationError("--held-out and --sweep need --survey") }
        if surveyRows != nil && (survey?.values.count ?? 0) != 1 { throw ValidationError("--survey-rows needs exactly one --survey") }
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
        guard let dirs = survey?.values else { return }
        let workers = threadCounts.max() ?? 2
        let start = Date()
        let loaded = try SurveyBlendCheck.load(dirs, threads: workers)
        if let heldOut {
            let held = try SurveyBlendCheck.load(heldOut.values, threads: workers)
            let report = BlendSelection(candidates: BlendCandidate.grid(base: stage))
                .run(tuning: loaded, tuningNames: dirs, heldOut: held, heldOutNames: heldOut.values, threads: workers)
            print(report)
        } else if sweep {
            for c in BlendCandidate.grid(base: stage) {
                print(MultiSurveyTable(setting: c.name, scores: dirs.indices.map { SurveyScore(survey: dirs[$0], result: loaded[$0].run(stage: c.stage, threads: workers)) }))
                print()
            }
        } else {
            let results = loaded.map { $0.run(stage: stage, threads: workers) }
            if results.count == 1 {
                print("survey \(dirs[0]): \(results[0].rows.count) cutouts, \(results[0].conditions)")
                print(results[0])
                if let surveyRows { try SurveyBlendCheck.rowsTable(results[0]).write(to: surveyRows) }
            }
            let name = BlendCandidate(options: BlendCandidate.options(for: stage), stage: stage).name
            print(MultiSurveyTable(setting: name, scores: dirs.indices.map { SurveyScore(survey: dirs[$0], result: results[$0]) }))
        }
        print(String(format: "surveys: %.1f s", Date().timeIntervalSince(start)))
    }
}

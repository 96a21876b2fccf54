import ArgumentParser
import Foundation
import Imaging
import SurveyIO

/// `galam bench images`: throughput of the image stage.
struct BenchImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Measure the image stage: images per second, and optionally blend rejection on synthetic scenes.",
        discussion: """
        Times ImageStage on 128×128 cutouts held in memory (decoding excluded): either the
        JPEGs of --images, repeated to --count, or synthetic Sérsic scenes (seeded). Prints
        images/s for each thread count in --threads. With --blend-study N, also builds N scenes
        with a planted overlapping neighbour (0.8–2 Re) and N isolated scenes and prints the
        share rejected as blended and the share of isolated galaxies rejected.

        Examples:
          galam bench images --count 400 --threads 1,2
          galam bench images --images ../shared/fixtures/sdss/images --count 400
          galam bench images --count 0 --blend-study 500 --seed 7
        """)

    @Option(help: "Images to time.")
    var count = 400

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Folder of JPEG cutouts to time instead of synthetic scenes.")
    var images: String?

    @Option(name: .customLong("blend-study"), help: "Scenes per class for the blend study (0: skip).")
    var blendStudy = 0

    @Option(help: "Seed for synthetic scenes.")
    var seed: UInt64 = 7

    func run() throws {
        let stage = ImageStage.paper
        var inputs: [RGBImage] = []
        if let images {
            let files = try FileManager.default.contentsOfDirectory(atPath: images).filter { $0.hasSuffix(".jpg") }.sorted()
            guard !files.isEmpty else { throw ValidationError("no .jpg in \(images)") }
            let decoded = try files.map { try JPEG.read(images + "/" + $0) }
            inputs = (0..<count).map { decoded[$0 % decoded.count] }
        } else {
            var random = SceneRandom(seed: seed)
            inputs = (0..<count).map { _ in
                SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)], random: &random)
            }
        }
        let threadCounts = threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        if !inputs.isEmpty {
            print("image stage, \(inputs.count) images of 128×128 (\(images == nil ? "synthetic" : images!)), \(ProcessInfo.processInfo.activeProcessorCount) cores visible")
            for t in threadCounts {
                let start = Date()
                let accepted = ImageBench.run(stage: stage, images: inputs, threads: t)
                let s = Date().timeIntervalSince(start)
                print(String(format: "  threads %d: %.0f images/s (%.2f ms per image per thread), %d accepted", t, Double(inputs.count) / s, 1000 * s * Double(t) / Double(inputs.count), accepted))
            }
        }
        if blendStudy > 0 {
            let start = Date()
            let r = BlendStudy().run(stage: stage, count: blendStudy, seed: seed, threads: threadCounts.max() ?? 2)
            print("blend study (seed \(seed), \(2 * blendStudy) scenes, \(String(format: "%.1f", Date().timeIntervalSince(start))) s):")
            print(r)
        }
    }
}

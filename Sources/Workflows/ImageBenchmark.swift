import Foundation
import Imaging
import Randomness
import SurveyIO

/// Throughput of the image stage for `galam bench images`: cutouts held in memory (decoding
/// excluded), processed by a pool of worker threads pulling the next index.
public enum ImageBenchmark {
    /// One timed pass over the images on `threads` threads.
    public struct Timing: Sendable {
        public var threads: Int
        public var images: Int
        public var seconds: Double
        public var accepted: Int
        public var imagesPerSecond: Double { Double(images) / seconds }
        /// Wall time per image times the threads: the cost of one image on one thread.
        public var millisecondsPerImagePerThread: Double { 1000 * seconds * Double(threads) / Double(images) }
    }

    /// `count` 128×128 synthetic scenes of one central galaxy each, drawn from `seed` in
    /// order (the scenes the README's images/s figures were measured on).
    public static func syntheticScenes(count: Int, seed: UInt64) -> [RGBImage] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)], random: &random)
        }
    }

    /// The `.jpg` files of `directory` in name order, decoded once and repeated to `count`.
    public static func decodedCutouts(directory: String, count: Int) throws -> [RGBImage] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jpg") }.sorted()
        guard !files.isEmpty else { throw SurveyIOError(path: directory, reason: "no .jpg files") }
        let decoded = try files.map { try JPEG.read(directory + "/" + $0) }
        return (0..<count).map { decoded[$0 % decoded.count] }
    }

    /// Processes every image once on `threads` threads and times the pass.
    public static func time(stage: ImageStage, images: [RGBImage], threads: Int) -> Timing {
        let start = Date()
        let accepted = run(stage: stage, images: images, threads: threads)
        return Timing(threads: threads, images: images.count, seconds: Date().timeIntervalSince(start), accepted: accepted)
    }

    /// Processes in-memory images on `threads` threads; returns how many were accepted.
    public static func run(stage: ImageStage, images: [RGBImage], threads: Int) -> Int {
        let next = SharedCounter()
        let accepted = SharedCounter()
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            while true {
                let i = next.increment()
                if i >= images.count { break }
                if stage.process(images[i]).accepted { _ = accepted.increment() }
            }
        }
        return accepted.current
    }
}

import Foundation
import Imaging
import Randomness
import SurveyIO

/// Measures blend rejection on synthetic cutouts (`galam bench images --blend-study N`): the
/// share of planted overlaps rejected as "blended" and the share of isolated galaxies rejected
/// (for any reason). A study of the stage, not part of it, hence here rather than in Imaging.
public struct BlendStudy: Sendable {
    /// Overlapping neighbours are planted at separations of `overlapSeparationRe` × the host's
    /// effective radius; isolated scenes have no neighbour or (half of them) one at least
    /// `distantSeparationPixels` away.
    public var overlapSeparationRe: ClosedRange<Double> = 0.8...2.0
    public var distantSeparationPixels: ClosedRange<Double> = 48...60
    public var size = 128

    public init() {}

    public struct Result: Sendable, CustomStringConvertible {
        public var overlaps = 0
        public var overlapsBlended = 0
        public var isolated = 0
        public var isolatedRejected = 0
        public var isolatedReasons: [String: Int] = [:]
        /// Per separation bin (lower edge in Re): (scenes, rejected as blended).
        public var bySeparation: [Double: (Int, Int)] = [:]

        public var overlapBlendedShare: Double { Double(overlapsBlended) / Double(max(1, overlaps)) }
        public var isolatedRejectedShare: Double { Double(isolatedRejected) / Double(max(1, isolated)) }

        public var description: String {
            var s = String(format: "planted overlaps rejected as blended: %d of %d (%.1f %%)\n", overlapsBlended, overlaps, 100 * overlapBlendedShare)
            s += String(format: "isolated galaxies rejected: %d of %d (%.1f %%)", isolatedRejected, isolated, 100 * isolatedRejectedShare)
            if !isolatedReasons.isEmpty {
                s += " [" + isolatedReasons.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]"
            }
            for (lo, v) in bySeparation.sorted(by: { $0.key < $1.key }) {
                s += String(format: "\n  separation %.1f–%.1f Re: %d of %d blended (%.0f %%)", lo, lo + 0.5, v.1, v.0, 100 * Double(v.1) / Double(max(1, v.0)))
            }
            return s
        }
    }

    /// Builds `count` overlap scenes and `count` isolated scenes from `seed` and runs the stage.
    public func run(stage: ImageStage, count: Int, seed: UInt64, threads: Int) -> Result {
        struct Scene { var image: RGBImage; var overlap: Bool; var separationRe: Double }
        var random = SplitMix64(seed: seed)
        var scenes: [Scene] = []
        for k in 0..<(2 * count) {
            let host = SyntheticScenes.centralGalaxy(size: size, random: &random)
            var galaxies = [host]
            let overlap = k % 2 == 0
            var sepRe = 0.0
            if overlap {
                sepRe = random.uniform(overlapSeparationRe.lowerBound, overlapSeparationRe.upperBound)
                galaxies.append(SyntheticScenes.neighbour(of: host, separation: sepRe * host.effectiveRadiusPixels, random: &random))
            } else if k % 4 == 1 {
                let d = random.uniform(distantSeparationPixels.lowerBound, distantSeparationPixels.upperBound) * Double(size) / 128
                galaxies.append(SyntheticScenes.neighbour(of: host, separation: d, random: &random))
            }
            scenes.append(Scene(image: SyntheticScenes.render(size: size, galaxies: galaxies, random: &random),
                                overlap: overlap, separationRe: sepRe))
        }
        let outcomes = UnsafeMutableBufferPointer<ImageOutcome?>.allocate(capacity: scenes.count)
        outcomes.initialize(repeating: nil)
        defer { outcomes.deinitialize(); outcomes.deallocate() }
        let next = SharedCounter()
        let images = scenes.map(\.image)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            while true {
                let i = next.increment()
                if i >= images.count { break }
                outcomes[i] = stage.process(images[i])
            }
        }
        var r = Result()
        for (s, o) in zip(scenes, outcomes) {
            let reason = o!.rejectReason
            if s.overlap {
                r.overlaps += 1
                let blended = reason == ImagingRejection.blended.reason
                if blended { r.overlapsBlended += 1 }
                let bin = (s.separationRe * 2).rounded(.down) / 2
                let old = r.bySeparation[bin] ?? (0, 0)
                r.bySeparation[bin] = (old.0 + 1, old.1 + (blended ? 1 : 0))
            } else {
                r.isolated += 1
                if let reason { r.isolatedRejected += 1; r.isolatedReasons[reason, default: 0] += 1 }
            }
        }
        return r
    }
}

import Foundation
import Imaging
import Randomness
import SurveyIO
import Workflows
import XCTest

/// Blend rejection on synthetic scenes with planted neighbours (small sample; the figures in
/// docs/prepare-images.md come from `galam bench images --blend-study`).
final class BlendStudyTests: XCTestCase {
    func testPlantedOverlapsAreRejectedAndIsolatedGalaxiesKept() {
        let r = BlendStudy().run(stage: .paper, count: 40, seed: 7, threads: 2)
        print(r)
        XCTAssertEqual(r.overlaps, 40)
        // The issue's target is ≥ 85 %; these scenes reach about 70–75 % (neighbours within
        // 1 Re often merge into one peak after smoothing). Guard against regressions below that.
        XCTAssertGreaterThanOrEqual(r.overlapBlendedShare, 0.6)
        XCTAssertLessThanOrEqual(r.isolatedRejectedShare, 0.10)
    }

    func testSceneIsAcceptedAndCentred() throws {
        var random = SplitMix64(seed: 1)
        let host = SyntheticScenes.centralGalaxy(size: 128, random: &random)
        let image = SyntheticScenes.render(size: 128, galaxies: [host], random: &random)
        let o = ImageStage.paper.process(image)
        XCTAssertTrue(o.accepted, o.rejectReason ?? "")
        let e = try XCTUnwrap(o.ellipse)
        XCTAssertEqual(e.centerX, host.x, accuracy: 1.5)
        XCTAssertEqual(e.centerY, host.y, accuracy: 1.5)
    }

    /// Raw cutouts are not mistaken for masked ones; the stage's own output (through a JPEG, as
    /// the authors saved it) is, and processing it again returns it unchanged. Forced to
    /// re-mask, the authors' procedure is not idempotent: it magnifies the galaxy again.
    func testProcessingOwnOutputAgainIsANoOp() throws {
        var random = SplitMix64(seed: 3)
        var checked = 0, remaskDiffs: [Double] = []
        var remask = ImageStage.paper
        remask.premaskedInput = .remask
        for _ in 0..<12 {
            let raw = SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)], random: &random)
            XCTAssertFalse(ImageStage.looksPremasked(raw))
            guard let final = ImageStage.paper.process(raw).final else { continue }
            let saved = try JPEG.decode(try JPEG.encode(final, quality: 95))
            XCTAssertTrue(ImageStage.looksPremasked(saved))
            let again = ImageStage.paper.process(saved)
            XCTAssertTrue(again.premasked)
            XCTAssertTrue(again.output == saved.pixels, "re-processed output differs (\(again.rejectReason ?? "accepted"))")
            if let o = remask.process(saved).output { remaskDiffs.append(meanAbsoluteDifference(o, saved.pixels)) }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
        let mean = remaskDiffs.reduce(0, +) / Double(max(1, remaskDiffs.count))
        print("re-masking the stage's own output: mean |Δ| \(String(format: "%.1f", mean)) over \(remaskDiffs.count) scenes")
        XCTAssertGreaterThan(mean, 5)
    }

    func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += abs(Double(a[i]) - Double(b[i])) }
        return sum / Double(a.count)
    }
}

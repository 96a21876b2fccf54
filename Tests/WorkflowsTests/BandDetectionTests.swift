import Foundation
import Imaging
import Randomness
import SurveyIO
import Workflows
import XCTest

/// `ImageStage.detectionImages = .greyAndBands`: blend detection also on each colour channel.
final class BandDetectionTests: XCTestCase {
    /// A red central galaxy and a blue neighbour of similar grey brightness.
    func scene(separation: Double, seed: UInt64) -> RGBImage {
        var random = SplitMix64(seed: seed)
        let host = SceneGalaxy(x: 64, y: 64, peak: 0.06, effectiveRadiusPixels: 9, sersicIndex: 1.5, axisRatio: 0.8,
                               angleRadians: 0.3, colour: (1, 0.55, 0.1))
        let blue = SceneGalaxy(x: 64 + separation, y: 64, peak: 0.05, effectiveRadiusPixels: 5, sersicIndex: 1, axisRatio: 0.9,
                               angleRadians: 0, colour: (0.1, 0.5, 1.2))
        return SyntheticScenes.render(size: 128, galaxies: [host, blue], noise: 0.002, random: &random)
    }

    /// Somewhere between touching and well separated, the blue nucleus is only a shoulder of the
    /// red galaxy in grey (one source) but a peak of its own in the blue channel: grey+bands
    /// rejects the scene as blended where grey alone accepts it; it never accepts what grey
    /// rejects. Isolated galaxies are still accepted.
    func testBandsSplitAColourBlendThatGreyMerges() {
        var bands = ImageStage.paper
        bands.detectionImages = .greyAndBands
        var splitOnlyByBands: [Double] = []
        for sep in stride(from: 4.0, through: 14.0, by: 1.0) {
            let image = scene(separation: sep, seed: 11)
            let grey = ImageStage.paper.process(image), both = bands.process(image)
            if grey.accepted && both.rejectReason == "blended" { splitOnlyByBands.append(sep) }
            // Band detection only adds rejections.
            if grey.rejectReason == "blended" { XCTAssertEqual(both.rejectReason, "blended", "separation \(sep)") }
        }
        print("separations (px) split only with grey+bands: \(splitOnlyByBands)")
        XCTAssertFalse(splitOnlyByBands.isEmpty, "no separation where the blue channel splits what grey merges")


        var random = SplitMix64(seed: 5)
        for _ in 0..<10 {
            let alone = SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)],
                                               random: &random)
            XCTAssertTrue(bands.process(alone).accepted, "an isolated galaxy was rejected with grey+bands")
        }
    }
}

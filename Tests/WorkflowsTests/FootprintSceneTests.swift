import Foundation
@testable import Imaging
import Randomness
import SurveyIO
import Workflows
import XCTest

/// Beyond the paper, on synthetic galaxy pairs: blends within the central galaxy's detection
/// footprint (`ImageStage.blendRegion = .footprint`) and the deblender's prominence floor
/// (`SourceDetector.minProminenceSigma`) keeping isolated galaxies whole.
final class FootprintSceneTests: XCTestCase {
    /// A bright central galaxy and a fainter, smaller neighbour `separation` pixels to its right.
    func pair(separation: Double, seed: UInt64) -> RGBImage {
        var random = SplitMix64(seed: seed)
        let host = SceneGalaxy(x: 64, y: 64, peak: 0.05, effectiveRadiusPixels: 6, sersicIndex: 1, axisRatio: 0.9,
                               angleRadians: 0, colour: (1, 0.8, 0.6))
        let other = SceneGalaxy(x: 64 + separation, y: 64, peak: 0.04, effectiveRadiusPixels: 4, sersicIndex: 1, axisRatio: 0.9,
                                angleRadians: 0, colour: (1, 0.8, 0.6))
        return SyntheticScenes.render(size: 128, galaxies: [host, other], random: &random)
    }

    /// Somewhere beyond the kept region (the fitted ellipse × 1.5) the neighbour is masked away
    /// and the authors' check accepts the galaxy, while its light still joins the galaxy's
    /// above the detection threshold: the footprint check rejects it as blended. Far enough
    /// out, the neighbour is a segment of its own and the footprint check accepts too.
    func testFootprintCatchesANeighbourTheMaskRemoves() throws {
        var footprint = ImageStage.paper
        footprint.blendRegion = .footprint
        var caughtOutsideMask: [Double] = []
        for sep in stride(from: 14.0, through: 30.0, by: 2.0) {
            let image = pair(separation: sep, seed: 3)
            let authors = ImageStage.paper.process(image), ours = footprint.process(image)
            let ellipse = try XCTUnwrap(authors.ellipse)
            let outside = !ellipse.contains(x: 64 + sep, y: 64, scale: 1.5)
            if outside && authors.accepted && ours.rejectReason == "blended" { caughtOutsideMask.append(sep) }
        }
        print("separations (px) outside the mask caught only by the footprint check: \(caughtOutsideMask)")
        XCTAssertFalse(caughtOutsideMask.isEmpty, "no separation where the footprint check catches a masked-away neighbour")

        let far = pair(separation: 50, seed: 3)
        let grey = Greyscale.convert(far)
        XCTAssertEqual(SourceDetector.paper.detectWithoutDeblending(grey).segmentation.count, 2,
                       "the far neighbour should be a segment of its own")
        XCTAssertTrue(footprint.process(far).accepted, "a neighbour in a separate segment is not a blend")
    }

    /// With a 3σ prominence floor, isolated noisy galaxies stay whole even with SExtractor's
    /// small minimum area and the footprint's faint outskirts, while a neighbour with a clear
    /// nucleus is still split off.
    func testProminenceFloorKeepsIsolatedGalaxiesAndCatchesClearBlends() {
        var stage = ImageStage.paper
        stage.blendRegion = .footprint
        stage.detectionImages = .greyAndBands
        stage.detector.minPixels = 5
        stage.detector.minProminenceSigma = 3
        var random = SplitMix64(seed: 21)
        for i in 0..<10 {
            let alone = SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)],
                                               random: &random)
            XCTAssertTrue(stage.process(alone).accepted, "isolated galaxy \(i) rejected: \(stage.process(alone).rejectReason ?? "")")
        }
        XCTAssertEqual(stage.process(pair(separation: 16, seed: 4)).rejectReason, "blended")
    }
}

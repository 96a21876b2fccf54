import Foundation
import Imaging
import SurveyIO
import XCTest

/// Blend rejection on synthetic scenes with planted neighbours (small sample; the figures in
/// docs/prepare-images.md come from `galam bench images --blend-study`).
final class BlendStudyTests: XCTestCase {
    func testPlantedOverlapsAreRejectedAndIsolatedGalaxiesKept() {
        let r = BlendStudy().run(stage: .paper, count: 40, seed: 7, threads: 2)
        print(r)
        XCTAssertEqual(r.overlaps, 40)
        // The target is ≥ 85 %; these scenes reach about 70–75 % (neighbours within
        // 1 Re often merge into one peak after smoothing). Guard against regressions below that.
        XCTAssertGreaterThanOrEqual(r.overlapBlendedShare, 0.6)
        XCTAssertLessThanOrEqual(r.isolatedRejectedShare, 0.10)
    }

    func testSceneIsAcceptedAndCentred() throws {
        var random = SceneRandom(seed: 1)
        let host = SyntheticScenes.centralGalaxy(size: 128, random: &random)
        let image = SyntheticScenes.render(size: 128, galaxies: [host], random: &random)
        let o = ImageStage.paper.process(image)
        XCTAssertTrue(o.accepted, o.rejectReason ?? "")
        let e = try XCTUnwrap(o.ellipse)
        XCTAssertEqual(e.centerX, host.x, accuracy: 1.5)
        XCTAssertEqual(e.centerY, host.y, accuracy: 1.5)
    }
}

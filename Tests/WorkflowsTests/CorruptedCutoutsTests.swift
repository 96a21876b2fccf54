import Foundation
import Randomness
import SurveyIO
import Workflows
import XCTest

/// The corruptions the OOD measurements use do what they say.
final class CorruptedCutoutsTests: XCTestCase {
    /// A 64 px image with one bright pixel at the centre on a grey sky.
    static let image: RGBImage = {
        var img = RGBImage(width: 64, height: 64, pixels: [UInt8](repeating: 20, count: 64 * 64 * 3))
        for c in 0..<3 { img.pixels[(32 * 64 + 32) * 3 + c] = 200 }
        return img
    }()

    func testOffCentreMovesTheGalaxyByTheStatedShift() {
        var rng = SplitMix64(seed: 1)
        let out = CutoutCorruption.offCentre.apply(Self.image, rng: &rng)
        // Output (x, y) shows input (x + 19, y + 12) mod 64: the centre pixel lands at (13, 20).
        XCTAssertEqual(out.pixels[(20 * 64 + 13) * 3], 200)
        XCTAssertEqual(out.pixels[(32 * 64 + 32) * 3], 20)
        XCTAssertEqual(out.pixels.sorted(), Self.image.pixels.sorted())
    }

    func testStarAddsASaturatedSourceAwayFromTheCentre() {
        var rng = SplitMix64(seed: 2)
        let out = CutoutCorruption.star.apply(Self.image, rng: &rng)
        let saturated = (0..<(64 * 64)).filter { out.pixels[$0 * 3] == 255 }
        XCTAssertFalse(saturated.isEmpty)
        for i in saturated {
            let d = hypot(Double(i % 64) - 32, Double(i / 64) - 32)
            XCTAssertTrue(d > 9 && d < 33, "saturated pixel \(d) px from the centre")
        }
    }

    func testNoiseHasTheStatedSpread() {
        var rng = SplitMix64(seed: 3)
        let out = CutoutCorruption.noise.apply(RGBImage(width: 64, height: 64, pixels: [UInt8](repeating: 128, count: 64 * 64 * 3)), rng: &rng)
        let d = out.pixels.map { Double($0) - 128 }
        let sd = sqrt(d.map { $0 * $0 }.reduce(0, +) / Double(d.count))
        XCTAssertEqual(sd, 40, accuracy: 1.5)
    }
}

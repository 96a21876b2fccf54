import Foundation
@testable import Imaging
import Randomness
import XCTest

/// Blend detection within the central ellipse: background and RMS from the unmasked image
/// (the default) against the authors' estimate on the masked image, whose boxes are mostly
/// exact zeros.
final class MaskedDetectionTests: XCTestCase {
    /// 8-bit image: sky 0.02 ± 0.008 and Gaussian blobs (x, amplitude 0.4, σ 3 px) on row 64;
    /// the mask is a disc of radius 30 around the centre.
    func scene(blobsAt xs: [Double]) -> (image: GreyImage, inside: [Bool]) {
        var rng = SplitMix64(seed: 4)
        var img = GreyImage(width: 128, height: 128)
        var inside = [Bool](repeating: false, count: 128 * 128)
        for y in 0..<128 {
            for x in 0..<128 {
                var v = 0.02 + 0.008 * rng.gaussian()
                for cx in xs { v += 0.4 * exp(-((Double(x) - cx) * (Double(x) - cx) + Double((y - 64) * (y - 64))) / 18) }
                img[x, y] = Float((min(1, max(0, v)) * 255).rounded() / 255)
                inside[y * 128 + x] = hypot(Double(x) - 64, Double(y) - 64) <= 30
            }
        }
        return (img, inside)
    }

    func testNoiseFromUnmaskedImageFindsThePairAndNotTheSkyNoise() throws {
        let detector = SourceDetector.paper
        let pair = scene(blobsAt: [59, 69])
        var masked = pair.image
        for i in 0..<masked.count where !pair.inside[i] { masked.pixels[i] = 0 }
        // The masked image's RMS is 0 where its boxes are mostly black (sigma clipping keeps only
        // the zeros) and underestimates the sky everywhere …
        let maskedRMS = detector.background.estimate(masked).rms
        XCTAssertEqual(maskedRMS[0, 0], 0, accuracy: 1e-6)
        XCTAssertLessThan(maskedRMS.pixels.max()!, 0.7 * 0.008)
        // … while the sky's is recovered from the unmasked image (0.008, 8-bit quantised).
        for v in detector.background.estimate(pair.image).rms.pixels { XCTAssertEqual(Double(v), 0.008, accuracy: 0.0015) }
        XCTAssertEqual(try detector.detect(pair.image, inside: pair.inside).sourceCount, 2)
        XCTAssertEqual(try detector.detect(scene(blobsAt: [64]).image, inside: pair.inside).sourceCount, 1)
        // With a threshold of 0 the authors' way also slices the sky inside the mask into sources.
        XCTAssertGreaterThan(try detector.detect(masked).sourceCount, 2)
        // Nothing outside the mask is detected (smoothing reaches at most 2 px beyond it).
        let found = try detector.detect(pair.image, inside: pair.inside)
        for y in 0..<128 {
            for x in 0..<128 where found.sources.labels[y * 128 + x] > 0 {
                XCTAssertLessThanOrEqual(hypot(Double(x) - 64, Double(y) - 64), 32.9)
            }
        }
    }
}

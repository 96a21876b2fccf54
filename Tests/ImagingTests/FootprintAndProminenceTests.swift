import Foundation
@testable import Imaging
import Randomness
import SurveyIO
import XCTest

/// Beyond the paper: the deblender's prominence test (`SourceDetector.minProminenceSigma`) and
/// the smoothed sky noise it is measured in. (The footprint blend region and the prominence
/// floor on synthetic galaxy pairs are tested with the scenes, in WorkflowsTests.)
final class FootprintAndProminenceTests: XCTestCase {
    /// Two Gaussian blobs on a row: the fainter one's prominence (its peak minus the pass
    /// between them, read off the pixels by a naive loop) decides whether it splits off.
    func testProminenceFloorAgainstTheHandMeasuredSaddle() throws {
        let W = 56, H = 40
        var pixels = [Float](repeating: 0, count: W * H)
        func blob(_ x: Int, _ y: Int, _ x0: Double, _ a: Double) -> Double {
            a * exp(-(pow(Double(x) - x0, 2) + pow(Double(y) - 20, 2)) / (2 * 16))
        }
        for y in 0..<H { for x in 0..<W { pixels[y * W + x] = Float(blob(x, y, 20, 1) + blob(x, y, 34, 0.5)) } }
        let image = GreyImage(width: W, height: H, pixels: pixels)
        // Pass value: along the row joining the peaks (the best path for two round blobs).
        let row = (20...34).map { pixels[20 * W + $0] }
        let saddle = row.min()!
        let peak2 = (28...40).map { pixels[20 * W + $0] }.max()!
        let prominence = peak2 - saddle
        XCTAssertGreaterThan(prominence, 0.05, "the scene should have a clear saddle")

        let segment = LabelMap(width: W, height: H, labels: pixels.map { $0 > 0.01 ? 1 : 0 }, count: 1)
        var deblender = Deblender(nlevels: 400, contrast: 1e-6, mode: .linear, minPixels: 5)
        deblender.minProminence = 0.9 * prominence
        XCTAssertEqual(try deblender.deblend(image, segment).count, 2, "prominence \(prominence) above the floor")
        deblender.minProminence = 1.1 * prominence
        XCTAssertEqual(try deblender.deblend(image, segment).count, 1, "prominence \(prominence) below the floor")
        deblender.minProminence = 0
        XCTAssertEqual(try deblender.deblend(image, segment).count, 2)
    }

    /// White noise of σ smoothed by the detection kernel has σ √(Σ w²) (w: the 2D weights);
    /// the robust estimate on the smoothed sky finds it.
    func testSmoothedSkyNoiseMatchesTheKernelFormula() {
        var random = SplitMix64(seed: 9)
        let sigma = 0.01, N = 128
        let noise = GreyImage(width: N, height: N, pixels: (0..<(N * N)).map { _ in Float(sigma * random.gaussian()) })
        let kernel = GaussianKernel()
        let expected = sigma * kernel.weights2D().map { Double($0 * $0) }.reduce(0, +).squareRoot()
        let none = LabelMap(width: N, height: N, labels: [Int32](repeating: 0, count: N * N), count: 0)
        let measured = Double(SourceDetector.smoothedSkyNoise(kernel.convolve(noise), segmentation: none, inside: nil))
        XCTAssertEqual(measured, expected, accuracy: 0.05 * expected)
    }
}

final class SelectionMedianTests: XCTestCase {
    /// The quickselect median against sorting, for odd and even counts, ties and NaN-free noise.
    func testMedianBySelectionMatchesSorting() {
        var random = SplitMix64(seed: 4)
        for n in [1, 2, 3, 4, 10, 11, 257, 1000] {
            for _ in 0..<5 {
                var v = (0..<n).map { _ in Float((random.gaussian() * 4).rounded()) }   // many ties
                let sorted = v.sorted()
                let expected = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
                XCTAssertEqual(SourceDetector.median(&v), expected, "n = \(n)")
            }
        }
    }
}

import Foundation
@testable import Imaging
import SurveyIO
import XCTest

/// Beyond the paper: blends within the central galaxy's detection footprint
/// (`ImageStage.blendRegion = .footprint`) and the deblender's prominence test
/// (`SourceDetector.minProminenceSigma`).
final class FootprintAndProminenceTests: XCTestCase {
    /// A bright central galaxy and a fainter, smaller neighbour `separation` pixels to its right.
    func pair(separation: Double, seed: UInt64) -> RGBImage {
        var random = SceneRandom(seed: seed)
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
        var random = SceneRandom(seed: 9)
        let sigma = 0.01, N = 128
        let noise = GreyImage(width: N, height: N, pixels: (0..<(N * N)).map { _ in Float(sigma * random.gaussian()) })
        let kernel = GaussianKernel()
        let expected = sigma * kernel.weights2D().map { Double($0 * $0) }.reduce(0, +).squareRoot()
        let none = LabelMap(width: N, height: N, labels: [Int32](repeating: 0, count: N * N), count: 0)
        let measured = Double(SourceDetector.smoothedSkyNoise(kernel.convolve(noise), segmentation: none, inside: nil))
        XCTAssertEqual(measured, expected, accuracy: 0.05 * expected)
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
        var random = SceneRandom(seed: 21)
        for i in 0..<10 {
            let alone = SyntheticScenes.render(size: 128, galaxies: [SyntheticScenes.centralGalaxy(size: 128, random: &random)],
                                               random: &random)
            XCTAssertTrue(stage.process(alone).accepted, "isolated galaxy \(i) rejected: \(stage.process(alone).rejectReason ?? "")")
        }
        XCTAssertEqual(stage.process(pair(separation: 16, seed: 4)).rejectReason, "blended")
    }
}

final class SelectionMedianTests: XCTestCase {
    /// The quickselect median against sorting, for odd and even counts, ties and NaN-free noise.
    func testMedianBySelectionMatchesSorting() {
        var random = SceneRandom(seed: 4)
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

import Foundation
@testable import Imaging
import Randomness
import XCTest

final class DetectionTests: XCTestCase {
    /// Sum of Gaussian blobs (x, y, amplitude, sigma) on a W × H grid.
    func blobs(_ list: [(Double, Double, Double, Double)], width W: Int = 64, height H: Int = 48) -> GreyImage {
        var img = GreyImage(width: W, height: H)
        for y in 0..<H {
            for x in 0..<W {
                var v = 0.0
                for (cx, cy, a, s) in list { v += a * exp(-((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)) / (2 * s * s)) }
                img[x, y] = Float(v)
            }
        }
        return img
    }

    func sourceMask(_ img: GreyImage, above t: Float) -> LabelMap {
        ConnectedComponents.label(img.pixels.map { $0 > t }, width: img.width, height: img.height, minPixels: 10)
    }

    func testDeblenderSplitsTwoBlobsWithASaddle() throws {
        let img = blobs([(22, 24, 1.0, 4), (42, 24, 0.8, 4)])     // saddle ≈ 0.04 of the peaks
        let detected = sourceMask(img, above: 0.01)
        XCTAssertEqual(detected.count, 1, "one connected source before deblending")
        let out = try Deblender(nlevels: 32, contrast: 0.001).deblend(img, detected)
        XCTAssertEqual(out.count, 2)
        // The watershed line lies near the saddle (x ≈ 32.9 for these amplitudes).
        XCTAssertNotEqual(out.labels[24 * 64 + 22], out.labels[24 * 64 + 42])
        XCTAssertEqual(out.labels[24 * 64 + 31], out.labels[24 * 64 + 22])
        XCTAssertEqual(out.labels[24 * 64 + 35], out.labels[24 * 64 + 42])
        XCTAssertEqual(out.areas().dropFirst().reduce(0, +), detected.areas()[1], "every source pixel assigned")
    }

    func testBumpBelowContrastStaysWhole() throws {
        // A faint companion holding about 3 % of the flux, on the main blob's wing.
        let img = blobs([(28, 24, 1.0, 5), (46, 24, 0.25, 1.8)])
        let detected = sourceMask(img, above: 0.01)
        XCTAssertEqual(detected.count, 1)
        XCTAssertEqual(try Deblender(nlevels: 32, contrast: 0.05).deblend(img, detected).count, 1)
        // The same bump passes a lower contrast, so the test above can fail.
        XCTAssertEqual(try Deblender(nlevels: 32, contrast: 0.001).deblend(img, detected).count, 2)
    }

    func testDeblendingFailureIsAnErrorNotACrash() {
        var img = blobs([(22, 24, 1.0, 4), (42, 24, 0.8, 4)])
        let detected = sourceMask(img, above: 0.01)
        img[30, 24] = .nan
        XCTAssertThrowsError(try Deblender.paper.deblend(img, detected)) { XCTAssertTrue("\($0)".hasPrefix("deblending failed")) }
    }

    func testConvolutionMatchesDirectSum() {
        let kernel = GaussianKernel(fwhmPixels: 3, size: 5)
        let k2 = kernel.weights2D()
        XCTAssertEqual(k2.reduce(0, +), 1, accuracy: 1e-6)
        // Centre weight of the sampled, normalised Gaussian (σ = 3 / 2.3548).
        let s = 3 / 2.354820045
        var total = 0.0
        for y in -2...2 { for x in -2...2 { total += exp(-Double(x * x + y * y) / (2 * s * s)) } }
        XCTAssertEqual(Double(k2[12]), 1 / total, accuracy: 1e-6)
        var rng = SplitMix64(seed: 2)
        let img = GreyImage(width: 13, height: 9, pixels: (0..<117).map { _ in Float(rng.uniform()) })
        let got = kernel.convolve(img)
        for y in 0..<9 {
            for x in 0..<13 {
                var v: Float = 0
                for j in -2...2 { for i in -2...2 where x + i >= 0 && x + i < 13 && y + j >= 0 && y + j < 9 {
                    v += k2[(j + 2) * 5 + i + 2] * img[x + i, y + j]
                } }
                XCTAssertEqual(got[x, y], v, accuracy: 1e-5)
            }
        }
    }

    func testBackgroundOfFlatNoisyImage() {
        var rng = SplitMix64(seed: 9)
        var img = GreyImage(width: 128, height: 128)
        for i in 0..<img.count { img.pixels[i] = Float(0.2 + 0.03 * rng.gaussian()) }
        // A bright source that sigma clipping must ignore.
        for y in 60...70 { for x in 60...70 { img[x, y] = 0.9 } }
        let maps = BackgroundEstimator.paper.estimate(img)
        XCTAssertEqual(maps.boxSize, 50)
        XCTAssertEqual(maps.gridWidth, 3)
        for v in maps.background.pixels { XCTAssertEqual(Double(v), 0.2, accuracy: 0.005) }
        for v in maps.rms.pixels { XCTAssertEqual(Double(v), 0.03, accuracy: 0.003) }
        // Sigma clipping against a naive loop.
        var values: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]
        var kept = values.map(Double.init)
        for _ in 0..<10 {
            let sorted = kept.sorted(), m = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            let mean = kept.reduce(0, +) / Double(kept.count)
            let sd = (kept.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(kept.count)).squareRoot()
            let next = kept.filter { abs($0 - m) <= 3 * sd }
            if next.count == kept.count { break }
            kept = next
        }
        let stats = BackgroundEstimator.paper.clippedStatistics(&values)
        XCTAssertEqual(kept.count, 10)
        XCTAssertEqual(stats.median, 5.5, accuracy: 1e-9)
        let mean = kept.reduce(0, +) / Double(kept.count)
        XCTAssertEqual(stats.std, (kept.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(kept.count)).squareRoot(), accuracy: 1e-9)
    }

    func testCropResizeAndBands() {
        var img = RGBImageBuilder.make(width: 10, height: 8)
        img[3, 2, 0] = 10; img[6, 5, 2] = 20
        let b = CropResize.nonBlackBounds(img)!
        XCTAssertEqual([b.x0, b.y0, b.x1, b.y1], [3, 2, 6, 5])
        let c = CropResize.crop(img, x0: 3, y0: 2, x1: 6, y1: 5)
        XCTAssertEqual(c[0, 0, 0], 10)
        XCTAssertEqual(c[3, 3, 2], 20)
        // 4 → 6 nearest: destination d takes ⌊d · 4/6⌋ = 0, 0, 1, 2, 2, 3.
        let r = CropResize.resizeNearest(c, width: 6, height: 6)
        XCTAssertEqual((0..<6).map { r[$0, 0, 0] }, [10, 10, 0, 0, 0, 0])
        XCTAssertEqual((0..<6).map { r[5, $0, 2] }, [0, 0, 0, 0, 0, 20])
        XCTAssertEqual(Bands.gri.channels, [0, 1, 2])
        XCTAssertEqual(Bands.gr.channels, [1, 2])
        XCTAssertEqual(Bands.i.channelBands, ["i"])
        XCTAssertEqual(Bands.gi.extract(c).count, 4 * 4 * 2)
        XCTAssertEqual(Bands.gi.extract(c)[0], 10)
        XCTAssertEqual(Bands.gi.extract(c)[(3 * 4 + 3) * 2 + 1], 20)
        XCTAssertEqual(Bands.gri.extract(c), c.pixels)
    }
}

import SurveyIO
enum RGBImageBuilder {
    static func make(width: Int, height: Int) -> RGBImage { RGBImage(width: width, height: height) }
}

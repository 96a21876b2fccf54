import Foundation
@testable import MockSurvey
import XCTest

/// The blend truth (`BlendTruth`) on hand-built images, and the PSF models it is measured through.
final class BlendTruthTests: XCTestCase {
    /// A 6×6 "galaxy" whose isophote at level 2 is worked out by hand: a plus-shaped core
    /// around (2, 2), a diagonal pixel joined by 8-connectivity, and an island at the far
    /// corner above the level but not connected to the centre.
    func testIsophoteAndRatioOnAHandBuiltCase() {
        let size = 6
        let central: [Double] = [
            0, 0, 1, 0, 0, 0,
            0, 1, 3, 1, 0, 0,
            1, 3, 9, 3, 0, 0,
            0, 1, 3, 1, 2.5, 0,
            0, 0, 1, 0, 0, 0,
            0, 0, 0, 0, 0, 4,
        ]
        let iso = BlendTruth.isophote(central: central, size: size, level: 2, centre: (2, 2))
        // By hand, (x, y): the plus (2,1), (1,2), (2,2), (3,2), (2,3); (4,3) at 2.5 touches (3,2)
        // diagonally, so it joins; (5,5) at 4 is an island.
        let expected: Set<Int> = [1 * 6 + 2, 2 * 6 + 1, 2 * 6 + 2, 2 * 6 + 3, 3 * 6 + 2, 3 * 6 + 4]
        XCTAssertEqual(Set(iso.indices.filter { iso[$0] }), expected)
        // A neighbour bright at the island only: not inside the isophote, ratio from the rest.
        var neighbour = [Double](repeating: 0, count: size * size)
        neighbour[5 * 6 + 5] = 100
        XCTAssertEqual(BlendTruth.maxRatio(neighbour: neighbour, central: central, isophote: iso), 0)
        // Light on the joined diagonal pixel (2.5) of 1.5 → ratio 0.6; on the core (9) of 4 → 0.444.
        neighbour[3 * 6 + 4] = 1.5
        neighbour[2 * 6 + 2] = 4
        XCTAssertEqual(BlendTruth.maxRatio(neighbour: neighbour, central: central, isophote: iso), 0.6, accuracy: 1e-12)
        XCTAssertTrue(BlendTruth.isBlended(maxRatio: 0.6))
        neighbour[3 * 6 + 4] = 1.2  // 0.48 < ½: the core's 0.444 is the largest below it
        XCTAssertEqual(BlendTruth.maxRatio(neighbour: neighbour, central: central, isophote: iso), 0.48, accuracy: 1e-12)
        XCTAssertFalse(BlendTruth.isBlended(maxRatio: 0.48))
        // A centre below the level: no isophote, never a blend.
        XCTAssertTrue(BlendTruth.isophote(central: central, size: size, level: 10, centre: (2, 2)).allSatisfy { !$0 })
    }

    /// A Moffat point source has the FWHM it was asked for (the radius where the profile
    /// falls to half its peak, found by bisection) and holds the analytic share of the light
    /// within the stamp; the convolution's kernel gives the same image as the direct profile.
    func testMoffatWidthAndFlux() {
        let size = 65, c = 32.0
        for (fwhm, beta) in [(3.5, 2.5), (5.0, 4.5)] {
            let psf = PSFModel.moffat(fwhmPixels: fwhm, beta: beta)
            let img = psf.pointSource(x: c, y: c, size: size)
            let half = psf.profile(dx: 0, dy: 0) / 2
            var lo = 0.0, hi = 3 * fwhm
            for _ in 0..<60 { let m = (lo + hi) / 2; if psf.profile(dx: m, dy: 0) > half { lo = m } else { hi = m } }
            XCTAssertEqual(2 * lo, fwhm, accuracy: 1e-6, "β \(beta)")
            // Light inside the 65×65 stamp against the analytic share inside its inscribed and
            // circumscribed circles: 1 − (1 + r²/α²)^{1−β}.
            let alpha = PSFModel.moffatAlpha(fwhm: fwhm, beta: beta)
            func inside(_ r: Double) -> Double { 1 - pow(1 + r * r / (alpha * alpha), 1 - beta) }
            let total = img.reduce(0, +)
            XCTAssertGreaterThanOrEqual(total, inside(32.5) - 1e-3)
            XCTAssertLessThanOrEqual(total, inside(32.5 * 2.0.squareRoot()) + 1e-3)
            // Convolving a unit pixel at the centre: the kernel of taps against the profile
            // integrated over each pixel (7×7 samples near the centre, the kernel 3×3).
            var delta = [Double](repeating: 0, count: size * size)
            delta[32 * size + 32] = 1
            let conv = psf.convolve(delta, size: size)
            for (dx, dy) in [(0, 0), (1, 0), (2, 1), (5, 3), (10, 0)] {
                let p = (32 + dy) * size + 32 + dx
                XCTAssertEqual(conv[p], img[p], accuracy: 0.03 * img[p] + 1e-9, "β \(beta) at (\(dx), \(dy))")
            }
        }
    }

    /// The Moffat profile integrates to one (a sum over a fine grid far into the wings) and is
    /// wider in the wings than a Gaussian of the same FWHM.
    func testMoffatNormalisationAndWings() {
        let psf = PSFModel.moffat(fwhmPixels: 3, beta: 2.5), gauss = PSFModel.gaussian(sigmaPixels: 3 / 2.354820045)
        var sum = 0.0
        let h = 0.25, n = 1600  // ±200 px
        for iy in -n..<n { for ix in -n..<n { sum += psf.profile(dx: (Double(ix) + 0.5) * h, dy: (Double(iy) + 0.5) * h) * h * h } }
        let alpha = PSFModel.moffatAlpha(fwhm: 3, beta: 2.5)
        // The light beyond the square is at most the light beyond its inscribed circle.
        XCTAssertEqual(sum, 1, accuracy: pow(1 + 200 * 200 / (alpha * alpha), -1.5) + 1e-4)
        XCTAssertEqual(psf.fwhmPixels, gauss.fwhmPixels, accuracy: 1e-9)
        XCTAssertGreaterThan(psf.profile(dx: 8, dy: 0), 100 * gauss.profile(dx: 8, dy: 0))
    }
}

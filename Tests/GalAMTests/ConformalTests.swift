import Foundation
@testable import GalAM
import Randomness
import XCTest

/// Split-conformal intervals: the quantile against a hand calculation, and finite-sample
/// coverage on synthetic data with known heteroscedastic noise over many seeds.
final class ConformalTests: XCTestCase {
    func testQuantileMatchesHandCalculation() {
        let s = [0.5, 0.1, 0.9, 0.3, 0.7]  // sorted: 0.1 0.3 0.5 0.7 0.9, n = 5
        XCTAssertEqual(Conformal.quantile(s, coverage: 0.5), 0.5)    // ⌈6 · 0.5⌉ = 3rd
        XCTAssertEqual(Conformal.quantile(s, coverage: 0.68), 0.9)   // ⌈6 · 0.68⌉ = ⌈4.08⌉ = 5th
        XCTAssertEqual(Conformal.quantile(s, coverage: 0.6), 0.7)    // ⌈3.6⌉ = 4th
        XCTAssertEqual(Conformal.quantile(s, coverage: 0.9), .infinity)  // ⌈5.4⌉ = 6 > n
        let t = (1...19).map(Double.init)                             // n = 19
        XCTAssertEqual(Conformal.quantile(t, coverage: 0.95), 19)    // ⌈20 · 0.95⌉ = 19 exactly
        XCTAssertEqual(Conformal.quantile(t, coverage: 0.68), 14)    // ⌈13.6⌉
    }

    func testDifficultyModelRecoversAKnownScale() {
        // |r| = σ(x)|ε| with σ = exp(0.5 + 0.8 x): the fitted log σ has slope ≈ 0.8 per unit x.
        var rng = SplitMix64(seed: 3)
        let x = (0..<4000).map { _ in [rng.uniform(-1, 1)] }
        let r = x.map { abs(exp(0.5 + 0.8 * $0[0]) * rng.gaussian()) }
        let d = DifficultyModel.fit(descriptors: x, absoluteResiduals: r, ridge: 0)
        let ratio = d.unclippedSigma([0.5]) / d.unclippedSigma([-0.5])
        XCTAssertEqual(log(ratio), 0.8, accuracy: 0.08)
    }

    /// y = f(x) + σ(x) ε with σ = 0.05 + 0.25 x, ŷ = f(x): over 300 seeds (100 galaxies fit
    /// σ, 100 conformalise, 200 test) the mean coverage lies in [1 − α, 1 − α + 1/(n + 1)]
    /// within four standard errors of the spread over seeds; the intervals are wider where σ is.
    func testFiniteSampleCoverageOverManySeeds() {
        for (level, noise) in [(0.68, "gaussian"), (0.95, "gaussian"), (0.68, "laplace"), (0.95, "laplace")] {
            var coverages: [Double] = []
            var wideLow = 0.0, wideHigh = 0.0
            for seed in 0..<300 {
                var rng = SplitMix64(seed: UInt64(seed) &* 7919 &+ 17)
                func draw(_ n: Int) -> (x: [[Double]], y: [Double]) {
                    var xs: [[Double]] = [], ys: [Double] = []
                    for _ in 0..<n {
                        let x = rng.uniform(), s = 0.05 + 0.25 * x
                        let e = noise == "gaussian" ? rng.gaussian() : (rng.uniform() < 0.5 ? -1 : 1) * -log(rng.uniformOpen())
                        xs.append([x]); ys.append(sin(3 * x) + s * e)
                    }
                    return (xs, ys)
                }
                let cal = draw(200), test = draw(200)
                let c = ConformalCalibration.fit(predictions: cal.x.map { sin(3 * $0[0]) }, labels: cal.y, descriptors: cal.x,
                                                 fit: Array(0..<100), calibration: Array(100..<200))
                var inside = 0
                for (x, y) in zip(test.x, test.y) {
                    let h = c.halfWidth(level: level, descriptors: x)
                    if abs(y - sin(3 * x[0])) <= h { inside += 1 }
                }
                coverages.append(Double(inside) / 200)
                wideLow += c.halfWidth(level: level, descriptors: [0.1])
                wideHigh += c.halfWidth(level: level, descriptors: [0.9])
            }
            let mean = coverages.reduce(0, +) / 300
            let sd = sqrt(coverages.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 299)
            let se = sd / sqrt(300)
            XCTAssertGreaterThan(mean, level - 4 * se, "\(noise) \(level): mean coverage \(mean), SE \(se)")
            XCTAssertLessThan(mean, level + 1.0 / 101 + 4 * se, "\(noise) \(level): mean coverage \(mean), SE \(se)")
            // The per-seed spread is about what the binomial (test draw) and Beta (calibration draw) spreads give.
            let expected = sqrt(level * (1 - level) / 200 + level * (1 - level) / 102)
            XCTAssertEqual(sd, expected, accuracy: 0.4 * expected, "\(noise) \(level)")
            // σ(0.9) / σ(0.1) = 0.275 / 0.075 ≈ 3.7: the intervals follow the noise.
            XCTAssertGreaterThan(wideHigh / wideLow, 2.5, "\(noise) \(level)")
        }
    }
}

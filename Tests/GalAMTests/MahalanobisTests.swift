import Foundation
@testable import GalAM
import Randomness
import XCTest

/// The OOD score against a direct computation in the test: sample covariance, the Ledoit–Wolf
/// intensity from its defining sums (each x_k x_kᵀ − S formed explicitly), the shrunk
/// covariance inverted by Gauss–Jordan elimination, and the quadratic form.
final class MahalanobisTests: XCTestCase {
    func testScoreMatchesDirectReference() throws {
        let n = 12, p = 5
        var rng = SplitMix64(seed: 11)
        // Correlated features: x = A z with a fixed mixing matrix.
        let a = (0..<(p * p)).map { _ in rng.uniform(-1, 1) }
        var rows: [Float] = []
        for _ in 0..<n {
            let z = (0..<p).map { _ in rng.gaussian() }
            for i in 0..<p { rows.append(Float((0..<p).reduce(0) { $0 + a[i * p + $1] * z[$1] } + 0.3)) }
        }
        let scorer = try MahalanobisScorer(fitting: rows, count: n, width: p)

        // Reference.
        let x = (0..<n).map { k in (0..<p).map { Double(rows[k * p + $0]) } }
        let m = (0..<p).map { j in x.reduce(0) { $0 + $1[j] } / Double(n) }
        let c = x.map { r in zip(r, m).map { $0 - $1 } }
        var s = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for r in c { for i in 0..<p { for j in 0..<p { s[i][j] += r[i] * r[j] / Double(n) } } }
        let mu = (0..<p).reduce(0) { $0 + s[$1][$1] } / Double(p)
        var d2 = 0.0, b2 = 0.0
        for i in 0..<p { for j in 0..<p { d2 += pow(s[i][j] - (i == j ? mu : 0), 2) } }
        d2 /= Double(p)
        for r in c { for i in 0..<p { for j in 0..<p { b2 += pow(r[i] * r[j] - s[i][j], 2) } } }
        b2 /= Double(n * n * p)
        let rho = min(b2, d2) / d2
        XCTAssertEqual(scorer.shrinkage, rho, accuracy: 1e-9)
        var sigma = s
        for i in 0..<p { for j in 0..<p { sigma[i][j] = (1 - rho) * s[i][j] + (i == j ? rho * mu : 0) } }
        // Gauss–Jordan inverse.
        var aug = (0..<p).map { i in sigma[i] + (0..<p).map { $0 == i ? 1.0 : 0 } }
        for col in 0..<p {
            let piv = (col..<p).max { abs(aug[$0][col]) < abs(aug[$1][col]) }!
            aug.swapAt(col, piv)
            let d = aug[col][col]
            aug[col] = aug[col].map { $0 / d }
            for r in 0..<p where r != col {
                let f = aug[r][col]
                aug[r] = zip(aug[r], aug[col]).map { $0 - f * $1 }
            }
        }
        let inv = aug.map { Array($0[p...]) }
        for probe in [x[0], x[5], [3.0, -2, 0.5, 1, 4]] {
            let d = zip(probe, m).map { $0 - $1 }
            var q = 0.0
            for i in 0..<p { for j in 0..<p { q += d[i] * inv[i][j] * d[j] } }
            XCTAssertEqual(scorer.score(probe.map(Float.init)), sqrt(q), accuracy: 1e-4 * sqrt(q))
        }
        // Far from the training cloud scores higher than a training galaxy.
        XCTAssertGreaterThan(scorer.score([Float](repeating: 10, count: p)), scorer.score(rows[0..<p]))
    }

    func testConstantFeaturesAreRefusedWithAReason() {
        XCTAssertThrowsError(try MahalanobisScorer(fitting: [Float](repeating: 0.5, count: 30), count: 10, width: 3)) { e in
            XCTAssertTrue("\(e)".contains("not positive definite"), "\(e)")
        }
        XCTAssertThrowsError(try MahalanobisScorer(fitting: [1, 2, 3], count: 1, width: 3))
    }
}

import COpenBLAS
import SurveyIO
import Foundation

/// How far a galaxy's inputs lie from the training set: the Mahalanobis distance of its M3
/// image features (the 1024-d, per-sample min–max normalised vector M4 takes as I) from the
/// training galaxies' mean, under a Ledoit–Wolf shrinkage covariance. With 1,024 dimensions
/// and a few thousand training galaxies the sample covariance is near-singular; shrinking it
/// towards a scaled identity by the Ledoit & Wolf (2004) intensity keeps it invertible and
/// well-conditioned without a tuning parameter.
public struct MahalanobisScorer: Sendable {
    public let width: Int
    /// The training mean.
    public let mean: [Double]
    /// Lower Cholesky factor L of the shrunk covariance Σ = L Lᵀ, row-major width × width.
    public let cholesky: [Double]
    /// The Ledoit–Wolf intensity ρ in Σ = ρ μ I + (1 − ρ) S.
    public let shrinkage: Double

    public init(width: Int, mean: [Double], cholesky: [Double], shrinkage: Double) {
        self.width = width
        self.mean = mean
        self.cholesky = cholesky
        self.shrinkage = shrinkage
    }

    /// Fits on `count` rows of `width` values each (back to back).
    public init(fitting rows: [Float], count n: Int, width p: Int) throws {
        guard n >= 2, rows.count == n * p else { throw InvalidSetting("OOD reference", "needs at least 2 training galaxies, got \(n)") }
        var m = [Double](repeating: 0, count: p)
        for k in 0..<n { for j in 0..<p { m[j] += Double(rows[k * p + j]) } }
        for j in 0..<p { m[j] /= Double(n) }
        var x = [Double](repeating: 0, count: n * p)
        var fourth = 0.0  // Σ_k ‖x_k‖⁴, for the Ledoit–Wolf β
        for k in 0..<n {
            var sq = 0.0
            for j in 0..<p {
                let v = Double(rows[k * p + j]) - m[j]
                x[k * p + j] = v
                sq += v * v
            }
            fourth += sq * sq
        }
        // S = XᵀX / n (lower triangle), by BLAS: 3,260 × 1,024² is 3 GFLOP.
        var s = [Double](repeating: 0, count: p * p)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(n), 1 / Double(n), x, Int32(p), 0, &s, Int32(p))
        for i in 0..<p { for j in (i + 1)..<p { s[i * p + j] = s[j * p + i] } }
        let mu = (0..<p).reduce(0) { $0 + s[$1 * p + $1] } / Double(p)
        var frob = 0.0, dist = 0.0
        for i in 0..<p {
            for j in 0..<p {
                let v = s[i * p + j]
                frob += v * v
                let d = v - (i == j ? mu : 0)
                dist += d * d
            }
        }
        // Ledoit & Wolf (2004), with their ‖·‖²/p norm: δ² = ‖S − μI‖²/p,
        // β̄² = Σ_k ‖x_k x_kᵀ − S‖² / (n² p) = (Σ_k ‖x_k‖⁴ − n ‖S‖²) / (n² p).
        let delta2 = dist / Double(p)
        let beta2 = min(max((fourth - Double(n) * frob) / (Double(n) * Double(n) * Double(p)), 0), delta2)
        let rho = delta2 > 0 ? beta2 / delta2 : 1
        for i in 0..<p {
            for j in 0..<p { s[i * p + j] *= (1 - rho) }
            s[i * p + i] += rho * mu
        }
        guard LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(p), &s, Int32(p)) == 0 else {
            throw InvalidSetting("OOD reference", "the shrunk covariance of the training features is not positive definite (constant features?)")
        }
        for i in 0..<p { for j in (i + 1)..<p { s[i * p + j] = 0 } }
        self.init(width: p, mean: m, cholesky: s, shrinkage: rho)
    }

    /// √((x − m)ᵀ Σ⁻¹ (x − m)) = ‖L⁻¹ (x − m)‖, by forward substitution.
    public func score<C: Collection>(_ x: C) -> Double where C.Element == Float {
        let p = width
        var z = [Double](repeating: 0, count: p)
        var sum = 0.0
        cholesky.withUnsafeBufferPointer { l in
            for (i, v) in x.enumerated() where i < p {
                var t = Double(v) - mean[i]
                let row = i * p
                for j in 0..<i { t -= l[row + j] * z[j] }
                z[i] = t / l[row + i]
                sum += z[i] * z[i]
            }
        }
        return sqrt(sum)
    }

    /// Scores of `count` rows of `width` values (back to back).
    public func scores(_ rows: [Float], count: Int) -> [Double] {
        (0..<count).map { score(rows[($0 * width)..<(($0 + 1) * width)]) }
    }
}

/// The threshold of the OOD flag and the training label range.
public struct OutOfDistributionRule: Codable, Equatable, Sendable {
    /// Human-readable description (FITS header, manifests).
    public var method: String
    /// Galaxies whose score exceeds this are flagged: the conformal 99 % quantile of the
    /// calibration set's scores, so about 1 % of in-distribution galaxies are flagged (nil:
    /// fewer than 99 calibration galaxies, nothing is flagged).
    public var threshold: Double?
    public var thresholdLevel: Double
    /// The Ledoit–Wolf intensity and the number of training galaxies behind the reference.
    public var shrinkage: Double
    public var trainingCount: Int
    /// [min, max] of the training split's labels, per parameter (log age, [M/H]).
    public var labelRange: [[Double]]

    public func flag(score: Double) -> Bool { score > (threshold ?? .infinity) }

    /// True when either predicted value lies outside the training labels' range.
    public func outsideLabelRange(_ prediction: [Double]) -> Bool {
        zip(prediction, labelRange).contains { v, r in v < r[0] || v > r[1] }
    }
}

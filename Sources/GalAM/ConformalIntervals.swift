import Foundation

/// Split-conformal prediction with a normalised score (Papadopoulos et al. 2002; Lei et al.
/// 2018, Sect. 5.2): a difficulty model σ(x) is fitted on one part of a held-out set, the
/// scores |y − ŷ| / σ(x) of a second, disjoint part give the quantile q, and the interval
/// ŷ ± q σ(x) then covers a new exchangeable galaxy with probability ≥ the nominal level.
public enum Conformal {
    /// The nominal levels stored for the reliability figure; 0.68 and 0.95 are the ones written
    /// as columns.
    public static let levels: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.68, 0.7, 0.8, 0.9, 0.95, 0.99]

    /// The split-conformal quantile of `scores` at `coverage`: the ⌈(n + 1)·coverage⌉-th
    /// smallest score, +∞ when that rank exceeds n (too few calibration galaxies to promise the
    /// level). This finite-sample correction is what makes the coverage guarantee hold.
    public static func quantile(_ scores: [Double], coverage: Double) -> Double {
        let n = scores.count
        // A tiny tolerance so (n+1)·0.95 = 19.0000000001 for n = 19 still ranks 19.
        let rank = Int(ceil(Double(n + 1) * coverage - 1e-9))
        guard rank >= 1 else { return 0 }
        guard rank <= n else { return .infinity }
        return scores.sorted()[rank - 1]
    }
}

/// σ(x) = exp(w · standardised(x)): a ridge regression of log(|residual| + c) on the galaxy's
/// difficulty descriptors. Fitted on a held-out set only; the conformal step turns its
/// relative widths into calibrated ones, so its absolute scale does not matter.
public struct DifficultyModel: Codable, Equatable, Sendable {
    /// Mean and SD of each descriptor over the fitting set (descriptors are standardised).
    public var mean: [Double]
    public var scale: [Double]
    /// Intercept first, then one weight per descriptor.
    public var weights: [Double]
    /// σ is clipped to [lowest, highest] (the 1st and 99th percentile over the fitting set), so
    /// one extreme descriptor cannot produce a zero or an absurd width.
    public var lowest: Double
    public var highest: Double

    /// Fits on `descriptors` (one row per galaxy) and the absolute residuals of those galaxies.
    /// `ridge` is the L2 penalty on the standardised weights (not the intercept).
    public static func fit(descriptors x: [[Double]], absoluteResiduals r: [Double], ridge: Double = 1) -> DifficultyModel {
        let k = x.first?.count ?? 0, n = x.count
        let mean = (0..<k).map { j in x.reduce(0) { $0 + $1[j] } / Double(max(n, 1)) }
        let scale = (0..<k).map { j -> Double in
            let v = x.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / Double(max(n, 1))
            return v > 1e-24 ? sqrt(v) : 1
        }
        // c keeps a residual of exactly 0 (luck, not ease) from giving log 0; small enough
        // (1 % of the median) that E[log(|r| + c)] still follows log σ closely.
        let c = 0.01 * max(median(r), 1e-6)
        let y = r.map { log($0 + c) }
        let z = x.map { row in [1] + (0..<k).map { (row[$0] - mean[$0]) / scale[$0] } }
        // Normal equations (ZᵀZ + λ diag(0, 1, …, 1)) w = Zᵀy, solved by Gaussian elimination.
        var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k + 1)
        var b = [Double](repeating: 0, count: k + 1)
        for (row, t) in zip(z, y) {
            for i in 0...k {
                b[i] += row[i] * t
                for j in 0...k { a[i][j] += row[i] * row[j] }
            }
        }
        for i in 1..<(k + 1) { a[i][i] += ridge }
        let w = solveLinear(a, b) ?? ([y.reduce(0, +) / Double(max(n, 1))] + [Double](repeating: 0, count: k))
        var model = DifficultyModel(mean: mean, scale: scale, weights: w, lowest: 0, highest: .infinity)
        let s = x.map { model.unclippedSigma($0) }.sorted()
        model.lowest = s.isEmpty ? 0 : s[Int(0.01 * Double(s.count - 1))]
        model.highest = s.isEmpty ? .infinity : s[Int((0.99 * Double(s.count - 1)).rounded(.up))]
        return model
    }

    func unclippedSigma(_ x: [Double]) -> Double {
        var t = weights[0]
        for j in 0..<mean.count { t += weights[j + 1] * (x[j] - mean[j]) / scale[j] }
        return exp(t)
    }

    /// The difficulty of a galaxy with descriptors `x` (same order as at fitting).
    public func sigma(_ x: [Double]) -> Double { min(max(unclippedSigma(x), lowest), highest) }
}

/// Calibrated intervals of one parameter of one model, for one choice of descriptors.
public struct ConformalCalibration: Codable, Equatable, Sendable {
    public var difficulty: DifficultyModel
    /// The conformal quantile of |y − ŷ| / σ at each of `Conformal.levels`; nil where the
    /// calibration half is too small to promise the level (the interval is then unbounded).
    public var quantiles: [Double?]
    /// Galaxies that fitted σ and galaxies whose scores gave the quantiles.
    public var fitCount: Int
    public var calibrationCount: Int

    /// Fits σ on the `fit` rows and conformalises on the disjoint `calibration` rows.
    public static func fit(predictions: [Double], labels: [Double], descriptors: [[Double]],
                           fit: [Int], calibration: [Int]) -> ConformalCalibration {
        let d = DifficultyModel.fit(descriptors: fit.map { descriptors[$0] },
                                    absoluteResiduals: fit.map { abs(labels[$0] - predictions[$0]) })
        let scores = calibration.map { abs(labels[$0] - predictions[$0]) / d.sigma(descriptors[$0]) }
        return ConformalCalibration(difficulty: d, quantiles: Conformal.levels.map { q in Conformal.quantile(scores, coverage: q).nonInfinite },
                                    fitCount: fit.count, calibrationCount: calibration.count)
    }

    /// The half-width of the central interval at `level` (one of `Conformal.levels`).
    public func halfWidth(level: Double, descriptors x: [Double]) -> Double {
        guard let k = Conformal.levels.firstIndex(where: { abs($0 - level) < 1e-9 }) else { return .nan }
        return (quantiles[k] ?? .infinity) * difficulty.sigma(x)
    }

    /// The quantile at `level`, +∞ when not promised.
    public func quantile(level: Double) -> Double {
        guard let k = Conformal.levels.firstIndex(where: { abs($0 - level) < 1e-9 }) else { return .nan }
        return quantiles[k] ?? .infinity
    }
}

extension Double {
    /// nil for ±∞ (JSON has no infinity).
    var nonInfinite: Double? { isInfinite ? nil : self }
}

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return 0 }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// Solves a small dense system by Gaussian elimination with partial pivoting (nil if singular).
func solveLinear(_ a0: [[Double]], _ b0: [Double]) -> [Double]? {
    var a = a0, b = b0
    let n = b.count
    for c in 0..<n {
        guard let p = (c..<n).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[p][c]) > 1e-300 else { return nil }
        a.swapAt(c, p); b.swapAt(c, p)
        for r in (c + 1)..<n {
            let f = a[r][c] / a[c][c]
            for j in c..<n { a[r][j] -= f * a[c][j] }
            b[r] -= f * b[c]
        }
    }
    var x = [Double](repeating: 0, count: n)
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = b[r]
        for j in (r + 1)..<n { s -= a[r][j] * x[j] }
        x[r] = s / a[r][r]
    }
    return x
}

import Foundation

/// The paper's metrics (Eqs. 8–11) for one predicted parameter, with Δ = predicted − true:
/// MSE = ⟨Δ²⟩, MAE = ⟨|Δ|⟩, bias = ⟨Δ⟩, SD = population standard deviation of Δ (ddof 0).
public struct RegressionMetrics: Codable, Equatable, Sendable {
    public var count: Int
    public var mse: Double
    public var mae: Double
    public var bias: Double
    public var sd: Double

    public init(predicted: [Double], truth: [Double]) {
        precondition(predicted.count == truth.count, "predicted and true values must pair up")
        let d = zip(predicted, truth).map { $0 - $1 }
        let n = Double(max(d.count, 1))
        count = d.count
        bias = d.reduce(0, +) / n
        mse = d.reduce(0) { $0 + $1 * $1 } / n
        mae = d.reduce(0) { $0 + abs($1) } / n
        let b = bias
        sd = (d.reduce(0) { $0 + ($1 - b) * ($1 - b) } / n).squareRoot()
    }
}

/// Signal-to-noise bins of the paper's Fig. 15: [5,10), [10,15), …, [30, ∞).
public struct SNRBin: Codable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double?

    public static let paper: [SNRBin] = [5, 10, 15, 20, 25, 30].map { SNRBin(lower: $0, upper: $0 == 30 ? nil : $0 + 5) }

    public func contains(_ snr: Double) -> Bool { snr >= lower && (upper.map { snr < $0 } ?? true) }
    public var label: String { upper.map { "[\(Int(lower)), \(Int($0)))" } ?? "[\(Int(lower)), ∞)" }
}

/// Coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² of one vector against another
/// (the paper's measure of how well M2's simulated features match M1's real ones).
public func coefficientOfDetermination(predicted: [Double], truth: [Double]) -> Double {
    let mean = truth.reduce(0, +) / Double(max(truth.count, 1))
    let ssRes = zip(predicted, truth).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }
    let ssTot = truth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1 : 0)
}

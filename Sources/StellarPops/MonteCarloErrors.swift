import Foundation
import Randomness

/// Reproducible standard normal deviates: the project's SplitMix64 feeding the Box–Muller
/// transform, both branches used (the sine kept as a spare for the next call). Seeded per
/// galaxy, so results do not depend on thread scheduling.
public struct GaussianRandom: Sendable {
    private var bits: SplitMix64
    private var spare: Double?

    public init(seed: UInt64) { bits = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    public mutating func nextUInt64() -> UInt64 { bits.next() }

    /// Uniform in (0, 1) from the top 53 bits, (k + ½)/2⁵³: never 0, so its logarithm is finite.
    public mutating func nextUniform() -> Double { bits.uniformOpen() }

    /// A standard normal deviate: a fresh Box–Muller pair's cosine branch, or the sine branch
    /// left over from the previous call.
    public mutating func nextGaussian() -> Double {
        if let s = spare { spare = nil; return s }
        let u = nextUniform(), v = nextUniform()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * Double.pi * v)
        return r * cos(2 * Double.pi * v)
    }
}

/// What the Monte Carlo adds noise to.
public enum MonteCarloMode: String, Sendable, Codable, CaseIterable {
    /// The best-fit model (a parametric bootstrap): each realisation is a spectrum the fitted
    /// galaxy could have produced, so the scatter is that of the estimator itself.
    case model
    /// The observed spectrum, which already carries one draw of the noise; each realisation
    /// then has twice the noise variance about the truth.
    case data
}

/// Scatter of the labels over refits of noisy copies of a spectrum.
public struct MonteCarloErrors: Sendable {
    public var realisations: Int
    /// Realisations whose fit failed (left out of the statistics).
    public var failures: Int
    /// Sample standard deviations (N − 1) of the light-weighted labels and the kinematics.
    public var logAgeStd: Double
    public var metallicityStd: Double
    public var velocityStdKms: Double
    public var sigmaStdKms: Double
    /// Mean χ²/dof of the refits: ≈ 1 for `.model`, ≈ 2 for `.data` (twice the noise variance).
    public var chi2PerDofMean: Double
}

extension GalaxyFitter {
    /// Refits `realisations` times a spectrum with Gaussian noise of the spectrum's own 1σ
    /// (from ivar) added to every good pixel: noise added to the best-fit model (`.model`,
    /// the default) or to the observed spectrum (`.data`). Each refit starts from `best` and
    /// keeps its mask (outliers clipped in the main fit stay clipped; no new clipping), as the
    /// scatter sought is the one caused by the noise alone (the paper's Fig. 16).
    ///
    /// Where the fit responds linearly to the noise, both modes give the same scatter of the
    /// parameters: the observed noise only shifts every realisation alike. They differ where
    /// it does not (low S/N, weights at the NNLS bounds); `.model` is the parametric
    /// bootstrap, whose realisations have the noise level the fit assumes (χ²/dof ≈ 1
    /// rather than ≈ 2).
    public func monteCarlo(best: FitResult, realisations: Int, seed: UInt64, mode: MonteCarloMode = .model) -> MonteCarloErrors {
        var rng = GaussianRandom(seed: seed)
        var ages: [Double] = [], mets: [Double] = [], vels: [Double] = [], sigs: [Double] = [], chi2s: [Double] = []
        var failures = 0
        let base = mode == .model ? best.model : spectrum.flux, noise = spectrum.noise
        let active = best.weights.indices.filter { best.weights[$0] > 0 }
            + best.gasFluxes.indices.filter { best.gasFluxes[$0] > 0 }.map { stellarCount + $0 }
        for _ in 0..<realisations {
            var f = base
            for i in 0..<n where best.good[i] { f[i] += noise[i] * rng.nextGaussian() }
            do {
                let r = try fit(flux: f, good: best.good, start: best.parameters, clip: false, templates: active)
                ages.append(r.logAgeYr); mets.append(r.metallicity)
                vels.append(r.velocityKms); sigs.append(r.sigmaKms); chi2s.append(r.chi2PerDof)
            } catch {
                failures += 1
            }
        }
        func std(_ v: [Double]) -> Double {
            guard v.count > 1 else { return .nan }
            let m = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        }
        return MonteCarloErrors(realisations: realisations, failures: failures, logAgeStd: std(ages),
                                metallicityStd: std(mets), velocityStdKms: std(vels), sigmaStdKms: std(sigs),
                                chi2PerDofMean: chi2s.isEmpty ? .nan : chi2s.reduce(0, +) / Double(chi2s.count))
    }
}

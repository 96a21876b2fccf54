import Foundation
import StellarPops

/// A star-formation and chemical-enrichment history, expressed as initial-mass weights on an
/// SSP grid (age × [M/H]). The galaxy's rest-frame spectrum is Σ wᵢ·SSPᵢ.
public struct StellarPopulation: Sendable, Equatable {
    /// Mass weights, age-major like `SSPGrid.fluxes` (sum 1).
    public var massWeights: [Double]

    public init(massWeights: [Double]) {
        let total = massWeights.reduce(0, +)
        self.massWeights = massWeights.map { $0 / total }
    }

    /// A single SSP (for tests and calibration).
    public static func single(age a: Int, metallicity m: Int, grid: SSPGrid) -> StellarPopulation {
        var w = [Double](repeating: 0, count: grid.fluxes.count)
        w[a * grid.metallicities.count + m] = 1
        return StellarPopulation(massWeights: w)
    }

    /// Delayed-τ history SFR(t) ∝ (t/τ) e^(−t/τ) since a formation lookback time, plus an
    /// optional burst; each age's stars spread in [M/H] around `metallicity` (Gaussian of width
    /// `metallicitySpread`, older stars `enrichmentSlope` dex poorer per dex of age).
    public static func delayedTau(formationLookbackGyr tForm: Double, tauGyr: Double,
                                  burstAgeGyr: Double?, burstMassFraction: Double,
                                  metallicity zc: Double, metallicitySpread: Double,
                                  enrichmentSlope: Double, grid: SSPGrid) -> StellarPopulation {
        let ages = grid.agesGyr
        let nA = ages.count
        // Age-bin edges: geometric midpoints between the SSP ages.
        var edges = [0.0]
        for i in 1..<nA { edges.append((ages[i - 1] * ages[i]).squareRoot()) }
        edges.append(ages[nA - 1] * (ages[nA - 1] / ages[nA - 2]).squareRoot())
        var ageMass = [Double](repeating: 0, count: nA)
        for i in 0..<nA {
            let lo = edges[i], hi = min(edges[i + 1], tForm)
            guard hi > lo else { continue }
            // ∫ SFR over lookback [lo, hi]; t since formation = tForm − lookback. Simpson, 16 steps.
            let n = 16, h = (hi - lo) / Double(n)
            var s = 0.0
            for k in 0...n {
                let t = tForm - (lo + Double(k) * h)
                let sfr = t / tauGyr * exp(-t / tauGyr)
                s += sfr * ((k == 0 || k == n) ? 1 : (k % 2 == 1 ? 4 : 2))
            }
            ageMass[i] = max(0, s * h / 3)
        }
        if ageMass.reduce(0, +) <= 0 { ageMass[nA - 1] = 1 }  // formation before the first bin edge
        let oldTotal = ageMass.reduce(0, +)
        if let tb = burstAgeGyr, burstMassFraction > 0 {
            // Split the burst between the two SSP ages bracketing it (linear in log age).
            let la = log10(tb)
            let j = max(0, min(nA - 2, (0..<(nA - 1)).last { log10(ages[$0]) <= la } ?? 0))
            let t = max(0, min(1, (la - log10(ages[j])) / (log10(ages[j + 1]) - log10(ages[j]))))
            let mb = oldTotal * burstMassFraction / (1 - burstMassFraction)
            ageMass[j] += mb * (1 - t)
            ageMass[j + 1] += mb * t
        }
        // Metallicity: 7-point Gauss–Hermite sampling of the spread, each point split linearly
        // between the two neighbouring grid metallicities (preserves the mean inside the grid).
        let gh: [(x: Double, w: Double)] = [(-2.6519614, 0.0009718), (-1.6735516, 0.0545156), (-0.8162879, 0.4256073),
                                            (0, 0.8102646), (0.8162879, 0.4256073), (1.6735516, 0.0545156), (2.6519614, 0.0009718)]
        let wsum = gh.reduce(0) { $0 + $1.w }
        let zs = grid.metallicities, nZ = zs.count
        let logMeanAge = log10(tForm / 2)
        var w = [Double](repeating: 0, count: nA * nZ)
        for i in 0..<nA where ageMass[i] > 0 {
            let zMean = zc - enrichmentSlope * (log10(ages[i]) - logMeanAge)
            for p in gh {
                let z = min(zs[nZ - 1], max(zs[0], zMean + 2.0.squareRoot() * metallicitySpread * p.x))
                let k = max(0, min(nZ - 2, (0..<(nZ - 1)).last { zs[$0] <= z } ?? 0))
                let t = (z - zs[k]) / (zs[k + 1] - zs[k])
                let m = ageMass[i] * p.w / wsum
                w[i * nZ + k] += m * (1 - t)
                w[i * nZ + k + 1] += m * t
            }
        }
        return StellarPopulation(massWeights: w)
    }

    /// Light fractions: mass weight × the SSP's mean flux over `window` (rest frame, Å),
    /// normalised — the weights a full-spectrum fit with templates normalised over that
    /// window would return, dust-free.
    public func lightFractions(grid: SSPGrid, window: ClosedRange<Double>) -> [Double] {
        let idx = grid.wavelengthAngstrom.indices.filter { window.contains(grid.wavelengthAngstrom[$0]) }
        var l = massWeights.enumerated().map { (j, m) -> Double in
            guard m > 0 else { return 0 }
            let f = grid.fluxes[j]
            return m * idx.reduce(0.0) { $0 + Double(f[$1]) } / Double(idx.count)
        }
        let total = l.reduce(0, +)
        for j in l.indices { l[j] /= total }
        return l
    }

    /// Luminosity-weighted ⟨log(age/yr)⟩ and ⟨[M/H]⟩ over `window`, defined as the paper's
    /// labels are: Σ lᵢ log10(ageᵢ) and Σ lᵢ [M/H]ᵢ with light fractions lᵢ.
    public func luminosityWeighted(grid: SSPGrid, window: ClosedRange<Double>) -> (logAgeYr: Double, metallicity: Double) {
        let l = lightFractions(grid: grid, window: window)
        var a = 0.0, z = 0.0
        let nZ = grid.metallicities.count
        for (j, f) in l.enumerated() where f > 0 {
            a += f * log10(grid.agesGyr[j / nZ] * 1e9)
            z += f * grid.metallicities[j % nZ]
        }
        return (a, z)
    }

    /// Mass-weighted ⟨log(age/yr)⟩ and ⟨[M/H]⟩.
    public func massWeighted(grid: SSPGrid) -> (logAgeYr: Double, metallicity: Double) {
        var a = 0.0, z = 0.0
        let nZ = grid.metallicities.count
        for (j, m) in massWeights.enumerated() where m > 0 {
            a += m * log10(grid.agesGyr[j / nZ] * 1e9)
            z += m * grid.metallicities[j % nZ]
        }
        return (a, z)
    }

    /// Rest-frame spectrum Σ wᵢ·SSPᵢ on the grid's wavelengths, over pixel range `pixels`.
    public func spectrum(grid: SSPGrid, pixels: Range<Int>) -> [Double] {
        var out = [Double](repeating: 0, count: pixels.count)
        out.withUnsafeMutableBufferPointer { o in
            for (j, m) in massWeights.enumerated() where m > 0 {
                grid.fluxes[j].withUnsafeBufferPointer { f in
                    for k in 0..<pixels.count { o[k] += m * Double(f[pixels.lowerBound &+ k]) }
                }
            }
        }
        return out
    }
}

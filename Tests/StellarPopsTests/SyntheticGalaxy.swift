import Foundation
import StellarPops
import SurveyIO

/// A synthetic SDSS galaxy built by direct convolution on a fine grid, independently of the
/// fitter's Fourier path: three MILES SSPs with known light fractions, z = 0.05, V = 120 km/s,
/// σ = 180 km/s, 40 km/s of instrumental broadening beyond MILES's, a continuum tilt, and
/// noise of S/N 30 (added per realisation).
struct SyntheticGalaxy {
    static let c = 299_792.458
    /// Light fractions (over 4200–6800 Å) of: old solar, intermediate metal-poor, young metal-rich.
    static let picks: [(age: Int, met: Int, a: Double)] = [(7, 2, 0.6), (5, 1, 0.3), (2, 3, 0.1)]
    static let z = 0.05, vTrue = 120.0, sigmaTrue = 180.0, extraInstrKms = 40.0
    static let nPix = 3500, loglam0 = 3.5800

    let grid: SSPGrid
    let templates: PreparedTemplates
    /// The noiseless observed flux, per pixel, and the 1σ noise (S/N 30 at the median).
    let obs: [Double]
    let noise: Double
    let loglam: [Double]
    let wdisp: [Float]

    /// Built once per test process (the fine-grid convolution takes a moment in debug).
    nonisolated(unsafe) static var cached: SyntheticGalaxy?
    static func shared() throws -> SyntheticGalaxy {
        if let g = cached { return g }
        let g = try SyntheticGalaxy()
        cached = g
        return g
    }

    /// Vacuum → air by fixed-point inversion of AirVacuum (< 1e-9 Å).
    static func air(fromVacuum v: Double) -> Double {
        var a = v / 1.00028
        for _ in 0..<4 { a = v / (AirVacuum.vacuum(fromAir: a) / a) }
        return a
    }

    init() throws {
        grid = try SSPGrid.load(.miles, selection: .paper)
        templates = PreparedTemplates(grid: grid, lnStep: log(10.0) * 1e-4)
        let wave = grid.wavelengthAngstrom
        let inBand = wave.indices.filter { wave[$0] > 4200 && wave[$0] < 6800 }
        func mean(_ f: [Float], _ idx: [Int]) -> Double { idx.reduce(0.0) { $0 + Double(f[$1]) } / Double(idx.count) }
        var rest = [Double](repeating: 0, count: wave.count)
        for p in Self.picks {
            let f = grid.flux(age: p.age, metallicity: p.met), m = mean(f, inBand)
            for i in wave.indices { rest[i] += p.a * Double(f[i]) / m }
        }
        func restAt(air l: Double) -> Double {   // linear interpolation on the MILES grid
            let x = (l - wave[0]) / 0.9
            let i = min(max(Int(x), 0), wave.count - 2), t = x - Double(i)
            return rest[i] * (1 - t) + rest[i + 1] * t
        }
        let c = Self.c, nPix = Self.nPix
        let sigmaEff = (Self.sigmaTrue * Self.sigmaTrue + Self.extraInstrKms * Self.extraInstrKms).squareRoot()
        // Observed pixels split in 10 sub-pixels on a uniform ln λ grid of step δ; the galaxy is
        // the rest spectrum shifted by ln(1+z) and convolved, on that fine grid, with a sampled
        // Gaussian of σ_eff in velocity (V, σ and the 40 km/s instrumental excess in quadrature).
        let delta = log(10.0) * 1e-5, dvFine = delta * c
        let half = Int(6 * sigmaEff / dvFine) + Int(abs(Self.vTrue) / dvFine) + 2
        let fineCount = nPix * 10
        let u0 = log(10.0) * (Self.loglam0 - 0.5e-4) + 0.5 * delta - log(1 + Self.z)   // rest ln λ of sub-pixel 0
        let ext = (0..<(fineCount + 2 * half)).map { j in restAt(air: Self.air(fromVacuum: exp(u0 + Double(j - half) * delta))) }
        var kernel = (-half...half).map { m -> Double in let v = Double(m) * dvFine - Self.vTrue; return exp(-0.5 * v * v / (sigmaEff * sigmaEff)) }
        let ksum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / ksum }
        var obs = [Double](repeating: 0, count: nPix)
        ext.withUnsafeBufferPointer { e in kernel.withUnsafeBufferPointer { k in
            for i in 0..<nPix {
                var s = 0.0
                for q in 0..<10 {
                    let j = i * 10 + q + half
                    for m in -half...half { s += e[j - m] * k[m + half] }
                }
                obs[i] = s / 10
            }
        } }
        // A gentle continuum tilt the multiplicative polynomial must absorb.
        for i in 0..<nPix { obs[i] *= 1 + 0.15 * (Double(i) / Double(nPix) - 0.5) }
        self.obs = obs
        noise = obs.sorted()[nPix / 2] / 30
        loglam = (0..<nPix).map { Self.loglam0 + Double($0) * 1e-4 }
        wdisp = loglam.map { ll -> Float in
            let restAir = Self.air(fromVacuum: pow(10, ll) / (1 + Self.z))
            let sigmaTemplate = 2.51 / (8 * log(2.0)).squareRoot() / restAir * c
            return Float((sigmaTemplate * sigmaTemplate + Self.extraInstrKms * Self.extraInstrKms).squareRoot() / (log(10.0) * 1e-4 * c))
        }
    }

    /// The SDSS spectrum of `flux` (default: the noiseless galaxy) plus noise drawn from `seed`.
    func spectrum(flux: [Double]? = nil, seed: UInt64) -> SDSSSpectrum {
        var rng = GaussianRandom(seed: seed)
        let f = (flux ?? obs).map { Float($0 + noise * rng.nextGaussian()) }
        let object = SpecObject(z: Self.z, zWarning: 0, snMedian: [30, 30, 30, 30, 30], snMedianAll: 30, plugRA: 0, plugDec: 0,
                                vdispKms: Self.sigmaTrue, objectClass: "GALAXY")
        return SDSSSpectrum(loglam: loglam, flux: f, ivar: [Float](repeating: Float(1 / (noise * noise)), count: Self.nPix),
                            andMask: [Int32](repeating: 0, count: Self.nPix), wdisp: wdisp, object: object)
    }
}

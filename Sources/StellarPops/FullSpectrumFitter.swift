import COpenBLAS
import Foundation

/// The outcome of fitting one spectrum.
public struct FitResult: Sendable {
    /// LOSVD: V relative to the catalogue redshift, σ (km/s), and h₃, h₄ (0 unless moments = 4).
    public var velocityKms: Double
    public var sigmaKms: Double
    /// With gas templates: the gas component's V (relative to the catalogue redshift) and σ;
    /// NaN without.
    public var gasVelocityKms: Double
    public var gasSigmaKms: Double
    public var h3: Double
    public var h4: Double
    /// Template weights as light fractions: templates are normalised to unit mean flux over
    /// the fitted pixels (after the instrumental convolution), so w_k is template k's share of
    /// the light there. Σw ≈ 1 since the galaxy is normalised to median 1.
    public var weights: [Double]
    /// With `gas: .fit`: the gas templates inside the fitted range and their fluxes, in the
    /// spectrum's flux-density unit × Å in the observed frame (10⁻¹⁷ erg s⁻¹ cm⁻² for SDSS);
    /// a doublet's flux is that of both lines. Empty with `gas: .mask`.
    public var gasLines: [GasLine]
    public var gasFluxes: [Double]
    /// Light-weighted ⟨log₁₀(age/yr)⟩ = Σw·log age / Σw and ⟨[M/H]⟩ likewise.
    public var logAgeYr: Double
    public var metallicity: Double
    /// χ² over the good pixels and χ²/(good pixels − free parameters).
    public var chi2: Double
    public var chi2PerDof: Double
    public var goodPixels: Int
    public var iterations: Int
    public var converged: Bool
    /// The model over every fitted pixel, and the mask used (after clipping).
    public var model: [Double]
    public var good: [Bool]
    /// The nonlinear parameters at the solution, for warm starts (Monte Carlo).
    public var parameters: [Double]
}

/// Full-spectrum fitting of one galaxy (the method of Cappellari & Emsellem 2004 and
/// Cappellari 2017, written from the papers): the galaxy is modelled as
/// P(x)·Σ_k w_k (T_k ⊛ L)(x) + Σ_j a_j P_j(x), with L a Gauss–Hermite LOSVD applied in Fourier
/// space, P a multiplicative Legendre polynomial (P₀ coefficient fixed at 1), w ≥ 0 by NNLS
/// and a_j (optional additive polynomial) free. The LOSVD and the coefficients of P are found
/// by Levenberg–Marquardt; at every trial step the weights are re-solved by NNLS (variable
/// projection), and the Jacobian is taken with the weights held (Kaufman 1975), which needs
/// only the single combined spectrum Σw_kT_k to be differentiated — analytically, in Fourier
/// space.
///
/// Templates are prepared for this galaxy once in `init` (instrumental convolution, unit-mean
/// normalisation, FFT), so refits of the same spectrum (Monte Carlo) cost only iterations.
/// Not thread-safe: one instance per thread.
public final class GalaxyFitter {
    public let templates: PreparedTemplates
    public let spectrum: FitSpectrum
    public let options: FitOptions
    let fft: RealFFT
    /// Templates in the fit: the stellar ones (`stellarCount`), then the gas lines.
    let k: Int, stellarCount: Int, n: Int, nf: Int, off: Int, frac: Double
    /// The gas templates of this fit (`gas: .fit`, lines inside the fitted range).
    let gasLines: [GasLine]
    let vs: Double
    var tre: [Double], tim: [Double]          // template transforms, k × nf
    let mpoly: LegendreBasis?, apoly: LegendreBasis?
    var columns: [Double]                    // convolved templates over fitted pixels, n × k
    var columnFresh: [Bool]                  // columns[k] holds T_k ⊛ L̂ for the current L̂
    var buffer: [Double]
    var lre: [Double], lim: [Double], pre: [Double], pim: [Double]
    /// Moments of the stellar LOSVD, and of the gas one (2 with gas templates, else 0).
    let kinCount: Int, gasKinCount: Int
    var gre: [Double], gim: [Double]        // gas LOSVD transform
    var regularisationGram: [Double]?

    public init(templates t: PreparedTemplates, spectrum s: FitSpectrum, options o: FitOptions) throws {
        templates = t
        spectrum = s
        options = o
        guard o.moments == 2 || o.moments == 4 else { throw FitFailure("moments must be 2 or 4, not \(o.moments)") }
        n = s.count
        stellarCount = t.count
        // Gas lines whose components all lie 10 pixels or more inside the fitted range.
        let lineGalaxyPixel = { (air: Double) -> Double in (log(AirVacuum.vacuum(fromAir: air)) - s.lnLambdaStart) / s.lnStep }
        gasLines = o.gas == .fit ? GasLine.standard.filter { g in
            g.airAngstrom.allSatisfy { let p = lineGalaxyPixel($0); return p >= 10 && p <= Double(s.count - 11) }
        } : []
        k = t.count + gasLines.count
        vs = t.velocityScaleKms
        kinCount = o.moments
        gasKinCount = gasLines.isEmpty ? 0 : 2
        let d = (s.lnLambdaStart - t.lnLambdaStart) / t.lnStep
        let n0 = Int((d + 1e-9).rounded(.down))
        frac = d - Double(n0)
        let margin = Int((o.marginKms / vs).rounded(.up))
        let jStart = max(0, n0 - margin), jEnd = min(t.pixelCount - 1, n0 + n - 1 + margin)
        guard n0 >= 0, n0 + n - 1 < t.pixelCount else { throw FitFailure("the fitted range is not inside the templates") }
        off = n0 - jStart
        let segLen = jEnd - jStart + 1
        var nfft = 4
        while nfft < segLen + margin { nfft <<= 1 }
        let fft = RealFFT(n: nfft)
        self.fft = fft
        let nf = fft.frequencyCount
        self.nf = nf
        // Quadratic difference of instrumental dispersions, per template pixel (0 where the
        // templates are already coarser than the galaxy: they cannot be sharpened).
        let k = self.k, n = self.n, off = self.off, vs = self.vs
        let sigmaDiff = (jStart...jEnd).map { j -> Double in
            let p = min(max(j - n0, 0), n - 1)
            let d2 = s.instrumentalSigmaKms[p] * s.instrumentalSigmaKms[p] - t.sigmaTemplateKms[j] * t.sigmaTemplateKms[j]
            return d2 > 0 ? d2.squareRoot() / vs : 0
        }
        var tre = [Double](repeating: 0, count: k * nf)
        var tim = [Double](repeating: 0, count: k * nf)
        let smoothed = VariableGaussianSmoothing.smooth(t.fluxes.map { Array($0[jStart...jEnd]) }, sigmaPixels: sigmaDiff)
        for kk in 0..<stellarCount {
            var seg = smoothed[kk]
            var mean = 0.0
            for p in 0..<n { mean += seg[off + p] }
            mean /= Double(n)
            guard mean > 0 else { throw FitFailure("template \(kk) has no flux over the fitted range") }
            for i in seg.indices { seg[i] /= mean }
            seg.withUnsafeBufferPointer { sp in
                tre.withUnsafeMutableBufferPointer { rp in
                    tim.withUnsafeMutableBufferPointer { ip in
                        fft.forward(sp.baseAddress!, count: segLen, re: rp.baseAddress! + kk * nf, im: ip.baseAddress! + kk * nf)
                    }
                }
            }
        }
        // Gas templates: Gaussians of the galaxy's instrumental dispersion at each line, placed
        // on the segment's pixels (template pixel − jStart), built directly as transforms.
        for (g, line) in gasLines.enumerated() {
            let positions = line.airAngstrom.map { (log(AirVacuum.vacuum(fromAir: $0)) - t.lnLambdaStart) / t.lnStep - Double(jStart) }
            let sigmas = line.airAngstrom.map { s.instrumentalSigmaKms[Int(lineGalaxyPixel($0).rounded())] / vs }
            let kk = stellarCount + g
            tre.withUnsafeMutableBufferPointer { rp in tim.withUnsafeMutableBufferPointer { ip in
                line.transform(fft, positions: positions, sigmaPixels: sigmas, re: rp.baseAddress! + kk * nf, im: ip.baseAddress! + kk * nf)
            } }
        }
        self.tre = tre
        self.tim = tim
        mpoly = o.multiplicativeDegree >= 1 ? LegendreBasis(degree: o.multiplicativeDegree, count: n) : nil
        apoly = o.additiveDegree >= 0 ? LegendreBasis(degree: o.additiveDegree, count: n) : nil
        columns = [Double](repeating: 0, count: n * k)
        columnFresh = [Bool](repeating: false, count: k)
        buffer = [Double](repeating: 0, count: nfft)
        lre = [Double](repeating: 0, count: nf); lim = lre; pre = lre; pim = lre; gre = lre; gim = lre
        if o.regularisation > 0 { regularisationGram = Self.regularisation(ages: t.ageCount, mets: t.metallicityCount, strength: o.regularisation) }
    }

    /// λ²·DᵀD for second differences along both axes of the age × [M/H] grid.
    static func regularisation(ages: Int, mets: Int, strength: Double) -> [Double] {
        let k = ages * mets
        var rows: [[Double]] = []
        for a in 0..<ages { for m in 0..<mets {
            if a > 0 && a < ages - 1 { var r = [Double](repeating: 0, count: k); r[(a - 1) * mets + m] = 1; r[a * mets + m] = -2; r[(a + 1) * mets + m] = 1; rows.append(r) }
            if m > 0 && m < mets - 1 { var r = [Double](repeating: 0, count: k); r[a * mets + m - 1] = 1; r[a * mets + m] = -2; r[a * mets + m + 1] = 1; rows.append(r) }
        } }
        var g = [Double](repeating: 0, count: k * k)
        for r in rows { for i in 0..<k where r[i] != 0 { for j in 0..<k where r[j] != 0 { g[j * k + i] += strength * strength * r[i] * r[j] } } }
        return g
    }

    /// Nonlinear parameters: [V/vs, σ/vs, (h₃, h₄), (V_gas/vs, σ_gas/vs), c₁…c_M].
    var parameterCount: Int { polyOffset + (mpoly?.degree ?? 0) }
    /// Index of c₁ in the parameters.
    var polyOffset: Int { kinCount + gasKinCount }

    func bounds(_ p: Int) -> (Double, Double) {
        let gas = gasKinCount > 0
        if p == 0 || (gas && p == kinCount) { return (-options.maxAbsVelocityKms / vs, options.maxAbsVelocityKms / vs) }
        if p == 1 || (gas && p == kinCount + 1) { return (options.minSigmaKms / vs, options.maxSigmaKms / vs) }
        if p < kinCount { return (-0.3, 0.3) }
        return (-Double.infinity, Double.infinity)
    }

    /// The starting parameters from the options.
    public var startParameters: [Double] {
        var p = [Double](repeating: 0, count: parameterCount)
        p[0] = options.startVelocityKms / vs
        p[1] = options.startSigmaKms / vs
        if gasKinCount > 0 {
            p[kinCount] = options.startVelocityKms / vs
            p[kinCount + 1] = options.startSigmaKms / vs
        }
        return p
    }

    /// Fits `flux` (default: the spectrum's) over `good` (default: its mask) from `start`;
    /// `clip: false` skips outlier clipping even if the options ask for it.
    /// `templates`: those to try first in the NNLS (e.g. the ones with weight at a previous
    /// solution); the result is the same, only faster.
    public func fit(flux: [Double]? = nil, good: [Bool]? = nil, start: [Double]? = nil, clip: Bool = true,
                    templates candidates: [Int]? = nil) throws -> FitResult {
        let f = flux ?? spectrum.flux
        var mask = good ?? spectrum.good
        var theta = start ?? startParameters
        var total = 0
        var (state, iterations, converged) = try levenbergMarquardt(flux: f, good: mask, start: &theta, candidates: candidates)
        total += iterations
        if options.clipOutliers && clip {
            let initial = good ?? spectrum.good
            for _ in 0..<5 {
                let newMask = clipMask(flux: f, model: state.model, initial: initial, current: mask)
                if newMask == mask { break }
                mask = newMask
                (state, iterations, converged) = try levenbergMarquardt(flux: f, good: mask, start: &theta,
                                                                        candidates: activeTemplates(state))
                total += iterations
            }
        }
        return result(state: state, theta: theta, good: mask, iterations: total, converged: converged)
    }
}

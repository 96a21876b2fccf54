import Foundation
import SurveyIO

/// Settings of a full-spectrum fit.
public struct FitOptions: Sendable, Codable, Equatable {
    /// Gauss–Hermite moments of the LOSVD: 2 (V, σ) or 4 (V, σ, h₃, h₄).
    public var moments = 2
    /// Degree of the multiplicative Legendre polynomial (−1 = none).
    public var multiplicativeDegree = 10
    /// Degree of the additive Legendre polynomial (−1 = none).
    public var additiveDegree = -1
    /// Strength of the linear regularisation of the weights (second differences over the
    /// age × [M/H] grid, rows appended to the noise-weighted system); 0 = none.
    public var regularisation = 0.0
    /// Iterative clipping of pixels whose residual exceeds `clipSigma` robust standard
    /// deviations (rounds until the mask stops changing, at most 5).
    public var clipOutliers = false
    public var clipSigma = 3.0
    /// Mask the usual gas emission lines within ± `emissionHalfWidthKms` of their rest
    /// wavelengths (pPXF's choice is ±800 km/s).
    public var maskEmissionLines = true
    public var emissionHalfWidthKms = 800.0
    /// `.fit`: model the gas lines (`GasLine.standard`) as extra templates instead of masking
    /// them (then `maskEmissionLines` has no effect).
    public var gas = GasTreatment.mask
    /// `and_mask` bits that make a pixel bad (default: the no-data bits NOPLUG, BADTRACE,
    /// BADFLAT, BADARC, FULLREJECT, NODATA, COMBINEREJ, as in `prepare-spectra`).
    public var badAndMaskBits: Int32 = 0b1111 | (1 << 18) | (1 << 24) | (1 << 25)
    /// Starting guess (V relative to the catalogue redshift).
    public var startVelocityKms = 0.0
    public var startSigmaKms = 150.0
    /// Bounds on V (about the catalogue redshift) and σ.
    public var maxAbsVelocityKms = 700.0
    public var minSigmaKms = 5.0
    public var maxSigmaKms = 600.0
    /// Template pixels kept beyond each end of the fitted range for the convolution:
    /// enough for |V| + 3σ at the bounds, so no edge effect reaches a fitted pixel.
    public var marginKms = 2500.0
    /// Largest number of Levenberg–Marquardt iterations per fit.
    public var maxIterations = 60

    public init() {}

    /// Rest-frame air wavelengths (Å) of the masked gas lines: [O II] 3726.03, 3728.82,
    /// Hδ 4101.76, Hγ 4340.47, Hβ 4861.33, [O III] 4958.92, 5006.84, [O I] 6300.30,
    /// [N II] 6548.03, 6583.41, Hα 6562.80, [S II] 6716.47, 6730.85.
    public static let emissionLinesAirAngstrom = [3726.03, 3728.82, 4101.76, 4340.47, 4861.33, 4958.92, 5006.84,
                                                  6300.30, 6548.03, 6583.41, 6562.80, 6716.47, 6730.85]
}

/// Why a galaxy could not be fitted.
public struct FitFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A galaxy spectrum ready to fit: de-redshifted to the rest frame (ln λ_rest = ln λ_obs −
/// ln(1+z)), cut to the pixels the templates cover (less `marginKms` at each end), bad pixels
/// and gas lines masked, flux and noise divided by the median good flux.
public struct FitSpectrum: Sendable {
    /// ln λ_rest (vacuum, Å) of pixel 0 and the step.
    public var lnLambdaStart: Double
    public var lnStep: Double
    public var flux: [Double]
    /// 1σ noise per pixel (same scale as `flux`); bad pixels carry 1 and are never used.
    public var noise: [Double]
    public var good: [Bool]
    /// SDSS instrumental dispersion at each pixel, km/s.
    public var instrumentalSigmaKms: [Double]
    /// Catalogue redshift removed.
    public var redshift: Double
    /// The median flux the spectrum was divided by.
    public var fluxScale: Double

    public var count: Int { flux.count }
    public var goodCount: Int { good.filter { $0 }.count }

    public init(lnLambdaStart: Double, lnStep: Double, flux: [Double], noise: [Double], good: [Bool],
                instrumentalSigmaKms: [Double], redshift: Double, fluxScale: Double = 1) {
        self.lnLambdaStart = lnLambdaStart
        self.lnStep = lnStep
        self.flux = flux
        self.noise = noise
        self.good = good
        self.instrumentalSigmaKms = instrumentalSigmaKms
        self.redshift = redshift
        self.fluxScale = fluxScale
    }

    /// Prepares an SDSS spectrum for `templates`. Throws `FitFailure` with the reason when the
    /// galaxy cannot be fitted (bad redshift, sampling not log-uniform at the templates'
    /// step, too little overlap, too few good pixels, non-positive flux).
    public init(sdss s: SDSSSpectrum, templates t: PreparedTemplates, options o: FitOptions) throws {
        guard s.loglam.count == s.count, s.ivar.count == s.count, s.andMask.count == s.count, s.wdisp.count == s.count else {
            throw FitFailure("spectrum columns have unequal lengths")
        }
        guard s.loglam.allSatisfy(\.isFinite) else { throw FitFailure("loglam has non-finite values") }
        let z = s.object.z
        guard z.isFinite, z > -0.01, z < 2 else { throw FitFailure("redshift \(z) outside −0.01…2") }
        let ln10 = log(10.0)
        let n = s.count
        guard n > 10 else { throw FitFailure("only \(n) pixels") }
        let step = (s.loglam[n - 1] - s.loglam[0]) / Double(n - 1) * ln10
        guard abs(step / t.lnStep - 1) < 1e-3 else {
            throw FitFailure("ln λ step \(step) differs from the templates' \(t.lnStep)")
        }
        let lnRest0 = s.loglam[0] * ln10 - log(1 + z)
        let d = (lnRest0 - t.lnLambdaStart) / t.lnStep      // template pixel of galaxy pixel 0
        let margin = (o.marginKms / t.velocityScaleKms).rounded(.up)
        let lo = max(0, Int((margin - d).rounded(.up)))
        let hi = min(n - 1, Int((Double(t.pixelCount - 1) - margin - d).rounded(.down)))
        guard hi - lo + 1 >= 200 else {
            throw FitFailure("only \(max(0, hi - lo + 1)) pixels overlap the templates at z = \(z)")
        }
        let halfWidth = o.emissionHalfWidthKms / PreparedTemplates.cKms
        let lines = o.emissionLinesAir.map { log(AirVacuum.vacuum(fromAir: $0)) }
        var flux: [Double] = [], noise: [Double] = [], good: [Bool] = [], sig: [Double] = []
        // wdisp sets the width of the instrumental smoothing kernels (VariableGaussianSmoothing
        // allocates pixels × kernel width): a corrupted value of 1e15 asked for exabytes.
        // SDSS's is ≈ 1 pixel; values beyond `maxWdispPixels` are treated like missing ones.
        let validW = s.wdisp.filter { $0.isFinite && $0 > 0 && Double($0) <= Self.maxWdispPixels }.map(Double.init).sorted()
        guard !validW.isEmpty else { throw FitFailure("no valid wdisp (instrumental dispersion) values") }
        let medianW = validW[validW.count / 2]
        let pixelKms = step * PreparedTemplates.cKms
        for i in lo...hi {
            let f = Double(s.flux[i]), iv = Double(s.ivar[i])
            var ok = f.isFinite && iv.isFinite && iv > 0 && (s.andMask[i] & o.badAndMaskBits) == 0
            if ok && o.maskEmissionLines && o.gas == .mask {
                let l = lnRest0 + Double(i) * step
                ok = !lines.contains { abs(l - $0) < halfWidth }
            }
            good.append(ok)
            flux.append(ok ? f : 0)
            noise.append(ok ? 1 / iv.squareRoot() : 1)
            let w = Double(s.wdisp[i])
            sig.append((w.isFinite && w > 0 && w <= Self.maxWdispPixels ? w : medianW) * pixelKms)
        }
        let goodFlux = zip(flux, good).filter { $0.1 }.map { $0.0 }.sorted()
        guard goodFlux.count >= 100 else { throw FitFailure("only \(goodFlux.count) good pixels in the fitted range") }
        let scale = goodFlux[goodFlux.count / 2]
        guard scale > 0 else { throw FitFailure("median flux \(scale) is not positive") }
        for i in flux.indices where good[i] { flux[i] /= scale; noise[i] /= scale }
        self.init(lnLambdaStart: lnRest0 + Double(lo) * step, lnStep: step, flux: flux, noise: noise, good: good,
                  instrumentalSigmaKms: sig, redshift: z, fluxScale: scale)
    }
}

extension FitSpectrum {
    /// Largest plausible instrumental dispersion, in ln λ pixels (10 px ≈ 690 km/s; SDSS's is
    /// 0.7–1.3 px).
    public static let maxWdispPixels = 10.0
}

extension FitOptions {
    var emissionLinesAir: [Double] { Self.emissionLinesAirAngstrom }
}

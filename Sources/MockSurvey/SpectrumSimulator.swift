import Foundation
import SurveyIO

/// Turns a rest-frame galaxy model into an SDSS `spec` file's content: redshift, broadening
/// to the galaxy's σ and SDSS resolution, the SDSS log-λ pixel grid, a noise model with sky,
/// throughput and a target S/N, masked pixels and sky residuals.
public struct SpectrumSimulator: Sendable {
    static let cKms = 299_792.458
    /// SDSS pixel: Δlog10 λ = 1e-4, i.e. 69.03 km/s.
    static let sdssPixelKms = cKms * log(10) * 1e-4

    /// Rest-frame and band ranges (observed Å) over which SN_MEDIAN is computed (u g r i z):
    /// the central parts of the SDSS filters that the spectrograph covers.
    public static let snBandsAngstrom: [ClosedRange<Double>] = [3800...4000, 4000...5500, 5600...6800, 6900...8100, 8200...9200]

    public static let skyLinesAngstrom: [Double] = [5577.3, 5889.9, 5895.9, 6300.3, 6363.8, 6863.9, 7244, 7276, 7316, 7341,
                                                    7369, 7402, 7524, 7571, 7750, 7794, 7821, 7854, 7913, 7964, 7993,
                                                    8344, 8399, 8430, 8465, 8505, 8761, 8827, 8885, 8919, 8943, 8958, 8986, 9002, 9040]

    public init() {}

    /// SDSS instrumental dispersion in pixels (`wdisp`): blue camera ≈ 1.2 → 0.85, red camera
    /// ≈ 0.95 → 0.75, as in the fixture spectra.
    public static func wdisp(wavelengthAngstrom l: Double) -> Double {
        l < 5900 ? 1.2 - 0.35 * (l - 3800) / 2100 : 0.95 - 0.2 * (l - 5900) / 3300
    }

    /// Relative system throughput (peak 1).
    static func throughput(_ l: Double) -> Double {
        let pts: [(Double, Double)] = [(3700, 0.1), (4200, 0.45), (5000, 0.8), (6000, 1), (7500, 1), (8500, 0.8), (9300, 0.5)]
        if l <= pts[0].0 { return pts[0].1 }
        for i in 1..<pts.count where l <= pts[i].0 {
            return pts[i - 1].1 + (l - pts[i - 1].0) / (pts[i].0 - pts[i - 1].0) * (pts[i].1 - pts[i - 1].1)
        }
        return pts[pts.count - 1].1
    }

    /// Sky spectrum in 1e-17 erg/s/cm²/Å: a continuum plus the strong night-sky lines.
    static func sky(_ l: Double) -> Double {
        var s = 8 + 4 * exp(-pow((l - 4500) / 800, 2))
        for line in skyLinesAngstrom {
            let d = (l - line) / 1.5
            if abs(d) < 5 { s += (line < 7000 ? 250 : 120) * exp(-0.5 * d * d) }
        }
        return s
    }

    /// Builds the spectrum. `restFlux` is the rest-frame model (dust applied) on the library's
    /// fine grid in 1e-17 erg/s/cm²/Å as observed (already divided by 1 + z).
    public func observe(restFlux: [Double], library: TemplateLibrary, params p: GalaxyParameters,
                        rng: inout SeededRandom) -> SDSSSpectrum {
        // Broadening: σ² = σ_v² + σ_SDSS² − σ_templates², evaluated at 5500 Å rest (the kernel
        // is one velocity width on a log grid; the resolution terms nearly cancel anyway).
        let sigmaTemplate = 2.51 / 2.354820045 / 5500 * Self.cKms
        let sigmaInstr = Self.wdisp(wavelengthAngstrom: 5500 * (1 + p.z)) * Self.sdssPixelKms
        let sigma = (max(0, p.sigmaKms * p.sigmaKms + sigmaInstr * sigmaInstr - sigmaTemplate * sigmaTemplate)).squareRoot()
        let fineKms = Self.cKms * log(10) * library.log10Step
        let broadened = gaussianSmooth(restFlux, sigmaPixels: sigma / fineKms)

        // SDSS grid: start near loglam 3.58, a little jitter as between plates.
        let start = (3.5800 + Double(Int(rng.uniform(-10, 20))) * 1e-4)
        let n = 3840 + Int(rng.uniform(-15, 15))
        let loglam = (0..<n).map { start + Double($0) * 1e-4 }
        let shift = log10(1 + p.z)
        var model = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let x = (loglam[k] - shift - library.log10Start) / library.log10Step
            let i = max(0, min(library.count - 2, Int(x)))
            let t = x - Double(i)
            model[k] = broadened[i] + t * (broadened[i + 1] - broadened[i])
        }
        let wave = loglam.map { pow(10, $0) }

        // Noise: σ = A·√(f + sky)/√throughput, A set so the r-band median S/N equals the target.
        let sky = wave.map(Self.sky), thr = wave.map(Self.throughput)
        let rIdx = wave.indices.filter { Self.snBandsAngstrom[2].contains(wave[$0]) }
        let ratios = rIdx.map { thr[$0].squareRoot() * max(model[$0], 0) / (max(model[$0], 0) + sky[$0]).squareRoot() }.sorted()
        let a = max(ratios[ratios.count / 2], 1e-12) / p.snrTarget
        var flux = [Float](repeating: 0, count: n), ivar = [Float](repeating: 0, count: n)
        var mask = [Int32](repeating: 0, count: n)
        for k in 0..<n {
            let sd = a * (max(model[k], 0) + sky[k]).squareRoot() / thr[k].squareRoot()
            var f = model[k] + sd * rng.normal()
            if sky[k] > 40 {  // imperfect sky subtraction under bright lines
                f += 0.3 * sd * rng.normal()
                mask[k] |= 1 << 23  // BRIGHTSKY
            }
            flux[k] = Float(f)
            ivar[k] = Float(1 / (sd * sd))
        }
        // Dead pixels: a few isolated ones and, sometimes, a short bad column run.
        for _ in 0..<rng.poisson(4) {
            let k = Int(rng.uniform(0, Double(n)))
            ivar[k] = 0; flux[k] = 0; mask[k] |= 1 << 24  // NODATA
        }
        if rng.uniform() < 0.2 {
            let k0 = Int(rng.uniform(0, Double(n - 12)))
            for k in k0..<(k0 + Int(rng.uniform(3, 12))) { ivar[k] = 0; flux[k] = 0; mask[k] |= 1 << 2 }  // BADFLAT
        }
        // SN_MEDIAN per band: median expected S/N (model·√ivar) of the good pixels in the band.
        func medianSN(_ range: ClosedRange<Double>?) -> Double {
            let v = wave.indices.filter { (range?.contains(wave[$0]) ?? true) && ivar[$0] > 0 }
                .map { model[$0] * Double(ivar[$0]).squareRoot() }.sorted()
            return v.isEmpty ? 0 : v[v.count / 2]
        }
        let object = SpecObject(z: p.z, zWarning: p.zWarning, snMedian: Self.snBandsAngstrom.map { medianSN($0) },
                                snMedianAll: medianSN(nil), plugRA: p.ra, plugDec: p.dec, vdispKms: p.sigmaKms,
                                objectClass: "GALAXY")
        let wd = wave.map { Float(Self.wdisp(wavelengthAngstrom: $0)) }
        return SDSSSpectrum(loglam: loglam, flux: flux, ivar: ivar, andMask: mask, wdisp: wd, object: object)
    }
}

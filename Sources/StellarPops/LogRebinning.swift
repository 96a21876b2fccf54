import Foundation

/// Air ↔ vacuum wavelengths. MILES spectra are in air, SDSS spectra in vacuum.
///
/// The refractive index of standard air is Morton (2000, ApJS 130, 403, eq. 8, the Edlén
/// 1966 form with Birch & Downs 1994 coefficients, the IAU standard) inverted for air
/// wavelengths as given by Piskunov (VALD): n = 1 + 8.336624212083e-5
/// + 2.408926869968e-2 / (130.1065924522 − s²) + 1.599740894897e-4 / (38.92568793293 − s²),
/// s = 10⁴ / λ_air [Å]. λ_vac = n·λ_air. Agrees with Ciddor (1996) to better than 0.01 Å
/// over 3000–10000 Å (~0.5 km/s).
public enum AirVacuum {
    /// Vacuum wavelength (Å) of an air wavelength (Å).
    public static func vacuum(fromAir airAngstrom: Double) -> Double {
        let s2 = pow(1e4 / airAngstrom, 2)
        let n = 1 + 8.336624212083e-5 + 2.408926869968e-2 / (130.1065924522 - s2)
            + 1.599740894897e-4 / (38.92568793293 - s2)
        return airAngstrom * n
    }
}

/// Flux-conserving rebinning of a spectrum onto a grid uniform in ln λ.
public enum LogRebinning {
    /// Rebins `flux` (a flux density per Å, pixel `i` spanning `edges[i]..<edges[i+1]`, so
    /// `edges.count == flux.count + 1`, increasing) onto `count` pixels of the grid whose
    /// pixel `j` spans `exp(lnStart + j·lnStep)` to `exp(lnStart + (j+1)·lnStep)`.
    ///
    /// The input is taken as piecewise constant; each output value is the mean flux density
    /// over its pixel (the overlap-weighted average of the input), so ∫ f dλ over any range
    /// of whole output pixels equals the input's integral over the same range. Output pixels
    /// not fully inside the input range are averaged over the covered part (0 if none).
    public static func rebin(edges: [Double], flux: [Double], lnStart: Double, lnStep: Double, count: Int) -> [Double] {
        precondition(edges.count == flux.count + 1 && lnStep > 0)
        var out = [Double](repeating: 0, count: count)
        var i = 0
        for j in 0..<count {
            let lo = exp(lnStart + Double(j) * lnStep), hi = exp(lnStart + Double(j + 1) * lnStep)
            while i < flux.count && edges[i + 1] <= lo { i += 1 }
            var k = i, sum = 0.0, covered = 0.0
            while k < flux.count && edges[k] < hi {
                let a = max(lo, edges[k]), b = min(hi, edges[k + 1])
                if b > a { sum += flux[k] * (b - a); covered += b - a }
                k += 1
            }
            out[j] = covered > 0 ? sum / covered : 0
        }
        return out
    }

    /// Pixel edges of a linear axis given the pixel centres (half-way points, extrapolated
    /// at both ends).
    public static func edges(ofCentres c: [Double]) -> [Double] {
        precondition(c.count >= 2)
        var e = [Double](repeating: 0, count: c.count + 1)
        e[0] = c[0] - (c[1] - c[0]) / 2
        for i in 1..<c.count { e[i] = (c[i - 1] + c[i]) / 2 }
        e[c.count] = c[c.count - 1] + (c[c.count - 1] - c[c.count - 2]) / 2
        return e
    }
}

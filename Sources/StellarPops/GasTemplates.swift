import Foundation

/// What the fit does with the gas emission lines.
public enum GasTreatment: String, Sendable, Codable, CaseIterable {
    /// Mask ± `emissionHalfWidthKms` around each line (the default).
    case mask
    /// Fit each line (or fixed-ratio doublet) as an extra Gaussian template with a
    /// non-negative weight in the same NNLS, left out of the light weighting. The lines are
    /// broadened by the instrument and by a Gaussian LOSVD of their own (V_gas, σ_gas: two
    /// more nonlinear parameters, shared by all lines), since gas is usually colder than the
    /// stars and would bias the stellar σ if forced to share it.
    case fit
}

/// One gas template: one line, or a doublet whose flux ratio atomic physics fixes.
public struct GasLine: Sendable, Equatable {
    /// Short name used for output columns, e.g. "Halpha", "OIII5007d" (d = doublet).
    public var name: String
    /// Rest-frame air wavelengths (Å) and relative fluxes of the components.
    public var airAngstrom: [Double]
    public var relativeFlux: [Double]

    public init(_ name: String, _ airAngstrom: [Double], _ relativeFlux: [Double]) {
        self.name = name
        self.airAngstrom = airAngstrom
        self.relativeFlux = relativeFlux
    }

    /// The component with the largest flux (where the line's flux is converted to physical units).
    public var strongestAirAngstrom: Double { airAngstrom[relativeFlux.indices.max { relativeFlux[$0] < relativeFlux[$1] }!] }

    /// The Balmer lines Hα–Hδ; [O II] 3726, 3729 and [S II] 6716, 6731 as free lines; [O III]
    /// 4959, 5007 and [N II] 6548, 6583 with their 1:3 flux ratios (Storey & Zeippen 2000);
    /// [O I] 6300. Air wavelengths as in `FitOptions.emissionLinesAirAngstrom`.
    public static let standard: [GasLine] = [
        GasLine("OII3726", [3726.03], [1]),
        GasLine("OII3729", [3728.82], [1]),
        GasLine("Hdelta", [4101.76], [1]),
        GasLine("Hgamma", [4340.47], [1]),
        GasLine("Hbeta", [4861.33], [1]),
        GasLine("OIII5007d", [4958.92, 5006.84], [1, 3]),
        GasLine("OI6300", [6300.30], [1]),
        GasLine("NII6583d", [6548.03, 6583.41], [1, 3]),
        GasLine("Halpha", [6562.80], [1]),
        GasLine("SII6716", [6716.47], [1]),
        GasLine("SII6731", [6730.85], [1]),
    ]

    /// The template's Fourier transform on `fft`'s grid: Σ_c a_c · B(ω) · exp(−iωx_c − ω²s_c²/2),
    /// with x_c the component's position (pixels of the transform's grid), s_c the instrumental
    /// dispersion there (pixels), a_c = relative flux / Σ relative flux and B(ω) = sin(ω/2)/(ω/2)
    /// the transform of a one-pixel box: every pixel holds the mean of the Gaussian over it,
    /// as the flux-conserving rebinned stellar templates do. The template sums to 1 over the
    /// pixels (its transform is 1 at ω = 0), so its weight is the line flux in units of the
    /// fitted spectrum × pixels.
    func transform(_ fft: RealFFT, positions: [Double], sigmaPixels: [Double],
                   re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let nf = fft.frequencyCount
        for f in 0..<nf { re[f] = 0; im[f] = 0 }
        let total = relativeFlux.reduce(0, +)
        for c in airAngstrom.indices {
            let a = relativeFlux[c] / total
            var e = GaussianPhaseFactor(fft, centre: positions[c], sigma: sigmaPixels[c])
            for f in 0..<nf {
                let (er, ei) = e.next()
                let half = 0.5 * fft.omega(f)
                let box = f == 0 ? 1 : sin(half) / half
                re[f] += a * box * er
                im[f] += a * box * ei
            }
        }
    }
}

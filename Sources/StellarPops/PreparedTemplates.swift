import Foundation

/// SSP templates ready for fitting spectra of one velocity scale: converted from air to
/// vacuum wavelengths and rebinned, conserving flux, onto a grid uniform in ln λ whose step
/// is the galaxies' (ln 10 · 10⁻⁴ for SDSS, 69.03 km/s). Built once per velocity scale and
/// shared by every galaxy of that scale.
public struct PreparedTemplates: Sendable {
    /// Speed of light, km/s.
    public static let cKms = 299_792.458

    /// ln λ step of the grid.
    public let lnStep: Double
    /// ln of the vacuum wavelength (Å) at the centre of pixel 0.
    public let lnLambdaStart: Double
    /// Rebinned spectra, `fluxes[k][j]`, each scaled to median 1 over the whole grid.
    public let fluxes: [[Double]]
    /// The templates' own instrumental dispersion (km/s) at each pixel.
    public let sigmaTemplateKms: [Double]
    /// Age (Gyr) and [M/H] of template k.
    public let agesGyr: [Double]
    public let metallicities: [Double]
    /// Grid shape (template k = ageIndex · metallicityCount + metallicityIndex).
    public let ageCount: Int
    public let metallicityCount: Int

    /// Velocity scale of the grid, km/s per pixel.
    public var velocityScaleKms: Double { lnStep * Self.cKms }
    public var count: Int { fluxes.count }
    public var pixelCount: Int { fluxes.first?.count ?? 0 }
    /// ln λ at the centre of pixel j.
    public func lnLambda(_ j: Double) -> Double { lnLambdaStart + j * lnStep }
    /// log₁₀(age / yr) of template k.
    public func logAgeYr(_ k: Int) -> Double { log10(agesGyr[k] * 1e9) }

    public init(grid: SSPGrid, lnStep: Double) {
        precondition(lnStep > 0 && grid.wavelengthAngstrom.count > 1)
        self.lnStep = lnStep
        let airEdges = LogRebinning.edges(ofCentres: grid.wavelengthAngstrom)
        let vacEdges = airEdges.map(AirVacuum.vacuum(fromAir:))
        let lnFirstEdge = log(vacEdges.first!)
        let n = Int((log(vacEdges.last!) - lnFirstEdge) / lnStep)
        lnLambdaStart = lnFirstEdge + 0.5 * lnStep
        var out: [[Double]] = []
        for f in grid.fluxes {
            var r = LogRebinning.rebin(edges: vacEdges, flux: f.map(Double.init), lnStart: lnFirstEdge, lnStep: lnStep, count: n)
            let med = r.sorted()[n / 2]
            if med > 0 { for j in 0..<n { r[j] /= med } }
            out.append(r)
        }
        fluxes = out
        // Template resolution is defined in air; Δλ/λ is the same in air and vacuum to 3·10⁻⁴.
        let lnStart = lnLambdaStart
        sigmaTemplateKms = (0..<n).map { j in
            let vac = exp(lnStart + Double(j) * lnStep)
            let air = vac / (AirVacuum.vacuum(fromAir: vac) / vac)
            return grid.fwhmAngstrom(at: air) / (8 * log(2.0)).squareRoot() / air * Self.cKms
        }
        var ages: [Double] = [], mets: [Double] = []
        for a in grid.agesGyr { for m in grid.metallicities { ages.append(a); mets.append(m) } }
        agesGyr = ages
        metallicities = mets
        ageCount = grid.agesGyr.count
        metallicityCount = grid.metallicities.count
    }
}

import Foundation
import StellarPops

/// Nebular emission of star-forming galaxies, an option of the simulation: the strong optical
/// lines (vacuum wavelengths) with fixed ratios to Hα, and an Hα equivalent width proportional
/// to the share of r-band-window light from stars younger than 0.3 Gyr (150 Å for a purely
/// young population — typical of star-forming SDSS galaxies). Dust attenuates lines like the
/// continuum; they are broadened with the stars.
public enum EmissionLines {
    /// (vacuum wavelength Å, flux relative to Hα).
    public static let lines: [(Double, Double)] = [
        (3727.09, 0.30), (3729.88, 0.40), (4341.69, 0.165), (4862.69, 0.35), (4960.30, 0.06), (5008.24, 0.18),
        (6549.86, 0.13), (6564.61, 1.0), (6585.27, 0.40), (6718.29, 0.17), (6732.67, 0.12),
    ]

    /// Hα equivalent width (Å) for a population.
    public static func hAlphaEW(_ p: StellarPopulation, grid: SSPGrid) -> Double {
        let l = p.lightFractions(grid: grid, window: 5500...7000)
        let nZ = grid.metallicities.count
        let young = l.indices.filter { grid.agesGyr[$0 / nZ] < 0.3 }.reduce(0) { $0 + l[$1] }
        return 150 * young
    }

    /// Adds the lines to a rest-frame spectrum on the library's fine log grid (in place).
    /// Lines are narrow here (one fine pixel, Gaussian σ 0.5 pixel); the velocity broadening
    /// applied later gives them the galaxy's width.
    public static func add(to flux: inout [Double], library: TemplateLibrary, ewHAlpha: Double, ebv: Double) {
        guard ewHAlpha > 0 else { return }
        func index(_ lam: Double) -> Double { (log10(lam) - library.log10Start) / library.log10Step }
        let ha = Int(index(6564.61).rounded())
        let cont = (ha - 60...ha + 60).filter { flux.indices.contains($0) }.map { flux[$0] }.sorted()
        guard !cont.isEmpty else { return }
        let haFlux = ewHAlpha * cont[cont.count / 2]  // continuum (per Å) × EW (Å)
        for (lam, ratio) in lines {
            let x = index(lam)
            let i0 = Int(x.rounded())
            // Spread the line's integrated flux over a few fine pixels; dividing by the pixel
            // width in Å keeps the integral equal to the line flux.
            let pixelAngstrom = lam * log(10) * library.log10Step
            var w: [(Int, Double)] = []
            for i in (i0 - 2)...(i0 + 2) where flux.indices.contains(i) { w.append((i, exp(-0.5 * pow((Double(i) - x) / 0.5, 2)))) }
            let s = w.reduce(0) { $0 + $1.1 }
            let f = haFlux * ratio * CalzettiDust.transmission(wavelengthAngstrom: lam, ebv: ebv)
                / CalzettiDust.transmission(wavelengthAngstrom: 6564.61, ebv: ebv)
            for (i, wt) in w { flux[i] += f * wt / s / pixelAngstrom }
        }
    }
}

import Foundation
import StellarPops
import XCTest

/// Gas emission lines fitted as Gaussian templates (`gas: .fit`), on the synthetic galaxy with
/// lines added here in the observed frame, independently of the fitter's templates. The gas
/// moves and is narrower than the stars (V 150 vs 120 km/s, σ 90 vs 180 km/s), as in real
/// galaxies, so it needs its own kinematic component.
final class GasTemplateTests: XCTestCase {
    /// (rest air wavelength Å, flux relative to Hα): [O III] and [N II] at their 3:1 ratios.
    static let injected: [(Double, Double)] = [
        (3726.03, 0.3), (3728.82, 0.4), (4861.33, 0.35), (4958.92, 0.2), (5006.84, 0.6),
        (6548.03, 0.4 / 3), (6562.80, 1), (6583.41, 0.4), (6716.47, 0.17), (6730.85, 0.12),
    ]

    func testRecoversStarsAndHAlphaFluxWithLinesFitted() throws {
        let syn = try SyntheticGalaxy.shared()
        let c = SyntheticGalaxy.c, z = SyntheticGalaxy.z, v = SyntheticGalaxy.vTrue, sigma = SyntheticGalaxy.sigmaTrue
        let vGas = 150.0, sigmaGas = 90.0
        let lambda = syn.loglam.map { pow(10, $0) }
        func observed(_ air: Double) -> Double { AirVacuum.vacuum(fromAir: air) * (1 + z) * exp(vGas / c) }
        // Hα equivalent width 15 Å against the (noiseless) stellar continuum around it.
        let iHa = lambda.indices.min { abs(lambda[$0] - observed(6562.80)) < abs(lambda[$1] - observed(6562.80)) }!
        let continuum = Array(syn.obs[(iHa - 40)...(iHa + 40)]).sorted()[40]
        let fluxHa = 15 * continuum
        var flux = syn.obs
        for (air, ratio) in Self.injected {
            let centre = observed(air)
            let p = lambda.indices.min { abs(lambda[$0] - centre) < abs(lambda[$1] - centre) }!
            let sigmaInstrKms = Double(syn.wdisp[p]) * log(10.0) * 1e-4 * c
            let sigmaAngstrom = centre * (sigmaGas * sigmaGas + sigmaInstrKms * sigmaInstrKms).squareRoot() / c
            // Each pixel gets the mean flux density over its extent (edges half a log step away).
            for i in lambda.indices where abs(lambda[i] - centre) < 8 * sigmaAngstrom {
                let lo = lambda[i] * pow(10, -0.5e-4), hi = lambda[i] * pow(10, 0.5e-4)
                let share = 0.5 * (erf((hi - centre) / (sigmaAngstrom * 2.0.squareRoot())) - erf((lo - centre) / (sigmaAngstrom * 2.0.squareRoot())))
                flux[i] += fluxHa * ratio * share / (hi - lo)
            }
        }
        let seed: UInt64 = 31
        var options = FitOptions()
        options.gas = .fit
        let spec = try FitSpectrum(sdss: syn.spectrum(flux: flux, seed: seed), templates: syn.templates, options: options)
        XCTAssertEqual(spec.goodCount, spec.count, "no pixel masked with gas: .fit")
        let r = try GalaxyFitter(templates: syn.templates, spectrum: spec, options: options).fit()
        // The same noise draw without lines, lines masked: the reference for the stellar labels.
        var plain = FitOptions()
        plain.maskEmissionLines = false
        let cleanSpec = try FitSpectrum(sdss: syn.spectrum(seed: seed), templates: syn.templates, options: plain)
        let clean = try GalaxyFitter(templates: syn.templates, spectrum: cleanSpec, options: plain).fit()
        let ha = try XCTUnwrap(r.gasLines.firstIndex { $0.name == "Halpha" })
        print(String(format: "gas fit: V %.2f σ %.2f log age %.4f [M/H] %.4f χ²/dof %.3f; no lines: V %.2f σ %.2f log age %.4f [M/H] %.4f χ²/dof %.3f; Hα flux %.4g injected %.4g",
                     r.velocityKms, r.sigmaKms, r.logAgeYr, r.metallicity, r.chi2PerDof,
                     clean.velocityKms, clean.sigmaKms, clean.logAgeYr, clean.metallicity, clean.chi2PerDof, r.gasFluxes[ha], fluxHa))
        for (line, f) in zip(r.gasLines, r.gasFluxes) { print("  \(line.name): \(f)") }
        print(String(format: "  gas V %.2f σ %.2f", r.gasVelocityKms, r.gasSigmaKms))
        XCTAssertTrue(r.converged)
        XCTAssertEqual(r.chi2PerDof, 1, accuracy: 0.1, "lines modelled down to the noise")
        XCTAssertEqual(r.gasFluxes[ha], fluxHa, accuracy: 0.1 * fluxHa)
        XCTAssertEqual(r.velocityKms, v, accuracy: 12)
        XCTAssertEqual(r.gasVelocityKms, vGas, accuracy: 5)
        XCTAssertEqual(r.gasSigmaKms, sigmaGas, accuracy: 0.1 * sigmaGas)
        XCTAssertEqual(r.sigmaKms, sigma, accuracy: 0.09 * sigma)
        XCTAssertEqual(r.logAgeYr, clean.logAgeYr, accuracy: 0.05)
        XCTAssertEqual(r.metallicity, clean.metallicity, accuracy: 0.05)
        // Weights stay light fractions of the stars alone (Σw ≈ 1 for a median-normalised spectrum).
        XCTAssertEqual(r.weights.count, syn.templates.count)
        // [O III] 5007 (3:1 doublet) and Hβ are recovered as well; Hδ, Hγ and [O I] were not injected.
        let o3 = try XCTUnwrap(r.gasLines.firstIndex { $0.name == "OIII5007d" })
        XCTAssertEqual(r.gasFluxes[o3], 0.8 * fluxHa, accuracy: 0.1 * 0.8 * fluxHa)
        let oi = try XCTUnwrap(r.gasLines.firstIndex { $0.name == "OI6300" })
        XCTAssertLessThan(r.gasFluxes[oi], 0.05 * fluxHa)
    }
}

import Foundation
import StellarPops
import XCTest

/// The Monte Carlo against the scatter it is meant to estimate: fits of independent noise
/// realisations of the same synthetic galaxy.
final class MonteCarloModeTests: XCTestCase {
    static func std(_ v: [Double]) -> Double {
        let m = v.reduce(0, +) / Double(v.count)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }

    func testModelMonteCarloMatchesTheScatterOverIndependentNoise() throws {
        let syn = try SyntheticGalaxy.shared()
        var options = FitOptions()
        options.maskEmissionLines = false
        let count = 24
        var velocities: [Double] = [], sigmas: [Double] = []
        for seed in 0..<count {
            let spec = try FitSpectrum(sdss: syn.spectrum(seed: 5000 + UInt64(seed)), templates: syn.templates, options: options)
            let r = try GalaxyFitter(templates: syn.templates, spectrum: spec, options: options).fit()
            velocities.append(r.velocityKms); sigmas.append(r.sigmaKms)
        }
        let knownV = Self.std(velocities), knownSigma = Self.std(sigmas)
        let spec = try FitSpectrum(sdss: syn.spectrum(seed: 77), templates: syn.templates, options: options)
        let fitter = try GalaxyFitter(templates: syn.templates, spectrum: spec, options: options)
        let best = try fitter.fit()
        let model = fitter.monteCarlo(best: best, realisations: count, seed: 99, mode: .model)
        let data = fitter.monteCarlo(best: best, realisations: count, seed: 99, mode: .data)
        print(String(format: "scatter over %d independent noise draws: V %.2f σ %.2f km/s; MC model: V %.2f σ %.2f (χ²/dof %.3f); MC data: V %.2f σ %.2f (χ²/dof %.3f)",
                     count, knownV, knownSigma, model.velocityStdKms, model.sigmaStdKms, model.chi2PerDofMean,
                     data.velocityStdKms, data.sigmaStdKms, data.chi2PerDofMean))
        XCTAssertEqual(model.failures, 0)
        XCTAssertEqual(data.failures, 0)
        // Standard deviations from 24 draws each: ±15 % (1σ) apiece, so ±45 % on the ratio is ~2σ.
        XCTAssertEqual(model.velocityStdKms / knownV, 1, accuracy: 0.45)
        XCTAssertEqual(model.sigmaStdKms / knownSigma, 1, accuracy: 0.45)
        // Each model-mode realisation has the noise the fit assumes; each data-mode one twice its variance.
        XCTAssertEqual(model.chi2PerDofMean, 1, accuracy: 0.05)
        XCTAssertEqual(data.chi2PerDofMean, 2, accuracy: 0.1)
        // Yet the parameters scatter alike in both modes (same noise draws, seed 99): where the
        // fit is linear in the noise, the observed draw only shifts every realisation by the
        // same amount. Data mode does not inflate the scatter by √2.
        XCTAssertEqual(data.velocityStdKms / model.velocityStdKms, 1, accuracy: 0.2)
        XCTAssertEqual(data.sigmaStdKms / model.sigmaStdKms, 1, accuracy: 0.2)
    }
}

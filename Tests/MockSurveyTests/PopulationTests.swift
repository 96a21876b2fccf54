import Foundation
import MockSurvey
import StellarPops
import SurveyIO
import TestSupport
import XCTest

/// Stellar populations, photometry and the truth they define. Loads the E-MILES grid once.
final class PopulationTests: XCTestCase {
    static let grid: SSPGrid = try! SSPGrid.load(.eMiles, selection: .all)
    static let filters: [String: FilterCurve] = try! SDSSFilters.load()
    var grid: SSPGrid { Self.grid }

    func testSingleSSPTruthIsThatSSP() {
        for (a, m) in [(0, 0), (12, 4), (24, 5), (20, 2)] {
            let p = StellarPopulation.single(age: a, metallicity: m, grid: grid)
            let lw = p.luminosityWeighted(grid: grid, window: TemplateLibrary.labelWindowAngstrom)
            XCTAssertEqual(lw.logAgeYr, log10(grid.agesGyr[a] * 1e9), accuracy: 1e-12)
            XCTAssertEqual(lw.metallicity, grid.metallicities[m], accuracy: 1e-12)
        }
    }

    /// Two SSPs with equal mass: the light weights follow from the SSPs' mean fluxes, computed
    /// here by hand from the grid.
    func testLightWeightingByHand() {
        var w = [Double](repeating: 0, count: grid.fluxes.count)
        let young = 5 * 6 + 4, old = 22 * 6 + 4
        w[young] = 0.5; w[old] = 0.5
        let lw = StellarPopulation(massWeights: w).luminosityWeighted(grid: grid, window: 3540...7400)
        func mean(_ j: Int) -> Double {
            let idx = grid.wavelengthAngstrom.indices.filter { (3540...7400).contains(grid.wavelengthAngstrom[$0]) }
            return idx.reduce(0) { $0 + Double(grid.fluxes[j][$1]) } / Double(idx.count)
        }
        let ly = mean(young), lo = mean(old)
        let expected = (ly * log10(grid.agesGyr[5] * 1e9) + lo * log10(grid.agesGyr[22] * 1e9)) / (ly + lo)
        XCTAssertEqual(lw.logAgeYr, expected, accuracy: 1e-9)
        XCTAssertGreaterThan(ly, lo, "a young SSP outshines an old one per unit mass")
    }

    func testDelayedTauMassAndMetallicity() {
        let p = StellarPopulation.delayedTau(formationLookbackGyr: 10, tauGyr: 1, burstAgeGyr: nil, burstMassFraction: 0,
                                             metallicity: -0.3, metallicitySpread: 0.1, enrichmentSlope: 0, grid: grid)
        XCTAssertEqual(p.massWeights.reduce(0, +), 1, accuracy: 1e-12)
        let mw = p.massWeighted(grid: grid)
        XCTAssertEqual(mw.metallicity, -0.3, accuracy: 1e-6, "linear split between grid metallicities keeps the mean")
        // SFR peaks τ after formation: most mass is older than 5 Gyr.
        XCTAssertGreaterThan(mw.logAgeYr, log10(5e9))
        let nZ = grid.metallicities.count
        let tooOld = p.massWeights.indices.filter { grid.agesGyr[$0 / nZ] > 13 }.reduce(0) { $0 + p.massWeights[$1] }
        XCTAssertEqual(tooOld, 0, "no stars older than the formation time")
    }

    /// g−r and r−i of the SSPs at z = 0 through the SDSS filters against the Vazdekis et al.
    /// (2012) SDSS magnitude table shipped with pPXF (MIUSCAT SEDs, AB).
    func testSSPColoursAgainstPublishedTable() throws {
        let path = TemplateCache().directory(of: TemplateCache.eMiles) + "/ppxf/miles_models/Vazdekis2012_ssp_sdss_miuscat_UN1.30_v9.txt"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var table: [String: (gr: Double, ri: Double)] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {  // the file has CRLF endings
            let f = line.split(separator: " ").compactMap { Double($0) }
            guard f.count >= 12 else { continue }
            table[String(format: "%.2f_%.4f", f[1], f[2])] = (f[8], f[9])  // [slope, [M/H], age, u, g, r, i, u−g, g−r, r−i, …]
        }
        XCTAssertGreaterThan(table.count, 300, "rows parsed from \(path)")
        let g = Self.filters["g"]!, r = Self.filters["r"]!, i = Self.filters["i"]!
        var worst = 0.0, compared = 0
        for a in grid.agesGyr.indices {
            for m in grid.metallicities.indices {
                guard let ref = table[String(format: "%.2f_%.4f", grid.metallicities[m], grid.agesGyr[a])] else { continue }
                let f = grid.flux(age: a, metallicity: m).map(Double.init)
                let w = grid.wavelengthAngstrom
                let mg = g.abMagnitude(wavelengthAngstrom: w, fluxDensity: f)
                let mr = r.abMagnitude(wavelengthAngstrom: w, fluxDensity: f)
                let mi = i.abMagnitude(wavelengthAngstrom: w, fluxDensity: f)
                worst = max(worst, abs((mg - mr) - ref.gr), abs((mr - mi) - ref.ri))
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 100)
        XCTAssertLessThan(worst, 0.05, "largest colour difference \(worst) mag over \(compared) SSPs")
        print("SSP colours vs Vazdekis 2012 table: \(compared) SSPs, largest |Δ(g−r)|, |Δ(r−i)| = \(String(format: "%.3f", worst)) mag")
    }

    /// AB magnitude by hand: a flat f_ν = 3631 Jy spectrum has m_AB = 0 in every band.
    func testABZeroPoint() {
        let w = stride(from: 3000.0, through: 11000, by: 1).map { $0 }
        let f = w.map { 3631e-23 * 2.99792458e18 / ($0 * $0) }
        for b in ["g", "r", "i"] {
            XCTAssertEqual(Self.filters[b]!.abMagnitude(wavelengthAngstrom: w, fluxDensity: f), 0, accuracy: 1e-4)
        }
    }

    func testCalzettiAndCosmologyByHand() {
        // Calzetti et al. (2000): k(V = 5500 Å) = 4.05 ≈ R_V within the fit's accuracy; k rises to the blue.
        XCTAssertEqual(CalzettiDust.k(wavelengthAngstrom: 5500), 4.05, accuracy: 0.1)
        XCTAssertGreaterThan(CalzettiDust.k(wavelengthAngstrom: 4000), CalzettiDust.k(wavelengthAngstrom: 7000))
        // Flat ΛCDM (70, 0.3): D_L(z = 0.1) = 460.0 Mpc (standard calculators, e.g. Wright 2006).
        XCTAssertEqual(FlatLambdaCDM().luminosityDistanceMpc(z: 0.1), 460.0, accuracy: 0.5)
    }
}

final class EmissionLineTests: XCTestCase {
    /// The added Hα line integrates to EW × continuum (a hand calculation on a flat spectrum).
    func testLineFluxEqualsEWTimesContinuum() {
        let lib = TemplateLibrary(grid: PopulationTests.grid)
        var flux = [Double](repeating: 2.0, count: lib.count)
        EmissionLines.add(to: &flux, library: lib, ewHAlpha: 50, ebv: 0)
        let i0 = Int(((log10(6564.61) - lib.log10Start) / lib.log10Step).rounded())
        var integral = 0.0
        for i in (i0 - 3)...(i0 + 3) { integral += (flux[i] - 2) * lib.wavelength(i) * log(10) * lib.log10Step }
        XCTAssertEqual(integral, 50 * 2, accuracy: 0.5)
        // Old populations get no lines.
        XCTAssertEqual(EmissionLines.hAlphaEW(StellarPopulation.single(age: 24, metallicity: 3, grid: lib.grid), grid: lib.grid), 0)
    }
}

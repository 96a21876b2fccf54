import Foundation
import Spectra
import SurveyIO
import TestSupport
import XCTest

final class ResamplingTests: XCTestCase {
    let pre = SpectrumPreprocessing.paper

    /// NumPy-`interp`-style reference written independently: for each grid point, scan for the
    /// bracketing good pixels, interpolate, then min–max normalise.
    func reference(_ s: SDSSSpectrum) -> [Double] {
        let bad = pre.badPixels(of: s)
        let good = s.loglam.indices.filter { !bad[$0] }
        let x = good.map { pow(10, s.loglam[$0]) }, y = good.map { Double(s.flux[$0]) }
        let v: [Double] = (3830...8000).map { lam -> Double in
            let p = Double(lam)
            for k in 0..<(x.count - 1) where x[k] <= p && p <= x[k + 1] {
                return y[k] + (p - x[k]) / (x[k + 1] - x[k]) * (y[k + 1] - y[k])
            }
            return p < x[0] ? y[0] : y[y.count - 1]
        }
        let lo = v.min()!, hi = v.max()!
        return v.map { ($0 - lo) / (hi - lo) }
    }

    func testGridHas4171Points() {
        XCTAssertEqual(WavelengthGrid.paper.count, 4171)
        XCTAssertEqual(WavelengthGrid.paper.wavelength(0), 3830)
        XCTAssertEqual(WavelengthGrid.paper.wavelength(4170), 8000)
    }

    func testFixturesAgainstIndependentInterpolation() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.spectraDirectory).sorted() {
            let s = try SDSSSpectrum(contentsOf: Fixtures.spectraDirectory + "/" + name)
            let v = try pre.resample(s)
            XCTAssertEqual(v.count, 4171)
            XCTAssertEqual(v.min(), 0, name)
            XCTAssertEqual(v.max(), 1, name)
            XCTAssertTrue(v.allSatisfy { $0.isFinite })
            let ref = reference(s)
            for lam in [3830, 3831, 4000, 4861, 5000, 5577, 6563, 7000, 7999, 8000] {
                XCTAssertEqual(Double(v[lam - 3830]), ref[lam - 3830], accuracy: 2e-6, "\(name) at \(lam) Å")
            }
            let maxDiff = zip(v, ref).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThan(maxDiff, 2e-6, name)
        }
    }

    /// A hand calculation: flux = wavelength on a coarse grid is exactly linear, so the result
    /// must be (λ − 3830) / 4170 at every grid point.
    func testLinearSpectrumByHand() throws {
        let loglam = stride(from: log10(3700.0), through: log10(9000.0), by: 1e-4).map { $0 }
        let flux = loglam.map { Float(pow(10, $0)) }
        var s = spectrum(loglam: loglam, flux: flux)
        let v = try pre.resample(s)
        for i in stride(from: 0, to: 4171, by: 417) {
            XCTAssertEqual(Double(v[i]), Double(i) / 4170, accuracy: 1e-4)
        }
        // A NaN flux pixel and a zero-ivar pixel are bridged, not propagated.
        s.flux[2000] = .nan
        s.ivar[2100] = 0
        s.flux[2100] = 1e6
        let w = try pre.resample(s)
        XCTAssertTrue(w.allSatisfy { $0.isFinite })
        XCTAssertEqual(w.max(), 1)
        for i in stride(from: 0, to: 4171, by: 7) {
            XCTAssertEqual(Double(w[i]), Double(i) / 4170, accuracy: 1e-4, "bridging a linear spectrum keeps it linear")
        }
    }

    func testRejections() {
        let loglam = stride(from: log10(3900.0), through: log10(9000.0), by: 1e-4).map { $0 }
        let short = spectrum(loglam: loglam, flux: loglam.map { _ in 1 })
        XCTAssertThrowsError(try pre.resample(short)) { e in
            XCTAssertTrue("\(e)".contains("not the whole 3830–8000 Å range"), "\(e)")
        }
        let full = stride(from: log10(3700.0), through: log10(9000.0), by: 1e-4).map { $0 }
        var dead = spectrum(loglam: full, flux: full.map { _ in 1 })
        dead.ivar = dead.ivar.map { _ in 0 }
        XCTAssertThrowsError(try pre.resample(dead)) { e in
            XCTAssertTrue("\(e)".hasPrefix("no valid pixels"), "\(e)")
        }
        let flat = spectrum(loglam: full, flux: full.map { _ in 3 })
        XCTAssertThrowsError(try pre.resample(flat)) { e in
            XCTAssertTrue("\(e)".hasPrefix("flat"), "\(e)")
        }
        var mostlyBad = spectrum(loglam: full, flux: full.map { Float($0) })
        for i in 0..<(full.count * 3 / 4) { mostlyBad.andMask[i] = 1 << 24 }  // NODATA
        XCTAssertThrowsError(try pre.resample(mostlyBad)) { e in
            XCTAssertTrue("\(e)".contains("of pixels are bad"), "\(e)")
        }
    }

    func spectrum(loglam: [Double], flux: [Float]) -> SDSSSpectrum {
        SDSSSpectrum(loglam: loglam, flux: flux, ivar: flux.map { _ in 1 }, andMask: flux.map { _ in 0 },
                     wdisp: flux.map { _ in 1 },
                     object: SpecObject(z: 0.1, zWarning: 0, snMedian: [10, 10, 10, 10, 10], snMedianAll: 10,
                                        plugRA: 0, plugDec: 0, vdispKms: 100, objectClass: "GALAXY"))
    }
}

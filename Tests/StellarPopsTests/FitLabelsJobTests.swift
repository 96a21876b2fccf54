import Foundation
import StellarPops
import SurveyIO
import TestSupport
import XCTest

/// The job over the fixture catalog: CSV and FITS outputs, a failure with its reason, and
/// the same Monte Carlo numbers for the same seed whatever the thread count.
final class FitLabelsJobTests: XCTestCase {
    func testFixtureCatalogWithAMissingFile() throws {
        let dir = Fixtures.scratchDirectory("fit-labels")
        // The fixture catalog plus one row naming a file that does not exist.
        var text = try String(contentsOfFile: Fixtures.catalogPath, encoding: .utf8)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "spec-9999-99999-9999.fits,none.jpg,0,0,0.1,0,10,10,100\n"
        try text.write(toFile: dir + "/catalog.csv", atomically: true, encoding: .utf8)
        var job = FitLabelsJob(catalogPath: dir + "/catalog.csv", spectraDirectory: Fixtures.spectraDirectory, outputPath: dir + "/labels.csv")
        job.monteCarloRealisations = 3
        job.showProgress = false
        job.threads = 2
        let rows = try job.run()
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.prefix(4).filter { $0.status == "ok" }.count, 4)
        XCTAssertEqual(rows[4].status, "failed")
        XCTAssertFalse(rows[4].reason.isEmpty)
        let csv = try Catalog(contentsOf: dir + "/labels.csv")
        XCTAssertEqual(csv.count, 5)
        let ages = try csv.column("log_age_yr")
        for a in ages.prefix(4) { XCTAssertTrue((Double(a) ?? 0) > 8.5 && (Double(a) ?? 0) < 10.3, a) }
        XCTAssertEqual(ages[4], "")
        // The FITS table, read back with the independent parser: 5 rows, the expected columns.
        let raw = try RawFITS(path: dir + "/labels.fits")
        let fitsAges = try XCTUnwrap(raw.column("LOG_AGE_YR", in: "FITLABELS"))
        XCTAssertEqual(fitsAges.count, 5)
        for i in 0..<4 { XCTAssertEqual(fitsAges[i], rows[i].result!.logAgeYr, accuracy: 1e-12) }
        XCTAssertTrue(fitsAges[4].isNaN)
        // Same seed, one thread: identical Monte Carlo errors.
        job.threads = 1
        job.outputPath = dir + "/labels1.csv"
        let rows1 = try job.run()
        for (a, b) in zip(rows, rows1) { XCTAssertEqual(a.monteCarlo?.logAgeStd, b.monteCarlo?.logAgeStd) }
    }

    func testGasFitWritesKinematicsAndLineFluxColumns() throws {
        let dir = Fixtures.scratchDirectory("fit-labels-gas")
        var job = FitLabelsJob(catalogPath: Fixtures.catalogPath, spectraDirectory: Fixtures.spectraDirectory, outputPath: dir + "/labels.csv")
        job.options.gas = .fit
        job.showProgress = false
        let rows = try job.run()
        XCTAssertEqual(rows.filter { $0.status == "ok" }.count, 4)
        let csv = try Catalog(contentsOf: dir + "/labels.csv")
        let raw = try RawFITS(path: dir + "/labels.fits")
        for name in ["gas_velocity_kms", "gas_sigma_kms", "gas_flux_halpha", "gas_flux_oiii5007d", "gas_flux_nii6583d"] {
            let text = try csv.column(name)
            let fits = try XCTUnwrap(raw.column(name.uppercased(), in: "FITLABELS"), name)
            for i in 0..<4 {
                let v = try XCTUnwrap(Double(text[i]), "\(name) row \(i)")
                XCTAssertEqual(v, fits[i], accuracy: 1e-5 * max(1, abs(v)), name)
            }
        }
        // The fixture with the strongest lines (spec-1542, χ²/dof 1.9 before clipping with
        // lines masked) has Hα in emission; every flux is non-negative.
        let ha = try csv.column("gas_flux_halpha").map { Double($0)! }
        XCTAssertTrue(ha.allSatisfy { $0 >= 0 })
        XCTAssertGreaterThan(ha.max()!, 10)
    }
}

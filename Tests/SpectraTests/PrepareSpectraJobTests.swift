import Foundation
import Spectra
import SurveyIO
import TestSupport
import XCTest

final class PrepareSpectraJobTests: XCTestCase {
    /// Fixtures plus every kind of bad file in one folder: the good ones come through, each bad
    /// one is recorded with its reason, and the run carries on.
    func testFixturesWithBadFiles() throws {
        let dir = Fixtures.scratchDirectory()
        let spectra = dir + "/spectra"
        try FileManager.default.createDirectory(atPath: spectra, withIntermediateDirectories: true)
        var rows: [[String]] = []
        for row in try Fixtures.catalogRows() {
            let name = row["spec_file"]!
            try FileManager.default.copyItem(atPath: Fixtures.spectraDirectory + "/" + name, toPath: spectra + "/" + name)
            rows.append([name])
        }
        let source = try Data(contentsOf: URL(fileURLWithPath: Fixtures.spectraDirectory + "/spec-0390-51900-0104.fits"))
        try source.prefix(source.count / 3).write(to: URL(fileURLWithPath: spectra + "/spec-truncated.fits"))
        var dead = try SDSSSpectrum(contentsOf: Fixtures.spectraDirectory + "/spec-0390-51900-0104.fits")
        dead.ivar = dead.ivar.map { _ in 0 }
        try dead.write(to: spectra + "/spec-zero-ivar.fits")
        var highZ = dead
        highZ.ivar = highZ.ivar.map { _ in 1 }
        highZ.object.z = 0.45
        try highZ.write(to: spectra + "/spec-high-z.fits")
        rows += [["spec-truncated.fits"], ["spec-zero-ivar.fits"], ["spec-missing.fits"], ["spec-high-z.fits"]]
        try Catalog(columns: ["spec_file"], rows: rows).write(to: dir + "/catalog.csv")

        var job = PrepareSpectraJob(catalogPath: dir + "/catalog.csv", spectraDirectory: spectra, outputDirectory: dir + "/out")
        job.showProgress = false
        job.threads = 2
        let summary = try job.run()
        XCTAssertEqual(summary.total, 8)
        XCTAssertEqual(summary.accepted, 4)
        XCTAssertEqual(summary.fileErrors, 2)

        let npy = try NPYArray<Float>(contentsOf: dir + "/out/spectra.npy")
        XCTAssertEqual(npy.shape, [4, 4171])
        // Row order follows the catalog, and each row equals the single-spectrum result.
        let first = try SpectrumPreprocessing.paper.resample(SDSSSpectrum(contentsOf: spectra + "/" + rows[0][0]))
        XCTAssertEqual(Array(npy.values[0..<4171]), first)

        let out = try Catalog(contentsOf: dir + "/out/catalog.csv")
        let reasons = try out.column("reject_reason")
        XCTAssertEqual(try out.column("accepted"), ["true", "true", "true", "true", "false", "false", "false", "false"])
        XCTAssertEqual(try out.column("spectrum_index"), ["0", "1", "2", "3", "-1", "-1", "-1", "-1"])
        XCTAssertFalse(reasons[4].isEmpty, "truncated file has a reason")
        XCTAssertTrue(reasons[5].hasPrefix("no valid pixels"), reasons[5])
        XCTAssertEqual(reasons[6], "file not found")
        XCTAssertTrue(reasons[7].hasPrefix("redshift z = 0.45 above 0.3"), reasons[7])

        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["counts"] as! [String: Int])["accepted"], 4)
        XCTAssertEqual((manifest["inputs"] as! [String: String]).count, 8, "catalog + 7 existing files")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted(),
                       ["catalog.csv", "manifest.json", "spectra.npy"], "no temporary files left")
    }

    func testNothingReadableIsAnError() throws {
        let dir = Fixtures.scratchDirectory()
        try Catalog(columns: ["spec_file"], rows: [["spec-a.fits"], ["spec-b.fits"]]).write(to: dir + "/catalog.csv")
        var job = PrepareSpectraJob(catalogPath: dir + "/catalog.csv", spectraDirectory: dir, outputDirectory: dir + "/out")
        job.showProgress = false
        XCTAssertThrowsError(try job.run()) { e in
            XCTAssertTrue("\(e)".contains("none of the 2 spectra could be read"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/spectra.npy"))
    }

    func testMissingCatalogColumn() throws {
        let dir = Fixtures.scratchDirectory()
        try Catalog(columns: ["file"], rows: [["x"]]).write(to: dir + "/catalog.csv")
        let job = PrepareSpectraJob(catalogPath: dir + "/catalog.csv", spectraDirectory: dir, outputDirectory: dir + "/out")
        XCTAssertThrowsError(try job.run()) { e in
            XCTAssertTrue("\(e)".contains("missing column 'spec_file'"), "\(e)")
        }
    }

    func testThreadCountDoesNotChangeResults() throws {
        var one = PrepareSpectraJob(catalogPath: nil, spectraDirectory: Fixtures.spectraDirectory,
                                    outputDirectory: Fixtures.scratchDirectory() + "/a")
        one.threads = 1
        one.showProgress = false
        var two = one
        two.threads = 2
        two.outputDirectory = Fixtures.scratchDirectory() + "/b"
        XCTAssertEqual(try one.run().accepted, 4)
        _ = try two.run()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one.outputDirectory + "/spectra.npy")),
                       try Data(contentsOf: URL(fileURLWithPath: two.outputDirectory + "/spectra.npy")))
    }
}

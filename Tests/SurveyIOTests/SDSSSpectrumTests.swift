import Foundation
import SurveyIO
import TestSupport
import XCTest

final class SDSSSpectrumTests: XCTestCase {
    /// Z, ZWARNING and r-band S/N of the four real fixtures agree with the fixtures' catalog.
    func testFixtureSpecObjMatchesCatalog() throws {
        let rows = try Fixtures.catalogRows()
        XCTAssertEqual(rows.count, 4)
        for row in rows {
            let s = try SDSSSpectrum(contentsOf: Fixtures.spectraDirectory + "/" + row["spec_file"]!)
            XCTAssertEqual(s.object.z, Double(row["z"]!)!, accuracy: 1e-6, row["spec_file"]!)
            XCTAssertEqual(Int(s.object.zWarning), Int(row["zwarning"]!)!)
            XCTAssertEqual(s.object.snMedianR, Double(row["snr_r"]!)!, accuracy: 1e-3)
            XCTAssertEqual(s.object.snMedianAll, Double(row["snr_median_all"]!)!, accuracy: 1e-3)
            XCTAssertEqual(s.object.vdispKms, Double(row["vdisp"]!)!, accuracy: 0.01)
            XCTAssertEqual(s.object.plugRA, Double(row["ra"]!)!, accuracy: 1e-5)
            XCTAssertEqual(s.object.objectClass, "GALAXY")
        }
    }

    /// The first and last wavelength equal 10^loglam computed from the raw table bytes by a
    /// reader independent of cfitsio; columns agree element by element.
    func testWavelengthAxisAgainstIndependentParser() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.spectraDirectory).sorted() {
            let path = Fixtures.spectraDirectory + "/" + name
            let s = try SDSSSpectrum(contentsOf: path)
            let raw = try RawFITS(path: path)
            let loglam = try XCTUnwrap(raw.column("loglam", in: "COADD"))
            let flux = try XCTUnwrap(raw.column("flux", in: "COADD"))
            XCTAssertEqual(s.count, loglam.count)
            let w = s.wavelengthAngstrom
            XCTAssertEqual(w.first!, pow(10, loglam.first!), accuracy: 1e-9)
            XCTAssertEqual(w.last!, pow(10, loglam.last!), accuracy: 1e-9)
            XCTAssertEqual(s.flux.map(Double.init), flux)
            XCTAssertEqual(try XCTUnwrap(raw.column("SN_MEDIAN", in: "SPECOBJ"))[2], s.object.snMedianR)
        }
        // Values stated in platform.md for one fixture.
        let s = try SDSSSpectrum(contentsOf: Fixtures.spectraDirectory + "/spec-0389-51795-0269.fits")
        XCTAssertEqual(s.count, 3822)
        XCTAssertEqual(s.loglam[0], 3.5811, accuracy: 1e-4)
        XCTAssertEqual(s.object.z, 0.084793321788311, accuracy: 1e-12)
    }

    func testWriteThenReadRoundTrip() throws {
        let dir = Fixtures.scratchDirectory()
        let original = try SDSSSpectrum(contentsOf: Fixtures.spectraDirectory + "/spec-1291-52735-0285.fits")
        let path = dir + "/spec-0001-50000-0001.fits"
        try original.write(to: path)
        let back = try SDSSSpectrum(contentsOf: path)
        XCTAssertEqual(back.flux, original.flux)
        XCTAssertEqual(back.ivar, original.ivar)
        XCTAssertEqual(back.andMask, original.andMask)
        XCTAssertEqual(back.loglam.map(Float.init), original.loglam.map(Float.init))
        XCTAssertEqual(Float(back.object.z), Float(original.object.z))
        XCTAssertEqual(back.object.snMedian.map(Float.init), original.object.snMedian.map(Float.init))
        XCTAssertEqual(back.object.objectClass, "GALAXY")
        // No temporary files are left beside the output.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["spec-0001-50000-0001.fits"])
    }

    // MARK: Bad input

    func testMissingFile() {
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: "/nonexistent/spec-1.fits")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "file not found")
        }
    }

    func testTruncatedFile() throws {
        let dir = Fixtures.scratchDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.spectraDirectory + "/spec-0389-51795-0269.fits"))
        for keep in [100, 2880 * 2, data.count / 2] {
            let path = dir + "/truncated-\(keep).fits"
            try data.prefix(keep).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SDSSSpectrum(contentsOf: path), "kept \(keep) bytes") { e in
                let err = e as? SurveyIOError
                XCTAssertEqual(err?.path, path)
                XCTAssertFalse(err?.reason.isEmpty ?? true)
            }
        }
    }

    func testGarbageFile() throws {
        let path = Fixtures.scratchDirectory() + "/spec-garbage.fits"
        try Data((0..<10000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: path)) { e in
            XCTAssertTrue((e as? SurveyIOError)?.reason.contains("not a readable FITS file") ?? false, "\(e)")
        }
    }

    func testMissingHDUAndColumn() throws {
        let dir = Fixtures.scratchDirectory()
        // A file with COADD but no SPECOBJ.
        let noSpecObj = dir + "/no-specobj.fits"
        try AtomicFile.produce(noSpecObj) { tmp in
            let f = try FITSFile(creatingAt: tmp)
            try f.writeEmptyPrimary()
            try f.writeBinaryTable(extname: "COADD", columns: [
                FITSColumn("flux", .float32([1, 2, 3])), FITSColumn("loglam", .float32([3.6, 3.6001, 3.6002])),
                FITSColumn("ivar", .float32([1, 1, 1])), FITSColumn("and_mask", .int32([0, 0, 0])),
                FITSColumn("wdisp", .float32([1, 1, 1])),
            ])
            try f.close()
        }
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: noSpecObj)) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "no HDU named SPECOBJ")
        }
        // A file with SPECOBJ but no COADD.
        let noCoadd = dir + "/no-coadd.fits"
        try AtomicFile.produce(noCoadd) { tmp in
            let f = try FITSFile(creatingAt: tmp)
            try f.writeEmptyPrimary()
            try f.writeBinaryTable(extname: "SPECOBJ", columns: [FITSColumn("Z", .float32([0.1]))])
            try f.close()
        }
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: noCoadd)) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "no HDU named COADD")
        }
        // A COADD without ivar.
        let noIvar = dir + "/no-ivar.fits"
        try AtomicFile.produce(noIvar) { tmp in
            let f = try FITSFile(creatingAt: tmp)
            try f.writeEmptyPrimary()
            try f.writeBinaryTable(extname: "COADD", columns: [
                FITSColumn("flux", .float32([1, 2])), FITSColumn("loglam", .float32([3.6, 3.6001])),
            ])
            try f.close()
        }
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: noIvar)) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "no column ivar in HDU COADD")
        }
    }
}

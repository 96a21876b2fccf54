import Foundation
import StellarPops
import SurveyIO
import TestSupport
import XCTest

/// Spectra with a few corrupted values (issue 14: `fit-labels` asked for 3·10¹⁸ bytes on
/// one): every size taken from the file is bounded, and the galaxy fails with a reason or is
/// fitted, never traps.
final class CorruptedSpectrumTests: XCTestCase {
    static let path = Fixtures.spectraDirectory + "/spec-0389-51795-0269.fits"
    static let templates: PreparedTemplates = {
        PreparedTemplates(grid: try! SSPGrid.load(.miles, selection: .paper), lnStep: FitLabelsJob.sdssLnStep)
    }()

    func fit(_ s: SDSSSpectrum) -> FitLabelsRow {
        FitLabelsJob.fit(s, templates: Self.templates, options: FitOptions(), monteCarlo: 0, seed: 1)
    }

    /// wdisp sets the smoothing kernels' width: corrupted values are treated as missing.
    func testHugeWdispIsIgnored() throws {
        var s = try SDSSSpectrum(contentsOf: Self.path)
        let clean = fit(s)
        XCTAssertNotEqual(clean.status, "failed", clean.reason)
        for i in stride(from: 100, to: 3000, by: 97) { s.wdisp[i] = 3e15 }
        s.wdisp[5] = .infinity
        let corrupted = fit(s)
        XCTAssertNotEqual(corrupted.status, "failed", corrupted.reason)
        // A few pixels took the median dispersion instead of their own: the labels barely move.
        XCTAssertEqual(corrupted.result!.logAgeYr, clean.result!.logAgeYr, accuracy: 0.02)
        s.wdisp = s.wdisp.map { _ in 1e30 }
        XCTAssertEqual(fit(s).reason, "no valid wdisp (instrumental dispersion) values")
    }

    /// A COADD header claiming 10¹² rows fails before anything is allocated.
    func testCorruptedRowCountIsBounded() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path)))
        let card = Array("NAXIS2  =".utf8)
        // Every NAXIS2 card (COADD's, SPECOBJ's, …) set to 10¹² rows.
        var patched = 0
        var i = 0
        while i + 80 <= bytes.count {
            if Array(bytes[i..<(i + 9)]) == card {
                let value = Array(String(repeating: " ", count: 7) + "1000000000000".padding(toLength: 13, withPad: " ", startingAt: 0)).map { UInt8(ascii: $0.unicodeScalars.first!) }
                bytes.replaceSubrange((i + 10)..<(i + 30), with: value)
                patched += 1
            }
            i += 80
        }
        XCTAssertGreaterThan(patched, 0)
        let path = Fixtures.scratchDirectory() + "/spec-rows.fits"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: path)) { e in
            let reason = (e as? SurveyIOError)?.reason ?? ""
            XCTAssertTrue(reason.contains("more than any SDSS spectrum") || reason.contains("limit"), reason)
        }
    }

    /// Wavelengths out of order or out of range are a file problem with the row named.
    func testLoglamIsChecked() throws {
        var s = try SDSSSpectrum(contentsOf: Self.path)
        let dir = Fixtures.scratchDirectory()
        s.loglam[812] = s.loglam[810]
        try s.write(to: dir + "/spec-unordered.fits")
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: dir + "/spec-unordered.fits")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "loglam not strictly increasing at row 813")
        }
        s = try SDSSSpectrum(contentsOf: Self.path)
        s.loglam[0] = 12
        try s.write(to: dir + "/spec-far.fits")
        XCTAssertThrowsError(try SDSSSpectrum(contentsOf: dir + "/spec-far.fits")) { e in
            XCTAssertTrue((e as? SurveyIOError)?.reason.hasPrefix("loglam 12.0 at row 1 is outside the plausible") ?? false, "\(e)")
        }
    }
}

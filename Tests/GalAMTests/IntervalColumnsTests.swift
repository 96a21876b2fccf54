import Foundation
@testable import GalAM
import SurveyIO
import TestSupport
import XCTest

/// The calibrated columns of `predict`'s output round-trip through CSV and FITS, the FITS
/// table records the method in its header and carries no unit for log quantities (astropy
/// reads it without a warning), and the CSV gets its manifest.
final class IntervalColumnsTests: XCTestCase {
    static let rows: [[String]] = [
        ["a.jpg", "", "multimodal_learned", "9.51234", "-0.25000", "9.40000", "9.62000", "9.30000", "9.71000",
         "-0.35000", "-0.15000", "-0.45000", "-0.05000", "3.2100", "false", "false", "true", "", ""],
        ["b.jpg", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "false", "image: blended", ""],
        ["c.jpg", "spec-0001-51000-0001.fits", "spectra_only", "10.10000", "0.10000", "10.00000", "10.20000", "9.90000", "10.30000",
         "0.00000", "0.20000", "-0.10000", "0.30000", "41.5000", "true", "true", "true", "", ""],
    ]

    func writer(_ path: String) throws -> PredictionWriter {
        let w = try PredictionWriter(path: path, columns: PredictJob.columns)
        w.keywords = [("CALMETH", "split-conformal, normalised score", "interval method"), ("OODTHR", "12.5000", "ood threshold")]
        w.manifest = ["interval_method": "split-conformal test"]
        try w.append(Array(Self.rows[0..<2]))
        try w.append([Self.rows[2]])
        try w.finish()
        return w
    }

    func testColumnsRoundTripThroughCSV() throws {
        let dir = Fixtures.scratchDirectory("intervals-csv"), path = dir + "/p.csv"
        _ = try writer(path)
        let c = try Catalog(contentsOf: path)
        XCTAssertEqual(c.columns, PredictJob.columns.map(\.rawValue))
        XCTAssertEqual(c.rows, Self.rows)
        for name in ["log_age_lo68", "log_age_hi68", "log_age_lo95", "log_age_hi95", "mh_lo68", "mh_hi68", "mh_lo95", "mh_hi95", "ood_score", "ood_flag"] {
            XCTAssertTrue(c.columns.contains(name), name)
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + ".manifest.json"))) as! [String: String]
        XCTAssertEqual(manifest["interval_method"], "split-conformal test")
        XCTAssertFalse(FileManager.default.fileExists(atPath: AtomicFile.temporaryPath(for: path)))
    }

    func testColumnsRoundTripThroughFITSAndAstropyIsSilent() throws {
        let dir = Fixtures.scratchDirectory("intervals-fits"), path = dir + "/p.fits"
        _ = try writer(path)
        let f = try FITSFile(readingAt: path)
        try f.moveToHDU(named: "PREDICTIONS")
        XCTAssertEqual(try f.rowCount(), 3)
        for (j, name) in PredictJob.columns.enumerated() where PredictionWriter.numeric.contains(name) {
            let v: [Double] = try f.readColumn(name.rawValue.uppercased())
            for (k, row) in Self.rows.enumerated() {
                if let x = Double(row[j]) { XCTAssertEqual(v[k], x, accuracy: 1e-12, name.rawValue) } else { XCTAssertTrue(v[k].isNaN, name.rawValue) }
            }
        }
        XCTAssertEqual(try f.readString("OOD_FLAG", row: 3), "true")
        XCTAssertEqual(try f.readString("MODEL", row: 1), "multimodal_learned")
        XCTAssertEqual(try f.keywordString("CALMETH"), "split-conformal, normalised score")
        try f.close()

        // astropy: no unit warning (log quantities carry no TUNIT), the comments say what the columns are.
        let out = try Fixtures.python("""
        import warnings
        warnings.simplefilter("error")
        from astropy.table import Table
        from astropy.io import fits
        t = Table.read("\(path)", hdu="PREDICTIONS")
        h = fits.getheader("\(path)", "PREDICTIONS")
        names = [h["TTYPE%d" % i] for i in range(1, h["TFIELDS"] + 1)]
        i = names.index("LOG_AGE_LO68") + 1
        print(len(t), t["LOG_AGE_LO68"][0], t["OOD_SCORE"][2], str(t["OOD_FLAG"][2]).strip(), h["CALMETH"])
        print(h.comments["TTYPE%d" % i])
        print(any(k.startswith("TUNIT") for k in h.keys()))
        """)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "3 9.4 41.5 true split-conformal, normalised score")
        XCTAssertEqual(lines.dropFirst().first, "log10(age/yr) light-weighted, 68% low")
        XCTAssertEqual(lines.last, "False")
    }

    func testCropSizeRecoversTheNearestNeighbourUpsampling() {
        // A 6 × 4 px crop of distinct pixels, nearest-neighbour resized to 24 × 24 (3 channels).
        let size = 24, w = 6, h = 4
        var img = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let sx = x * w / size, sy = y * h / size
                for c in 0..<3 { img[(y * size + x) * 3 + c] = UInt8(10 + sx * 30 + sy * 7 + c) }
            }
        }
        XCTAssertEqual(DifficultyDescriptors.cropSize(image: img, size: size, channels: 3), sqrt(24), accuracy: 1e-12)
        // Every pixel distinct (the galaxy was larger than the image): capped at the image size.
        let noisy = (0..<(size * size * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        XCTAssertEqual(DifficultyDescriptors.cropSize(image: noisy, size: size, channels: 3), 24, accuracy: 1e-12)
        XCTAssertEqual(DifficultyDescriptors.brightness(image: [0, 0, 10, 20] as [UInt8]), 15)
    }
}

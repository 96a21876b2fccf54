@testable import Archive
import Foundation
import SurveyIO
import XCTest

/// The SQL answer's parser, row validation, URL building and the retry arithmetic.
final class SelectionParsingTests: XCTestCase {
    func testCSVWithPreambleQuotesAndMalformedRows() throws {
        let text = "#Table1\r\n# another comment\r\nplate,mjd,fiberID,run2d,ra,dec,note\r\n"
            + "389,51795,269,26,3.468576,-0.396696,\"a, quoted \"\"note\"\"\"\r\n"
            + "390,51900,104,26,5.79056,-0.603954\r\n"
            + "\r\n"
            + "391,51900,\"105,26,1,2,x\r\n"
        let t = try SkyServerCSV(parsing: text, source: "test")
        XCTAssertEqual(t.header, ["plate", "mjd", "fiberID", "run2d", "ra", "dec", "note"])
        XCTAssertEqual(t.rows.count, 1)
        XCTAssertEqual(t.rows[0].fields[6], "a, quoted \"note\"")
        XCTAssertEqual(t.rows[0].line, 4)
        XCTAssertEqual(t.malformed.map(\.line), [5, 7])
        XCTAssertEqual(t.malformed[0].reason, "6 fields, the header has 7")
        XCTAssertEqual(t.malformed[1].reason, "unbalanced quotes")
    }

    func testErrorPagesAndErrorAnswersAreErrors() {
        let html = "\n  <!DOCTYPE html><html><head><title>Server Error</title></head><body>oops</body></html>"
        XCTAssertThrowsError(try SkyServerCSV(parsing: html, source: "sql")) { e in
            XCTAssertTrue("\(e)".contains("HTML page") && "\(e)".contains("Server Error"), "\(e)")
        }
        XCTAssertEqual(ResponseCheck.errorPage(in: Data("<?xml version='1.0'?><error/>".utf8)), "an XML document instead of data")
        XCTAssertNil(ResponseCheck.errorPage(in: Data("SIMPLE  =                    T".utf8)))
        XCTAssertThrowsError(try SkyServerCSV(parsing: "#Table1\nError: Incorrect syntax near 'FORM'\n", source: "sql"))
        XCTAssertThrowsError(try SkyServerCSV(parsing: "", source: "sql"))
        XCTAssertThrowsError(try SelectionColumns(header: ["plate", "mjd"], source: "sql")) { e in
            XCTAssertTrue("\(e)".contains("fiberid, run2d, ra, dec"), "\(e)")
        }
    }

    func testRowsAreValidatedBeforeTheyNameFiles() throws {
        let c = try SelectionColumns(header: ["specObjID", "plate", "mjd", "fiberID", "run2d", "ra", "dec", "petroR90_r"], source: "t")
        let good = try c.row(["438086690530617344", "389", "51795", "269", "26", "3.468576", "-0.396696", "7.5"]).get()
        XCTAssertEqual(good.specFile, "spec-0389-51795-0269.fits")
        XCTAssertEqual(good.imageFile, "3.468576_-0.396696.jpg")
        XCTAssertEqual(good.petroR90r, 7.5)
        XCTAssertEqual(try c.row(["", "10000", "55000", "1000", "v5_13_0", "359.9", "89", "-9999"]).get().petroR90r, nil)
        let bad: [([String], String)] = [
            (["1", "0", "51795", "269", "26", "3", "0", "1"], "plate"),
            (["1", "389", "123", "269", "26", "3", "0", "1"], "mjd"),
            (["1", "389", "51795", "1001", "26", "3", "0", "1"], "fiberID"),
            (["1", "389", "51795", "2.5", "26", "3", "0", "1"], "fiberID"),
            (["1", "389", "51795", "269", "../etc", "3", "0", "1"], "run2d"),
            (["1", "389", "51795", "269", "..", "3", "0", "1"], "run2d"),
            (["1", "389", "51795", "269", "26/x", "3", "0", "1"], "run2d"),
            (["1", "389", "51795", "269", "26", "inf", "0", "1"], "ra"),
            (["1", "389", "51795", "269", "26", "361", "0", "1"], "ra"),
            (["1", "389", "51795", "269", "26", "3", "-91", "1"], "dec"),
            (["-5", "389", "51795", "269", "26", "3", "0", "1"], "specObjID"),
        ]
        for (fields, what) in bad {
            guard case .failure(let p) = c.row(fields) else { XCTFail("accepted \(fields)"); continue }
            XCTAssertTrue(p.reason.hasPrefix(what), "\(p.reason) for \(fields)")
        }
    }

    func testURLsFollowEachRowsRun2dAndTheRelease() throws {
        let e = try ArchiveEndpoints(skyServer: "http://mirror.example/", sas: "https://sas.example/sas", release: 16)
        XCTAssertEqual(e.spectrum(plate: 389, mjd: 51795, fiber: 269, run2d: "26", kind: .lite),
                       "https://sas.example/sas/dr16/sdss/spectro/redux/26/spectra/lite/0389/spec-0389-51795-0269.fits")
        XCTAssertEqual(e.spectrum(plate: 10_000, mjd: 58_000, fiber: 12, run2d: "v5_13_0", kind: .full),
                       "https://sas.example/sas/dr16/eboss/spectro/redux/v5_13_0/spectra/full/10000/spec-10000-58000-0012.fits")
        XCTAssertEqual(e.cutout(ra: 3.468576, dec: -0.396696, scale: 0.396127, width: 128, height: 128),
                       "http://mirror.example/dr16/SkyServerWS/ImgCutout/getjpeg?ra=3.468576&dec=-0.396696&scale=0.396127&width=128&height=128")
        let sql = e.sqlSearch("SELECT TOP 1 * FROM SpecObj WHERE class = 'GALAXY'")
        XCTAssertTrue(sql.hasPrefix("http://mirror.example/dr16/SkyServerWS/SearchTools/SqlSearch?cmd=SELECT%20TOP%201%20%2A"), sql)
        XCTAssertTrue(sql.hasSuffix("&format=csv"))
        for bad in ["ftp://x", "not a url", "http://x/?q=1"] {
            XCTAssertThrowsError(try ArchiveEndpoints(skyServer: bad), bad)
        }
    }

    func testPaperQueryPagesBySpecObjID() {
        let q = SelectionQuery(kind: .paper(extraConditions: ["s.z < 0.1"]), pageSize: 1000)
        let first = q.page(after: nil), next = q.page(after: 42)
        for part in ["SELECT TOP 1000", "s.class = 'GALAXY'", "s.z BETWEEN 0.002 AND 0.3", "s.zWarning = 0", "s.snMedian_r >= 5",
                     "s.run2d = '26'", "(s.z < 0.1)", "ORDER BY s.specObjID", "p.petroR90_r"] {
            XCTAssertTrue(first.contains(part), part)
        }
        XCTAssertFalse(first.contains("specObjID >"))
        XCTAssertTrue(next.contains("AND s.specObjID > 42 ORDER BY"))
        let custom = SelectionQuery(kind: .custom("SELECT plate FROM x"))
        XCTAssertEqual(custom.page(after: 5), "SELECT plate FROM x")
        XCTAssertFalse(custom.isPaged)
    }

    func testBackoffGrowsWithJitterAndRetryAfterIsRead() {
        var p = TransferPolicy()
        p.backoffBaseSeconds = 1
        p.backoffMaxSeconds = 10
        XCTAssertEqual(p.backoff(retry: 1, jitter: 0), 0.5)
        XCTAssertEqual(p.backoff(retry: 1, jitter: 0.999), 1, accuracy: 0.001)
        XCTAssertEqual(p.backoff(retry: 3, jitter: 0), 2)
        XCTAssertEqual(p.backoff(retry: 10, jitter: 0.999), 10, accuracy: 0.01)
        XCTAssertEqual(HTTPTransfer.retryAfterSeconds("120"), 120)
        XCTAssertNil(HTTPTransfer.retryAfterSeconds("soon"))
        let future = Date().addingTimeInterval(30)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        XCTAssertEqual(HTTPTransfer.retryAfterSeconds(f.string(from: future)) ?? -1, 30, accuracy: 2)
    }
}

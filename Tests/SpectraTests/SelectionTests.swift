import Spectra
import SurveyIO
import XCTest

final class SelectionTests: XCTestCase {
    func object(z: Double = 0.1, zWarning: Int32 = 0, snr: Double = 20) -> SpecObject {
        SpecObject(z: z, zWarning: zWarning, snMedian: [1, 2, snr, 4, 5], snMedianAll: snr,
                   plugRA: 0, plugDec: 0, vdispKms: 150, objectClass: "GALAXY")
    }

    func testPaperCuts() {
        let cuts = SelectionCuts.paper
        XCTAssertNil(cuts.reason(for: object()))
        XCTAssertNil(cuts.reason(for: object(z: 0.002)), "bounds are inclusive")
        XCTAssertNil(cuts.reason(for: object(z: 0.3)))
        XCTAssertNil(cuts.reason(for: object(snr: 5)))
        XCTAssertEqual(cuts.reason(for: object(z: 0.0019)), "redshift z = 0.0019 below 0.002")
        XCTAssertEqual(cuts.reason(for: object(z: 0.31)), "redshift z = 0.31 above 0.3")
        XCTAssertEqual(cuts.reason(for: object(zWarning: 4)), "ZWARNING = 4 (not 0)")
        XCTAssertEqual(cuts.reason(for: object(snr: 4.99)), "r-band S/N = 4.99 below 5")
        XCTAssertNotNil(cuts.reason(for: object(z: .nan)), "NaN never passes")
        XCTAssertNotNil(cuts.reason(for: object(snr: .nan)))
    }

    func testThresholdsAreOptions() {
        let loose = SelectionCuts(minRedshift: 0, maxRedshift: 1, requireZWarningZero: false, minSNR: 2)
        XCTAssertNil(loose.reason(for: object(z: 0.5, zWarning: 4, snr: 3)))
    }
}

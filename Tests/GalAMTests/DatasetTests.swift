import Foundation
import GalAM
import MockSurvey
import SurveyIO
import TestSupport
import XCTest

final class DatasetTests: XCTestCase {
    func testSplitCountsFollowSklearn() {
        for (n, expected) in [(100, [80, 10, 10]), (7, [5, 1, 1]), (1500, [1200, 150, 150]), (11, [8, 1, 2])] {
            let s = Split.assign(count: n, seed: 1)
            XCTAssertEqual([Split.train, .validation, .test].map { k in s.filter { $0 == k }.count }, expected, "n = \(n)")
        }
        XCTAssertEqual(Split.assign(count: 50, seed: 3), Split.assign(count: 50, seed: 3))
        XCTAssertNotEqual(Split.assign(count: 50, seed: 3), Split.assign(count: 50, seed: 4))
    }

    func testLabelScalerByHand() {
        let s = LabelScaler(fitting: [[8.5, -1.0], [10.0, 0.2], [9.0, 0.0]])
        XCTAssertEqual(s.scale([9.25, -0.4]), [0.5, 0.5])
        XCTAssertEqual(s.unscale([0.5, 0.5]), [9.25, -0.4])
        XCTAssertEqual(s.unscale(s.scale([9.7, 0.1]))[0], 9.7, accuracy: 1e-12)
    }

    func testPerSampleMinMax() {
        var v: ArraySlice<Float> = [2, 4, 3, 6]
        perSampleMinMax(&v)
        XCTAssertEqual(Array(v), [0, 0.5, 0.25, 1])
        var c: ArraySlice<Float> = [3, 3]
        perSampleMinMax(&c)
        XCTAssertEqual(Array(c), [0, 0])
    }

    /// A tiny simulated survey through `prepare`: the kept galaxies have both arrays, their
    /// labels are the truth, the rest carry reasons.
    func testPrepareOnSimulatedSurvey() throws {
        let (dir, data, s) = try smallPreparedSurvey("prep", count: 24, seed: 5, recordTruth: true)
        XCTAssertGreaterThan(s.accepted, 8)
        XCTAssertEqual(data.count, s.accepted)
        XCTAssertEqual(data.spectrumLength, 4171)
        XCTAssertEqual([data.imageSize, data.channels], [48, 3])
        let truth = try Catalog(contentsOf: dir + "/mock/truth.csv")
        let byName = Dictionary(uniqueKeysWithValues: zip(try truth.column("spec_file"), try truth.column("log_age_lw")))
        for (k, name) in try data.labels.column("spec_file").enumerated() {
            XCTAssertEqual(data.targets[k][0], Double(byName[name]!)!, accuracy: 1e-9)
            XCTAssertEqual(data.truth![k][0], data.targets[k][0])
        }
        let fates = try Catalog(contentsOf: dir + "/data/catalog.csv")
        let reasons = try fates.column("reject_reason"), accepted = try fates.column("accepted")
        XCTAssertEqual(accepted.filter { $0 == "true" }.count, s.accepted)
        for (a, r) in zip(accepted, reasons) { XCTAssertEqual(a == "true", r.isEmpty) }
        XCTAssertEqual(Set(data.splits).count, data.count >= 10 ? 3 : Set(data.splits).count)
        // Row k of each array belongs to galaxy k: the spectrum equals the one prepared alone.
        let spectrum0 = Array(data.spectra.row(0))
        XCTAssertEqual(spectrum0.min(), 0)
        XCTAssertEqual(spectrum0.max(), 1)
    }
}

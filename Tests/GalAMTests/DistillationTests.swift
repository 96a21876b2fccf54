import Foundation
import GalAM
import MockSurvey
import SurveyIO
import TestSupport
import XCTest

/// Distillation: M3's training targets are (1 − w)·label + w·M1's prediction, checked against
/// the predictions file (in physical units: the label scaling is affine per column).
final class DistillationTests: XCTestCase {
    func testM3TrainsTowardsTheMixOfLabelsAndM1() throws {
        let (dir, data, _) = try smallPreparedSurvey("distill")
        let result = try trainSmallModel(data, in: dir) { $0.distillation = 0.25 }
        let mixed = try NPYArray<Float>(contentsOf: dir + "/model/stages/m3-distillation-targets.npy")
        XCTAssertEqual(mixed.shape, [data.count, 2])
        let p = try Catalog(contentsOf: result.predictionsPath)
        let age = try p.doubles(.logAge), mh = try p.doubles(.mh)
        let m1Age = try p.doubles(Predictions.logAge(.spectraOnly)), m1Mh = try p.doubles(Predictions.mh(.spectraOnly))
        let scaler = LabelScaler(fitting: data.targets)
        for i in 0..<data.count {
            let got = scaler.unscale([Double(mixed.values[2 * i]), Double(mixed.values[2 * i + 1])])
            XCTAssertEqual(got[0], 0.75 * age[i] + 0.25 * m1Age[i], accuracy: 3e-5, "row \(i)")
            XCTAssertEqual(got[1], 0.75 * mh[i] + 0.25 * m1Mh[i], accuracy: 3e-5, "row \(i)")
        }
        // The distilled M3 is its own stage (another cache key than the labels-only M3's).
        let m3 = try FileManager.default.contentsOfDirectory(atPath: dir + "/model/stages").filter { $0.hasPrefix("m3-") && !$0.hasSuffix(".npy") }
        _ = try trainSmallModel(data, in: dir, onlyStage: .m3)
        let both = try FileManager.default.contentsOfDirectory(atPath: dir + "/model/stages").filter { $0.hasPrefix("m3-") && !$0.hasSuffix(".npy") }
        XCTAssertEqual(m3.count, 1)
        XCTAssertEqual(both.count, 2)
    }
}

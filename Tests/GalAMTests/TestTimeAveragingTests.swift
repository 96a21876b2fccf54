import Foundation
import GalAM
import NeuralNet
import SurveyIO
import TestSupport
import XCTest

/// Test-time averaging (`--test-time-averaging`): the image models' predictions are the mean
/// over the 8 dihedral transforms of the image, the same in `predictions.csv` (evaluation,
/// calibration) and in `predict`.
final class TestTimeAveragingTests: XCTestCase {
    /// By hand: over the 8 symmetries of a square the top-left pixel comes from each of the
    /// four corners twice, so a "model" that reads the top-left pixel averages to the corners'
    /// mean; without averaging it reads the image as it is.
    func testAveragingTheTopLeftPixelGivesTheMeanOfTheFourCorners() {
        let n = 3, channels = 2, count = 2, per = n * n * channels
        let images = (0..<(count * per)).map { Float(($0 * $0) % 17) }
        let topLeft = { (x: [Float]) -> [[Float]] in [(0..<count).flatMap { b in Array(x[(b * per)..<(b * per + channels)]) }] }
        let averaged = PaperModel.dihedralAverage(images: images, count: count, size: n, channels: channels, averaging: true) { topLeft($1) }[0]
        let plain = PaperModel.dihedralAverage(images: images, count: count, size: n, channels: channels, averaging: false) { topLeft($1) }[0]
        for b in 0..<count {
            for c in 0..<channels {
                let corners = [(0, 0), (0, 2), (2, 0), (2, 2)].map { images[b * per + ($0.0 * n + $0.1) * channels + c] }
                XCTAssertEqual(averaged[b * channels + c], corners.reduce(0, +) / 4, accuracy: 1e-6)
                XCTAssertEqual(plain[b * channels + c], images[b * per + c])
            }
        }
    }

    func testBatchTransformIsEachImageTransformed() {
        let n = 5, channels = 3, count = 3, per = n * n * channels
        let images: [Float] = (0..<(count * per)).map { Float($0) }
        for t in Dihedral.allCases {
            let batch = t.apply(toBatch: images, count: count, size: n, channels: channels)
            var one: [Float] = []
            for b in 0..<count {
                let image = Array(images[(b * per)..<((b + 1) * per)])
                one += t.apply(image, size: n, channels: channels)
            }
            XCTAssertEqual(batch, one, "\(t)")
        }
    }

    /// A model folder trained with test-time averaging: `predictions.csv`'s image-only column is
    /// the mean of M3 over the 8 transformed images (computed here transform by transform), it
    /// differs from M3 on the image alone, and `Predictor` (what predict runs) gives the
    /// multi-modal column.
    func testModelFolderAndPredictorAverageOverTheEightTransforms() throws {
        let (dir, data, _) = try smallPreparedSurvey("test-time-averaging")
        let result = try trainSmallModel(data, in: dir) { $0.testTimeAveraging = true }
        let info = try ModelInfo.load(directory: dir + "/model")
        XCTAssertEqual(info.config.testTimeAveraging, true)
        let m3 = PaperNetworks.m3(size: data.imageSize, channels: data.channels)
        try Checkpoint.load(into: m3, from: try info.checkpoint(.m3, in: dir + "/model", modelPath: dir + "/model/model.json"))
        let rows = Array(0..<data.count), images = data.images(rows)
        var sum = [Double](repeating: 0, count: 2 * rows.count)
        for t in Dihedral.allCases {
            let x = t.apply(toBatch: images, count: rows.count, size: data.imageSize, channels: data.channels)
            for (i, v) in infer(m3, inputs: [x], count: rows.count).enumerated() { sum[i] += Double(v) }
        }
        let identity = infer(m3, inputs: [images], count: rows.count)
        let scaler = info.scaler
        let p = try Catalog(contentsOf: result.predictionsPath)
        let age = try p.doubles(Predictions.logAge(.imageOnly)), mh = try p.doubles(Predictions.mh(.imageOnly))
        var largestChange = 0.0
        for i in rows {
            let expected = scaler.unscale([sum[2 * i] / 8, sum[2 * i + 1] / 8])
            XCTAssertEqual(age[i], expected[0], accuracy: 2e-5, "row \(i)")
            XCTAssertEqual(mh[i], expected[1], accuracy: 2e-5, "row \(i)")
            let plain = scaler.unscale([Double(identity[2 * i]), Double(identity[2 * i + 1])])
            largestChange = max(largestChange, abs(plain[0] - age[i]), abs(plain[1] - mh[i]))
        }
        XCTAssertGreaterThan(largestChange, 1e-4, "averaging should change some prediction")

        let predictor = try Predictor(modelDirectory: dir + "/model", threads: 1)
        let raw = rows.flatMap { Array(data.images.row($0)) }
        let predicted = predictor.predict(images: raw, count: rows.count)
        let multimodal = PaperModel.Name.multimodal(.learned)
        let mAge = try p.doubles(Predictions.logAge(multimodal)), mMH = try p.doubles(Predictions.mh(multimodal))
        for i in rows {
            XCTAssertEqual(predicted[i][0], mAge[i], accuracy: 2e-5, "row \(i)")
            XCTAssertEqual(predicted[i][1], mMH[i], accuracy: 2e-5, "row \(i)")
        }
    }
}

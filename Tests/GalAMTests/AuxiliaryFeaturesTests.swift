import Foundation
import GalAM
import NeuralNet
import SurveyIO
import TestSupport
import XCTest

/// The auxiliary-loss M3 (`--aux-features`): its targets are the labels beside M1's features,
/// and the paper's M3 cut from it says what its label columns say — in the model folder, in
/// `predictions.csv` and through `ModelSet` (what predict and calibrate load).
final class AuxiliaryFeaturesTests: XCTestCase {
    func testLossWeightsAreTheLabelMeanPlusWeightedFeatureMean() {
        let (training, validation) = AuxiliaryFeatures.lossWeights(weight: 10)
        XCTAssertEqual(training.count, 1026)
        // MSELoss averages over 1026 columns: Σ over the labels of w/1026 must be 1, over the
        // features 10.
        XCTAssertEqual(training.prefix(2).reduce(0, +) / 1026, 1, accuracy: 1e-6)
        XCTAssertEqual(training.dropFirst(2).reduce(0, +) / 1026, 10, accuracy: 1e-4)
        XCTAssertEqual(Array(validation.prefix(2)), Array(training.prefix(2)))
        XCTAssertEqual(validation.dropFirst(2).reduce(0, +), 0)
    }

    func testJoinedColumnReadsItsPartsSideBySide() throws {
        let dir = Fixtures.scratchDirectory("joined-column")
        let path = dir + "/f.npy"
        try NPYArray(shape: [4, 3], values: (0..<12).map(Float.init)).write(to: path)
        let joined = DatasetColumn.joined([.table([10, 11, 20, 21, 30, 31, 40, 41], width: 2), try .floats(path: path)])
        XCTAssertEqual(joined.width, 5)
        let source = DatasetSource(rows: [3, 1], inputs: [.table([0, 0, 0, 0], width: 1)], target: joined)
        var x = [Float](repeating: 0, count: 2), t = [Float](repeating: 0, count: 10)
        try x.withUnsafeMutableBufferPointer { xp in
            try t.withUnsafeMutableBufferPointer { try source.read([0, 1], inputs: [xp.baseAddress!], targets: $0.baseAddress!) }
        }
        XCTAssertEqual(t, [40, 41, 9, 10, 11, 20, 21, 3, 4, 5])
    }

    func testImageOnlyM3IsTheAuxiliaryNetworksLabelColumns() throws {
        let (dir, data, _) = try smallPreparedSurvey("aux-features")
        let result = try trainSmallModel(data, in: dir) { $0.auxiliaryFeatures = 10 }
        let info = try ModelInfo.load(directory: dir + "/model")
        let cut = try info.checkpoint(.m3, in: dir + "/model", modelPath: dir + "/model/model.json")
        XCTAssertEqual(cut.lastPathComponent, "image-only.safetensors")
        // The auxiliary network itself, from the stage's best weights.
        let aux = PaperNetworks.m3(size: data.imageSize, channels: data.channels, outputs: AuxiliaryFeatures.outputs)
        try Checkpoint.load(into: aux, from: cut.deletingLastPathComponent().appendingPathComponent("best.safetensors"))
        let rows = Array(0..<data.count)
        let y = infer(aux, inputs: [data.images(rows)], count: rows.count)
        let scaler = LabelScaler(fitting: data.targets)
        let expected = rows.map { scaler.unscale([Double(y[1026 * $0]), Double(y[1026 * $0 + 1])]) }
        let p = try Catalog(contentsOf: result.predictionsPath)
        let age = try p.doubles(Predictions.logAge(.imageOnly)), mh = try p.doubles(Predictions.mh(.imageOnly))
        let loaded = try ModelSet(modelDirectory: dir + "/model", threads: 1)
        let viaModelSet = try loaded.run(data, rows: rows).predictions[.imageOnly]!
        for i in rows {
            XCTAssertEqual(age[i], expected[i][0], accuracy: 1e-5, "row \(i)")
            XCTAssertEqual(mh[i], expected[i][1], accuracy: 1e-5, "row \(i)")
            XCTAssertEqual(viaModelSet[i][0], expected[i][0], accuracy: 1e-5, "row \(i)")
            XCTAssertEqual(viaModelSet[i][1], expected[i][1], accuracy: 1e-5, "row \(i)")
        }
        // Its validation loss counts the labels alone: the history's last value is the label
        // MSE of the validation split (scaled) plus the L2 terms.
        let va = data.indices(.validation)
        let yv = infer(aux, inputs: [data.images(va)], count: va.count)
        var squares = 0.0
        for (j, row) in va.enumerated() {
            let t = scaler.scale(data.targets[row])
            for c in 0..<2 { let d = Double(yv[1026 * j + c]) - t[c]; squares += d * d }
        }
        let history = try XCTUnwrap(result.histories.first { $0.name == PaperModel.Stage.m3.label }).history
        XCTAssertEqual(history.last!.validation, squares / Double(2 * va.count) + Regularizer.loss(aux.parameters), accuracy: 1e-5)
    }
}

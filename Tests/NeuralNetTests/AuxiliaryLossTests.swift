import Randomness
import XCTest
@testable import NeuralNet

/// MSE with a weight per output column — the loss of a network taught an auxiliary target
/// beside its labels — against a hand calculation, finite differences through a small CNN, and
/// the trainer's validation loss against a naive loop.
final class AuxiliaryLossTests: XCTestCase {
    func testWeightedMSEAgainstHandCalculation() {
        // Two samples, three columns; weights 1, 2, 0 (the last column left out).
        let y = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let t: [Float] = [0, 4, 9, 4, 2, -1]
        let loss = MSELoss(columnWeights: [1, 2, 0])
        // (1·1 + 2·4 + 0·36 + 1·0 + 2·9 + 0·49) / 6 = 27 / 6
        XCTAssertEqual(loss.loss(y, t), 27.0 / 6, accuracy: 1e-12)
        // 2·w·(y − t)/6
        let g = loss.gradient(y, t).values
        let expected: [Float] = [2.0 / 6, -8.0 / 6, 0, 0, 12.0 / 6, 0]
        for (a, b) in zip(g, expected) { XCTAssertEqual(a, b, accuracy: 1e-7) }
        // Padding rows count for nothing, as in the unweighted loss.
        XCTAssertEqual(loss.sumOfSquaredErrors(y, t, rows: 1), 9, accuracy: 1e-12)
        XCTAssertEqual(Array(loss.gradient(y, t, rows: 1).values[3...]), [0, 0, 0])
    }

    func testAuxiliaryNetworkGradientsPassFiniteDifferences() {
        // Two label columns and three auxiliary ones with their own weight, as
        // AuxiliaryFeatures weighs M3's labels and M1's features.
        let model = Sequential(inputShape: [6, 6, 2], layers: [
            Conv("c1", filters: 16, kernel: [3, 3], padding: .same, relu: true, l2: 1e-3),
            MaxPool("p", pool: [2, 2]),
            Flatten("f"),
            Dense("features", units: 8, relu: true),
            Dense("d", units: 5),
        ], seed: 9)
        let x = Tensor(shape: [3, 6, 6, 2], values: randomValues(216, seed: 10))
        let weights: [Float] = [2.5, 2.5, 4, 4, 4]
        checkNetworkGradients(model, input: x, target: randomValues(15, seed: 11), loss: MSELoss(columnWeights: weights))
    }

    func testValidationWeightsLeaveAuxiliaryColumnsOut() throws {
        // Targets: 2 label columns, then 3 auxiliary ones far from anything the network says,
        // so a validation loss that counted them would be large.
        var r = SplitMix64(seed: 3)
        let n = 20
        let xs = (0..<(n * 12)).map { _ in r.nextFloat() }
        var ts: [Float] = []
        for _ in 0..<n { ts += [r.nextFloat(), r.nextFloat(), 50, -50, 50] }
        let data = Dataset(inputs: [xs], targets: ts, count: n)
        let model = Sequential(inputShape: [12], layers: [Dense("h", units: 6, relu: true, l2: 1e-3), Dense("d", units: 5)], seed: 2)
        let trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-3), seed: 1, batchSize: 8)
        trainer.validationLossWeights = [2.5, 2.5, 0, 0, 0]
        let y = try trainer.predict(data)
        var naive = 0.0
        for i in 0..<n { for c in 0..<2 { let d = Double(y[5 * i + c]) - Double(ts[5 * i + c]); naive += d * d } }
        let expected = naive / Double(2 * n) + Regularizer.loss(model.parameters)
        XCTAssertEqual(try trainer.evaluate(data), expected, accuracy: 1e-9 * max(1, expected))
        // One step with training weights: the auxiliary columns, weighted 0, change nothing.
        let twin = Sequential(inputShape: [12], layers: [Dense("h", units: 6, relu: true, l2: 1e-3), Dense("d", units: 5)], seed: 2)
        let masked = Trainer(model: twin, optimizer: Adam(learningRate: 1e-3), seed: 1, batchSize: 8)
        masked.trainingLossWeights = [2.5, 2.5, 0, 0, 0]
        var moved = ts
        for i in 0..<n { moved[5 * i + 2] = -7; moved[5 * i + 4] = 3 }
        let other = Sequential(inputShape: [12], layers: [Dense("h", units: 6, relu: true, l2: 1e-3), Dense("d", units: 5)], seed: 2)
        let control = Trainer(model: other, optimizer: Adam(learningRate: 1e-3), seed: 1, batchSize: 8)
        control.trainingLossWeights = [2.5, 2.5, 0, 0, 0]
        try masked.trainStep(data, Array(0..<8))
        try control.trainStep(Dataset(inputs: [xs], targets: moved, count: n), Array(0..<8))
        XCTAssertEqual(twin.parameters.flatMap { $0.read() }, other.parameters.flatMap { $0.read() })
    }
}

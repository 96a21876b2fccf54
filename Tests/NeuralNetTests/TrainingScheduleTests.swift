import Foundation
import XCTest
@testable import NeuralNet

/// The dihedral transforms against numpy's definitions written out by hand; early stopping
/// and the learning-rate schedules against hand calculations; early stopping's restore
/// against a run of exactly the best epoch's length.
final class TrainingScheduleTests: XCTestCase {
    /// A 3×3 image with values 1…9 (row-major) under each transform, as numpy gives them:
    /// rot90(a, k) for the rotations, fliplr, a.T, flipud and rot90(a.T, 2) for the mirrors.
    func testDihedralTransformsMatchNumpyDefinitions() {
        let a: [Int] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let expected: [Dihedral: [Int]] = [
            .identity: a,
            .rotate90: [3, 6, 9, 2, 5, 8, 1, 4, 7],        // np.rot90(a)
            .rotate180: [9, 8, 7, 6, 5, 4, 3, 2, 1],       // np.rot90(a, 2)
            .rotate270: [7, 4, 1, 8, 5, 2, 9, 6, 3],       // np.rot90(a, 3)
            .flipColumns: [3, 2, 1, 6, 5, 4, 9, 8, 7],     // np.fliplr(a)
            .transpose: [1, 4, 7, 2, 5, 8, 3, 6, 9],       // a.T
            .flipRows: [7, 8, 9, 4, 5, 6, 1, 2, 3],        // np.flipud(a)
            .antiTranspose: [9, 6, 3, 8, 5, 2, 7, 4, 1],   // np.rot90(a.T, 2)
        ]
        for t in Dihedral.allCases { XCTAssertEqual(t.apply(a, size: 3, channels: 1), expected[t], "\(t)") }
    }

    /// On a 6×6 image of 3 channels with all-distinct values: every transform is a
    /// permutation of the pixels that keeps each pixel's channels together, the 8 results
    /// differ, and each transform's inverse undoes it.
    func testDihedralTransformsArePixelPermutationsWithInverses() {
        let n = 6, ch = 3
        let image = (0..<(n * n * ch)).map { Int($0) }
        var seen = Set<[Int]>()
        for t in Dihedral.allCases {
            let out = t.apply(image, size: n, channels: ch)
            XCTAssertEqual(out.sorted(), image, "\(t) is not a permutation")
            for p in 0..<(n * n) {
                let first = out[p * ch]
                XCTAssertEqual(first % ch, 0, "\(t) splits a pixel's channels")
                XCTAssertEqual(Array(out[(p * ch)..<(p * ch + ch)]), [first, first + 1, first + 2])
            }
            XCTAssertEqual(t.inverse.apply(out, size: n, channels: ch), image, "\(t).inverse")
            let map = t.pixelMap(size: n)
            XCTAssertEqual(Set(map).count, n * n)
            seen.insert(out)
        }
        XCTAssertEqual(seen.count, 8)
        // Four quarter turns are the identity; two mirrors make a rotation.
        var x = image
        for _ in 0..<4 { x = Dihedral.rotate90.apply(x, size: n, channels: ch) }
        XCTAssertEqual(x, image)
        XCTAssertEqual(Dihedral.flipColumns.apply(Dihedral.transpose.apply(image, size: n, channels: ch), size: n, channels: ch),
                       Dihedral.rotate270.apply(image, size: n, channels: ch))
    }

    private func history(_ validation: [Double]) -> [EpochLoss] { validation.map { EpochLoss(train: 1, validation: $0) } }

    func testEarlyStoppingCountsEpochsSinceTheBest() {
        let h = history([5, 4, 3, 3.5, 3.2, 3.1])   // best at epoch 2, three epochs without a better one since
        XCTAssertEqual(EarlyStopping(patience: 3).bestEpoch(of: h), 2)
        XCTAssertTrue(EarlyStopping(patience: 3).shouldStop(after: h))
        XCTAssertFalse(EarlyStopping(patience: 4).shouldStop(after: h))
        XCTAssertFalse(EarlyStopping(patience: 1).shouldStop(after: []))
        // A tie is no improvement (Keras's min_delta 0 compares strictly).
        XCTAssertEqual(EarlyStopping(patience: 1).bestEpoch(of: history([2, 1, 1])), 1)
        XCTAssertTrue(EarlyStopping(patience: 1).shouldStop(after: history([2, 1, 1])))
    }

    /// Plateau: factor 0.5, patience 2, floor 0.1, validation 5, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3:
    /// waits 1, 2 at epochs 2, 3 → 0.5 from epoch 4; new best at 4; waits at 5, 6 → 0.25 from
    /// epoch 7; at 7, 8 → 0.125 from 9; at 9, 10 → 0.1 (the floor) from 11.
    func testPlateauScheduleByHand() {
        let h = history([5, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3])
        let s = LearningRateSchedule.reduceOnPlateau(factor: 0.5, patience: 2, minimum: 0.1)
        let rates = (0...12).map { s.rate(base: 1, epoch: $0, epochs: 100, history: h) }
        XCTAssertEqual(rates, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1, 0.1])
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, epoch: 7, epochs: 10, history: h), 0.3)
    }

    func testCosineScheduleByHand() {
        let s = LearningRateSchedule.cosine(minimum: 0.1)
        // base 1.1, minimum 0.1, 5 epochs: 0.1 + (1 + cos(π e/4))/2.
        let expected: [Float] = [1.1, 0.1 + Float((1 + cos(Double.pi / 4)) / 2), 0.6, 0.1 + Float((1 - cos(Double.pi / 4)) / 2), 0.1]
        for e in 0..<5 { XCTAssertEqual(s.rate(base: 1.1, epoch: e, epochs: 5, history: []), expected[e], accuracy: 1e-6) }
    }

    /// A model fitted to targets y while validated against −y gets worse on validation as it
    /// learns. With patience 2 it stops 2 epochs after its best and ends with the weights of
    /// an uninterrupted run of exactly best + 1 epochs (training is deterministic), bit for
    /// bit; the plateau schedule (patience 1) halves the rate after the first epoch without a
    /// new best, and each epoch's rate is recorded.
    func testEarlyStoppingRestoresTheBestWeights() throws {
        let n = 48
        let x = randomValues(n * 128, seed: 11), y = randomValues(n * 2, seed: 12)
        let train = Dataset(inputs: [x], targets: y, count: n)
        let validation = Dataset(inputs: [x], targets: y.map { -$0 }, count: n)
        let schedule = LearningRateSchedule.reduceOnPlateau(factor: 0.5, patience: 1, minimum: 1e-6)
        func trainer() -> Trainer {
            let t = Trainer(model: EngineScaleTests.net(seed: 4), optimizer: Adam(learningRate: 3e-3), seed: 6, batchSize: 16)
            t.schedule = schedule
            return t
        }
        let stopping = trainer()
        stopping.earlyStopping = EarlyStopping(patience: 2)
        try stopping.fit(train: train, validation: validation, epochs: 30)
        XCTAssertTrue(stopping.stoppedEarly)
        let best = try XCTUnwrap(EarlyStopping(patience: 2).bestEpoch(of: stopping.history))
        XCTAssertEqual(stopping.history.count, best + 3)
        XCTAssertEqual(stopping.bestValidation, stopping.history[best].validation)
        XCTAssertEqual(stopping.history[best + 1].learningRate, stopping.history[best].learningRate)
        XCTAssertEqual(stopping.history[best + 2].learningRate!, stopping.history[best].learningRate! / 2, accuracy: 1e-12)

        let reference = trainer()
        try reference.fit(train: train, validation: validation, epochs: best + 1)
        XCTAssertFalse(reference.stoppedEarly)
        XCTAssertTrue(zip(stopping.history.prefix(best + 1), reference.history).allSatisfy { $0.sameLosses(as: $1) })
        XCTAssertEqual(reference.history.count, best + 1)
        XCTAssertEqual(stopping.model.parameters.flatMap { $0.read() }, reference.model.parameters.flatMap { $0.read() })
        // Without early stopping the last epoch's weights stay: they differ from the best's.
        let last = trainer()
        try last.fit(train: train, validation: validation, epochs: best + 3)
        XCTAssertNotEqual(last.model.parameters.flatMap { $0.read() }, reference.model.parameters.flatMap { $0.read() })
    }
}

import Foundation
@testable import GalAM
import NeuralNet
import Randomness
import TestSupport
import XCTest

/// A stage interrupted after some epochs and run again resumes from its last saved state and
/// ends with the same weights and history as an uninterrupted run.
final class StageRunnerTests: XCTestCase {
    static func model() -> Network {
        Sequential(inputShape: [6], layers: [Dense("hidden", units: 8, relu: true), Dropout("dropout", rate: 0.1), Dense("out", units: 1)],
                   seed: 3)
    }

    static func data(_ n: Int, seed: UInt64) -> Dataset {
        var rng = SplitMix64(seed: seed)
        let x = (0..<(n * 6)).map { _ in rng.nextFloat() }
        let y = (0..<n).map { i in (0..<6).reduce(Float(0)) { $0 + x[i * 6 + $1] * Float($1 + 1) } / 21 }
        return Dataset(inputs: [x], targets: y, count: n)
    }

    func run(_ runner: StageRunner, epochs: Int = 6) throws -> (weights: [[Float]], outcome: StageRunner.Outcome) {
        let (model, outcome) = try runner.run(name: "toy", label: "toy", key: ["toy"], makeModel: Self.model,
                                              train: Self.data(96, seed: 1), validation: Self.data(32, seed: 2),
                                              epochs: epochs, learningRate: 1e-2, batchSize: 16, seed: 5)
        return (model.parameters.map { $0.read() }, outcome)
    }

    func testInterruptedStageResumesToTheSameWeights() throws {
        var plain = StageRunner(root: Fixtures.scratchDirectory("stage-plain"))
        plain.showProgress = false
        let reference = try run(plain)
        XCTAssertEqual(reference.outcome.history.count, 6)

        // Saving every epoch: interrupted after epoch 4, the rerun trains epochs 5 and 6 only.
        let (runner, dir) = try interrupted("stage-resume", saveInterval: 0, afterEpoch: 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/state.safetensors"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/done"))
        let resumed = try run(runner)
        XCTAssertEqual(resumed.outcome.resumedAfterEpoch, 4)
        XCTAssertEqual(resumed.weights, reference.weights)
        XCTAssertEqual(resumed.outcome.history.map(\.validation), reference.outcome.history.map(\.validation))

        // Saving at most once an hour: the interrupted run left no state, so the rerun starts
        // over, and still ends the same; a finished stage is then loaded from its cache.
        let (slow, slowDir) = try interrupted("stage-slow", saveInterval: 3600, afterEpoch: 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: slowDir + "/state.safetensors"))
        let restarted = try run(slow)
        XCTAssertEqual(restarted.outcome.resumedAfterEpoch, 0)
        XCTAssertEqual(restarted.weights, reference.weights)
        XCTAssertEqual(try run(slow).weights, reference.weights)
    }

    /// A runner in a fresh folder whose first run stops after `afterEpoch`; returns it (no
    /// longer interrupting) and the stage's folder.
    func interrupted(_ name: String, saveInterval: Double, afterEpoch: Int) throws -> (StageRunner, String) {
        var runner = StageRunner(root: Fixtures.scratchDirectory(name))
        runner.showProgress = false
        runner.stateSaveIntervalSeconds = saveInterval
        runner.interruptAfterEpoch = afterEpoch
        XCTAssertThrowsError(try run(runner))
        let dir = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: runner.root).first)
        runner.interruptAfterEpoch = nil
        return (runner, runner.root + "/" + dir)
    }

    /// Early stopping in a stage, validated against negated targets (validation gets worse as
    /// the model learns): interrupted after epoch 2 and resumed, it stops `patience` epochs
    /// after its best and keeps the best epoch's weights — those of a plain stage of exactly
    /// best + 1 epochs — and its stage folder differs from the plain stage's.
    func testEarlyStoppingStageResumesAndKeepsTheBestEpoch() throws {
        let train = Self.data(96, seed: 1), v = Self.data(32, seed: 2)
        let validation = Dataset(inputs: v.inputs, targets: v.targets.map { 1 - 3 * $0 }, count: 32)
        func stage(_ runner: StageRunner, epochs: Int, stopping: EarlyStopping?) throws -> ([[Float]], StageRunner.Outcome) {
            let (m, o) = try runner.run(name: "toy", label: "toy", key: ["toy"], makeModel: Self.model, train: train, validation: validation,
                                        epochs: epochs, learningRate: 1e-2, batchSize: 16, seed: 5, earlyStopping: stopping)
            return (m.parameters.map { $0.read() }, o)
        }
        var runner = StageRunner(root: Fixtures.scratchDirectory("stage-early"))
        runner.showProgress = false
        runner.stateSaveIntervalSeconds = 0
        runner.interruptAfterEpoch = 2
        let patience = EarlyStopping(patience: 3)
        XCTAssertThrowsError(try stage(runner, epochs: 40, stopping: patience))
        runner.interruptAfterEpoch = nil
        let (weights, outcome) = try stage(runner, epochs: 40, stopping: patience)
        XCTAssertEqual(outcome.resumedAfterEpoch, 2)
        let best = try XCTUnwrap(patience.bestEpoch(of: outcome.history))
        XCTAssertEqual(outcome.history.count, best + 4)
        XCTAssertLessThan(outcome.history.count, 40)

        var plain = StageRunner(root: runner.root)
        plain.showProgress = false
        let (reference, referenceOutcome) = try stage(plain, epochs: best + 1, stopping: nil)
        XCTAssertNotEqual(referenceOutcome.directory, outcome.directory)
        XCTAssertEqual(weights, reference)
        XCTAssertEqual(Array(outcome.history.prefix(best + 1)).map(\.validation), referenceOutcome.history.map(\.validation))
    }
}

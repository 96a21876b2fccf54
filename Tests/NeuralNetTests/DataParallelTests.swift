import Foundation
import XCTest
@testable import NeuralNet

/// The data-parallel algorithm without MPI: R trainers on R threads form a process group
/// whose sums go through shared memory, and must end where one trainer with the whole batch
/// ends. (The real thing, `mpirun -np 2 galam train`, is tested in MPITrainingCLITests.)
final class DataParallelTests: XCTestCase {
    /// Collectives over threads of one process: each rank posts its buffer, every rank adds
    /// all of them in rank order (so every rank gets the same bits), then writes its own.
    final class SharedMemory: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var arrived = 0, generation = 0
        var posted: [UnsafeMutableRawPointer?]

        init(size: Int) { self.size = size; posted = Array(repeating: nil, count: size) }

        func barrier() {
            condition.lock()
            let g = generation
            arrived += 1
            if arrived == size { arrived = 0; generation += 1; condition.broadcast() } else { while g == generation { condition.wait() } }
            condition.unlock()
        }
    }

    final class ThreadRank: ProcessGroup, @unchecked Sendable {
        let rank: Int
        let shared: SharedMemory
        var size: Int { shared.size }
        init(rank: Int, shared: SharedMemory) { self.rank = rank; self.shared = shared }

        private func allSum<T: FloatingPoint>(_ buffer: UnsafeMutablePointer<T>, count: Int) {
            shared.posted[rank] = UnsafeMutableRawPointer(buffer)
            shared.barrier()
            var total = [T](repeating: 0, count: count)
            for r in 0..<size {
                let p = shared.posted[r]!.assumingMemoryBound(to: T.self)
                for i in 0..<count { total[i] += p[i] }
            }
            shared.barrier()
            buffer.update(from: total, count: count)
        }

        func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int) { allSum(buffer, count: count) }
        func sum(_ buffer: UnsafeMutablePointer<Double>, count: Int) { allSum(buffer, count: count) }
        func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, from root: Int) {
            shared.posted[rank] = UnsafeMutableRawPointer(buffer)
            shared.barrier()
            if rank != root { buffer.update(from: shared.posted[root]!.assumingMemoryBound(to: Float.self), count: count) }
            shared.barrier()
        }
        func barrier() { shared.barrier() }
        func abort(message: String) -> Never { fatalError(message) }
    }

    /// The shares tile a batch in order and differ by at most one sample.
    func testSharesTileTheBatch() {
        for size in 1...5 {
            for count in 0...13 {
                let shared = SharedMemory(size: size)
                let shares = (0..<size).map { ThreadRank(rank: $0, shared: shared).share(of: count) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, count)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertLessThanOrEqual((shares.map(\.count).max() ?? 0) - (shares.map(\.count).min() ?? 0), 1)
            }
        }
    }

    /// 3 ranks, 2 epochs of 11 samples in batches of 5 (shares 1/2/2, and 0/0/1 for the last
    /// batch: a rank with nothing to do adds zero), dropout included: every rank ends with the
    /// same weights, and they equal one trainer's to float rounding of the reordered sums
    /// (2e-5 of the weights' change).
    func testThreeRanksEndWhereOneEnds() throws {
        let train = EngineScaleTests.data(11, seed: 3), validation = EngineScaleTests.data(4, seed: 8)
        @Sendable func fit(_ group: ProcessGroup) throws -> (weights: [Float], history: [EpochLoss]) {
            let model = EngineScaleTests.net(seed: 5, context: ComputeContext(threads: 1))
            let trainer = Trainer(model: model, optimizer: Adam(learningRate: 1e-2), seed: 9, batchSize: 5)
            trainer.group = group
            try trainer.fit(train: train, validation: validation, epochs: 2)
            return (model.parameters.flatMap { $0.read() }, trainer.history)
        }
        let before = EngineScaleTests.net(seed: 5).parameters.flatMap { $0.read() }
        let single = try fit(SingleProcess())
        let change = zip(single.weights, before).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(change, 1e-3, "training must move the weights")

        let shared = SharedMemory(size: 3)
        // What the rank threads hand back, under a lock.
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var results = [(weights: [Float], history: [EpochLoss])?](repeating: nil, count: 3)
            var errors: [Error] = []
        }
        let collected = Collected()
        // One thread per rank (a pool narrower than the group would wait forever in a barrier).
        let done = DispatchGroup()
        for r in 0..<3 {
            done.enter()
            Thread { [shared] in
                defer { done.leave() }
                do {
                    let out = try fit(ThreadRank(rank: r, shared: shared))
                    collected.lock.lock(); collected.results[r] = out; collected.lock.unlock()
                } catch { collected.lock.lock(); collected.errors.append(error); collected.lock.unlock() }
            }.start()
        }
        done.wait()
        let errors = collected.errors, results = collected.results
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        let ranks = results.compactMap { $0 }
        XCTAssertEqual(ranks.count, 3)
        for r in ranks.dropFirst() { XCTAssertEqual(r.weights, ranks[0].weights, "every rank takes the same steps") }
        let worst = zip(ranks[0].weights, single.weights).map { abs($0 - $1) }.max()!
        // Measured 3.9e-7 with a change of 0.06 after 6 Adam steps: rounding of reordered sums.
        XCTAssertLessThanOrEqual(worst, 2e-5 * change + 1e-7)
        for (a, b) in zip(ranks[0].history, single.history) {
            XCTAssertEqual(a.train, b.train, accuracy: 1e-6 * b.train)
            XCTAssertEqual(a.validation, b.validation, accuracy: 1e-6 * b.validation)
        }
    }
}

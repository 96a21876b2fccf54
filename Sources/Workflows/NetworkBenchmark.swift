import Foundation
import GalAM
import NeuralNet
import Randomness

/// `galam bench nn`: the paper's networks with random weights and data, timed for training at
/// batch 32 and inference at batch 32 and 256. Each step is timed alone: the median is the
/// figure, the fastest step shows what the machine gives without interference (shared
/// machines time-slice heavily).
public enum NetworkBenchmark {
    /// The networks it knows, in the order of the README's table.
    public static let networks = ["m1", "m2-128", "m2-64", "m3-128", "m3-64", "m4", "m4-e2e"]

    /// TensorFlow-CPU on the same 2 cores (issue #3), samples/s: training at batch 32,
    /// inference at batch 32 and 256.
    public static let tensorFlowCPU: [String: (train: Double, infer32: Double, infer256: Double)] = [
        "m1": (311, 1594, 1474), "m2-128": (157, 521, 579), "m2-64": (1022, 2549, 3497),
        "m3-128": (37.7, 137, 118), "m3-64": (143, 535, 532), "m4": (2502, 14381, 26000),
        "m4-e2e": (100, 1798, 3604),
    ]

    /// Samples per second: from the median step and from the fastest.
    public struct Rate: Sendable {
        public var median: Double
        public var best: Double
    }

    /// One network's figures.
    public struct Figures: Sendable {
        public var network: String
        public var parameters: Int
        /// Forward-pass FLOPs per sample.
        public var forwardFLOPs: Double
        public var train: Rate
        public var infer32: Rate
        public var infer256: Rate
        /// Training throughput in GFLOP/s (median step), taking a step as 3 forward passes of
        /// work (forward, backward-data, backward-weights).
        public var trainGFLOPs: Double
        /// Peak engine buffers (weights, Adam moments, activations, gradients), MiB.
        public var peakMiB: Int
        /// Adam's share of a step: it streams seven floats per parameter.
        public var adamMillisecondsPerStep: Double
    }

    /// The network `name` (one of `networks`) with seed-1 weights; nil for an unknown name.
    public static func makeNetwork(_ name: String, context: ComputeContext) -> Network? {
        switch name {
        case "m1": return PaperNetworks.m1(seed: 1, context: context)
        case "m2-128": return PaperNetworks.m2(size: 128, seed: 1, context: context)
        case "m2-64": return PaperNetworks.m2(size: 64, seed: 1, context: context)
        case "m3-128": return PaperNetworks.m3(size: 128, seed: 1, context: context)
        case "m3-64": return PaperNetworks.m3(size: 64, seed: 1, context: context)
        case "m4": return PaperNetworks.m4Regressor(seed: 1, context: context)
        case "m4-e2e": return PaperNetworks.m4(trainFusion: true, seed: 1, context: context)
        default: return nil
        }
    }

    /// Times `steps` training steps (after `warmup` untimed ones) and `inferSteps` inference
    /// passes at each batch size on random data (seed 2); resets the engine's peak first.
    public static func run(_ net: Network, name: String, steps: Int, inferSteps: Int, warmup: Int) throws -> Figures {
        MemoryStats.resetPeak()
        let outCount = net.outputShape.reduce(1, *)
        var rng = SplitMix64(seed: 2)
        func data(_ n: Int) -> Dataset {
            Dataset(inputs: net.inputShapes.map { s in (0..<(n * s.reduce(1, *))).map { _ in rng.nextFloat() } },
                    targets: (0..<(n * outCount)).map { _ in rng.nextFloat() }, count: n)
        }
        let train = data(32), big = data(256)
        let trainer = Trainer(model: net, optimizer: Adam(learningRate: 1e-4), seed: 3, batchSize: 32)
        let idx = Array(0..<32)
        for _ in 0..<warmup { try trainer.trainStep(train, idx) }
        let trainTimes = try (0..<steps).map { _ in try time { try trainer.trainStep(train, idx) } }
        let trainRate = Rate(median: 32 / median(trainTimes), best: 32 / trainTimes.min()!)
        func inferRate(_ ds: Dataset, _ b: Int) throws -> Rate {
            let t = Trainer(model: net, optimizer: Adam(), batchSize: b)
            _ = try t.predict(ds)
            let times = try (0..<inferSteps).map { _ in try time { _ = try t.predict(ds) } }
            return Rate(median: Double(ds.count) / median(times), best: Double(ds.count) / times.min()!)
        }
        let i32 = try inferRate(train, 32), i256 = try inferRate(big, 256)
        let adam = Adam(learningRate: 0)
        let params = net.parameters
        adam.step(params, threads: net.context.threads)
        let adamMs = 1000 * time { for _ in 0..<steps { adam.step(params, threads: net.context.threads) } } / Double(steps)
        let flops = Double(net.forwardFLOPs)
        return Figures(network: name, parameters: net.parameterCount, forwardFLOPs: flops, train: trainRate,
                       infer32: i32, infer256: i256, trainGFLOPs: 3 * flops * trainRate.median / 1e9,
                       peakMiB: MemoryStats.peakBytes >> 20, adamMillisecondsPerStep: adamMs)
    }

    /// Data-parallel training figures: samples/s of the global batch, and the all-reduce's time.
    public struct ParallelFigures: Sendable {
        public var network: String
        public var ranks: Int
        public var threads: Int
        public var samplesPerSecond: Rate
        public var stepMilliseconds: Double
        public var allReduceMilliseconds: Double
        /// Bytes of one gradient all-reduce (float32, every parameter).
        public var gradientBytes: Int
    }

    /// Times `steps` training steps at global batch 32 in `group` (each process its share,
    /// one all-reduce of the flat gradients a step), as `mpirun -np R galam bench nn --train-only`.
    public static func runTraining(_ net: Network, name: String, steps: Int, warmup: Int, group: ProcessGroup) throws -> ParallelFigures {
        let outCount = net.outputShape.reduce(1, *)
        var rng = SplitMix64(seed: 2)
        let train = Dataset(inputs: net.inputShapes.map { s in (0..<(32 * s.reduce(1, *))).map { _ in rng.nextFloat() } },
                            targets: (0..<(32 * outCount)).map { _ in rng.nextFloat() }, count: 32)
        let trainer = Trainer(model: net, optimizer: Adam(learningRate: 1e-4), seed: 3, batchSize: 32)
        trainer.group = group
        let idx = Array(0..<32)
        for _ in 0..<warmup { try trainer.trainStep(train, idx) }
        group.barrier()
        let r0 = trainer.secondsInAllReduce
        var times: [Double] = []
        for _ in 0..<steps { times.append(try time { try trainer.trainStep(train, idx) }) }
        // The slowest rank sets the pace: every rank waits for it in the all-reduce.
        var worst = [median(times)]
        worst.withUnsafeMutableBufferPointer { b in group.sum(b.baseAddress!, count: 1) }
        let stepSeconds = worst[0] / Double(group.size)
        let reduce = (trainer.secondsInAllReduce - r0) / Double(steps)
        return ParallelFigures(network: name, ranks: group.size, threads: net.context.threads,
                               samplesPerSecond: Rate(median: 32 / stepSeconds, best: 32 / times.min()!),
                               stepMilliseconds: 1000 * stepSeconds, allReduceMilliseconds: 1000 * reduce,
                               gradientBytes: 4 * net.parameterCount)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
}

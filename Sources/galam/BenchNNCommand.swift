import ArgumentParser
import Foundation
import GalAM
import NeuralNet

/// `galam bench nn`: the paper's networks with random weights and data, timed for training
/// at batch 32 and inference at batch 32 and 256, beside TensorFlow-CPU's figures.
struct BenchNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Benchmark the neural-network engine on the paper's four networks.",
        discussion: """
        Networks: m1, m2-128, m2-64, m3-128, m3-64, m4 (the regressor alone on fused 1024-d \
        vectors, as the authors train it), m4-e2e (attention, LayerNorm and regressor trained). Example (a few minutes on 2 cores):
          galam bench nn --steps 5 --networks m1,m2-64,m4,m4-e2e
        """)

    @Option(help: "Comma-separated networks to run.")
    var networks = "m1,m2-128,m2-64,m3-128,m3-64,m4,m4-e2e"
    @Option(help: "Timed training steps per network (batch 32).")
    var steps = 10
    @Option(help: "Timed inference batches per batch size.")
    var inferSteps = 5
    @Option(help: "Untimed warm-up steps (primitive creation, first touches).")
    var warmup = 2
    @Option(help: "Convolution algorithm: direct (as TensorFlow) or auto (oneDNN may use Winograd).")
    var convAlgorithm = "direct"
    @Option(help: "Threads for oneDNN and the engine.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    /// TensorFlow-CPU on the same 2 cores (issue #3): train, infer b32, infer b256 samples/s.
    static let tf: [String: (Double, Double, Double)] = [
        "m1": (311, 1594, 1474), "m2-128": (157, 521, 579), "m2-64": (1022, 2549, 3497),
        "m3-128": (37.7, 137, 118), "m3-64": (143, 535, 532), "m4": (2502, 14381, 26000),
        "m4-e2e": (100, 1798, 3604),
    ]

    func run() throws {
        Engine.threads = threads
        guard let algo = ConvAlgorithm(rawValue: convAlgorithm) else { throw ValidationError("unknown algorithm") }
        Conv.defaultAlgorithm = algo
        print("threads \(Engine.threads), convolutions \(algo.rawValue); \(steps) training steps at batch 32, \(inferSteps) inference batches")
        print("peak MiB: engine buffers (weights, Adam moments, activations, gradients at batch 32 and 256)")
        print("| network | params | fwd MFLOP/sample | train samples/s median / best step (TF, ratios) | infer b32 samples/s (same) | infer b256 samples/s (same) | train GFLOP/s (median) | peak MiB | Adam ms/step |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name in networks.split(separator: ",").map(String.init) {
            guard let tf = Self.tf[name] else { throw ValidationError("unknown network \(name)") }
            Engine.resetPeak()
            try bench(name, tf)
        }
        // Engine buffers exclude oneDNN's scratchpads and JIT code; the process peak has all.
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            print("process peak resident memory (all networks): \(line.dropFirst(6).trimmingCharacters(in: .whitespaces))")
        }
    }

    func makeNetwork(_ name: String) -> Network {
        switch name {
        case "m1": return PaperNetworks.m1(seed: 1)
        case "m2-128": return PaperNetworks.m2(size: 128, seed: 1)
        case "m2-64": return PaperNetworks.m2(size: 64, seed: 1)
        case "m3-128": return PaperNetworks.m3(size: 128, seed: 1)
        case "m3-64": return PaperNetworks.m3(size: 64, seed: 1)
        case "m4": return PaperNetworks.m4Regressor(seed: 1)
        default: return PaperNetworks.m4(trainFusion: true, seed: 1)
        }
    }

    func bench(_ name: String, _ tf: (Double, Double, Double)) throws {
        let net = makeNetwork(name)
        let outCount = net.outputShape.reduce(1, *)
        var rng = SeededRNG(seed: 2)
        func data(_ n: Int) -> Dataset {
            Dataset(inputs: net.inputShapes.map { s in (0..<(n * s.reduce(1, *))).map { _ in rng.nextFloat() } },
                    targets: (0..<(n * outCount)).map { _ in rng.nextFloat() }, count: n)
        }
        let train = data(32), big = data(256)
        let trainer = Trainer(model: net, optimizer: Adam(learningRate: 1e-4), seed: 3, batchSize: 32)
        let idx = Array(0..<32)
        for _ in 0..<warmup { trainer.trainStep(train, idx) }
        // Each step is timed alone: the median is the figure, the fastest step shows what the
        // machine gives without interference (shared machines time-slice heavily).
        let trainTimes = (0..<steps).map { _ in time { trainer.trainStep(train, idx) } }
        let trainRate = 32 / median(trainTimes), trainBest = 32 / trainTimes.min()!
        func inferRate(_ ds: Dataset, _ b: Int) -> (Double, Double) {
            let t = Trainer(model: net, optimizer: Adam(), batchSize: b)
            _ = t.predict(ds)
            let times = (0..<inferSteps).map { _ in time { _ = t.predict(ds) } }
            return (Double(ds.count) / median(times), Double(ds.count) / times.min()!)
        }
        let i32 = inferRate(train, 32), i256 = inferRate(big, 256)
        // The optimiser's share of a step: Adam streams seven floats per parameter.
        let adam = Adam(learningRate: 0)
        let params = net.parameters
        adam.step(params)
        let adamMs = 1000 * time { for _ in 0..<steps { adam.step(params) } } / Double(steps)
        let flops = Double(net.forwardFLOPs)
        // Training ≈ 3 forward passes of work (forward, backward-data, backward-weights).
        let gflops = 3 * flops * trainRate / 1e9
        func cell(_ v: (Double, Double), _ ref: Double) -> String {
            String(format: "%.0f / %.0f (%g, %.2f× / %.2f×)", v.0, v.1, ref, v.0 / ref, v.1 / ref)
        }
        print("| \(name) | \(net.parameterCount) | \(String(format: "%.0f", flops / 1e6)) | \(cell((trainRate, trainBest), tf.0)) | "
              + "\(cell(i32, tf.1)) | \(cell(i256, tf.2)) | \(String(format: "%.0f", gflops)) | "
              + "\(Engine.peakBytes >> 20) | \(String(format: "%.1f", adamMs)) |")
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    func time(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
}


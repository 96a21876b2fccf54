import ArgumentParser
import Foundation
import NeuralNet
import Workflows

/// `galam bench nn`: the paper's networks with random weights and data, timed for training
/// at batch 32 and inference at batch 32 and 256, beside TensorFlow-CPU's figures (the
/// measuring is `NetworkBenchmark`'s; this file parses options and prints the table).
struct BenchNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Benchmark the neural-network engine on the paper's four networks.",
        discussion: """
        Networks: m1, m2-128, m2-64, m3-128, m3-64, m4 (the regressor alone on fused 1024-d \
        vectors, as the authors train it), m4-e2e (attention, LayerNorm and regressor trained). \
        --train-only times data-parallel training at global batch 32 (under mpirun or srun, \
        each process its share and one all-reduce of the gradients a step) and prints the \
        all-reduce's time. Examples (a few minutes on 2 cores):
          galam bench nn --steps 5 --networks m1,m2-64,m4,m4-e2e
          galam bench nn --train-only --networks m1,m3-64 --threads 2
          mpirun -np 2 galam bench nn --train-only --networks m1,m3-64 --threads 1
        """)

    @Option(help: "Comma-separated networks to run.")
    var networks = NetworkBenchmark.networks.joined(separator: ",")
    @Option(help: "Timed training steps per network (batch 32).")
    var steps = 10
    @Option(help: "Timed inference batches per batch size.")
    var inferSteps = 5
    @Option(help: "Untimed warm-up steps (primitive creation, first touches).")
    var warmup = 2
    @Option(help: "Convolution algorithm: direct (as TensorFlow) or auto (oneDNN may use Winograd).")
    var convAlgorithm = ConvAlgorithm.direct
    @Option(help: "Threads for oneDNN and the engine.")
    var threads = max(1, ProcessInfo.processInfo.activeProcessorCount / processesOnThisMachine())
    @Flag(name: .customLong("train-only"), help: "Only training, in the launcher's process group: samples/s of the global batch and the all-reduce's share.")
    var trainOnly = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        let unknown = networks.split(separator: ",").map(String.init).filter { !NetworkBenchmark.networks.contains($0) }
        guard unknown.isEmpty else { throw ValidationError("--networks: unknown \(unknown.joined(separator: ", ")) (choose from \(NetworkBenchmark.networks.joined(separator: ", ")))") }
    }

    func run() throws {
        let context = ComputeContext(threads: threads, convolutionAlgorithm: convAlgorithm)
        if trainOnly { return try runParallel(context) }
        print("threads \(context.threads), convolutions \(convAlgorithm.rawValue); \(steps) training steps at batch 32, \(inferSteps) inference batches")
        print("peak MiB: engine buffers (weights, Adam moments, activations, gradients at batch 32 and 256)")
        print("| network | params | fwd MFLOP/sample | train samples/s median / best step (TF, ratios) | infer b32 samples/s (same) | infer b256 samples/s (same) | train GFLOP/s (median) | peak MiB | Adam ms/step |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name in networks.split(separator: ",").map(String.init) {
            guard let tf = NetworkBenchmark.tensorFlowCPU[name], let net = NetworkBenchmark.makeNetwork(name, context: context) else {
                throw ValidationError("unknown network \(name)")
            }
            let f = try NetworkBenchmark.run(net, name: name, steps: steps, inferSteps: inferSteps, warmup: warmup)
            func cell(_ v: NetworkBenchmark.Rate, _ ref: Double) -> String {
                String(format: "%.0f / %.0f (%g, %.2f× / %.2f×)", v.median, v.best, ref, v.median / ref, v.best / ref)
            }
            print("| \(name) | \(f.parameters) | \(String(format: "%.0f", f.forwardFLOPs / 1e6)) | \(cell(f.train, tf.train)) | "
                  + "\(cell(f.infer32, tf.infer32)) | \(cell(f.infer256, tf.infer256)) | \(String(format: "%.0f", f.trainGFLOPs)) | "
                  + "\(f.peakMiB) | \(String(format: "%.1f", f.adamMillisecondsPerStep)) |")
        }
        // Engine buffers exclude oneDNN's scratchpads and JIT code; the process peak has all.
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            print("process peak resident memory (all networks): \(line.dropFirst(6).trimmingCharacters(in: .whitespaces))")
        }
    }
}

extension BenchNNCommand {
    /// `--train-only`: one row per network, printed by rank 0.
    func runParallel(_ context: ComputeContext) throws {
        let group = try launchedProcessGroup()
        if group.isRoot {
            print("\(group.size) process(es) × \(context.threads) thread(s), global batch 32, \(steps) timed steps (median)")
            print("| network | ranks × threads | train samples/s | step ms | all-reduce ms/step (share) | gradient MB |")
            print("|---|---|---:|---:|---:|---:|")
        }
        for name in networks.split(separator: ",").map(String.init) {
            guard let net = NetworkBenchmark.makeNetwork(name, context: context) else { throw ValidationError("unknown network \(name)") }
            let f = try NetworkBenchmark.runTraining(net, name: name, steps: steps, warmup: warmup, group: group)
            guard group.isRoot else { continue }
            print(String(format: "| %@ | %d × %d | %.0f | %.1f | %.1f (%.0f %%) | %.1f |", name, f.ranks, f.threads, f.samplesPerSecond.median,
                         f.stepMilliseconds, f.allReduceMilliseconds, 100 * f.allReduceMilliseconds / f.stepMilliseconds, Double(f.gradientBytes) / 1e6))
        }
    }
}
extension ConvAlgorithm: ExpressibleByArgument {}

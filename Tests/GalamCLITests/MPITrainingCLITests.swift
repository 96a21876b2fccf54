import Foundation
import NeuralNet
import TestSupport
import XCTest

/// `mpirun -np 2 galam train` on loopback: two processes with half of every batch each end
/// where one process with the whole batch ends, and a run stopped at two processes resumes at
/// one. Needs Open MPI (`apt-get install openmpi-bin libopenmpi-dev`, which scripts/setup.sh
/// installs) and a galam built against it; skipped, saying so, otherwise.
final class MPITrainingCLITests: XCTestCase {
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    /// Two ranks on this machine over TCP on the loopback interface only, allowed as root (CI).
    func mpirun(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try Fixtures.run("/usr/bin/env", ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2",
                                          "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
                                          "--mca", "oob_tcp_if_include", "lo", galam] + args)
    }

    func requireMPI() throws {
        guard mpiLibraryVersion() != nil else { throw XCTSkip("galam was built without Open MPI (libopenmpi-dev not installed)") }
        guard (try? Fixtures.run("/usr/bin/env", ["mpirun", "--version"]))?.status == 0 else { throw XCTSkip("mpirun is not installed (openmpi-bin)") }
    }

    /// A 48 px dataset of about 115 galaxies: batches of 32 end in a short one.
    func smallDataset(_ dir: String) throws -> String {
        let sim = try Fixtures.run(galam, ["simulate", "--n", "120", "--out", dir + "/sim", "--seed", "3", "--quiet"])
        XCTAssertEqual(sim.status, 0, sim.err)
        let prep = try Fixtures.run(galam, ["prepare", "--catalog", dir + "/sim/catalog.csv", "--spectra", dir + "/sim/spectra",
                                            "--images", dir + "/sim/images", "--labels", dir + "/sim/truth.csv", "--out", dir + "/data",
                                            "--image-size", "48", "--quiet"])
        XCTAssertEqual(prep.status, 0, prep.err)
        return dir + "/data"
    }

    /// The best weights of every stage of a model folder, by stage key (the folder name
    /// without its hash) and tensor name.
    func stageWeights(_ model: String) throws -> [String: [String: [Float]]] {
        var out: [String: [String: [Float]]] = [:]
        for stage in try FileManager.default.contentsOfDirectory(atPath: model + "/stages") where !stage.hasSuffix(".safetensors") {
            let key = String(stage[..<stage.lastIndex(of: "-")!])
            let file = try SafeTensors.read(URL(fileURLWithPath: model + "/stages/\(stage)/best.safetensors"))
            out[key] = file.entries.mapValues(\.values)
        }
        return out
    }

    /// Largest |a − b| over every weight of stages `keys`, and the largest |a| (for scale).
    func largestDifference(_ a: [String: [String: [Float]]], _ b: [String: [String: [Float]]], stages keys: [String]) -> (diff: Float, scale: Float) {
        var diff: Float = 0, scale: Float = 0
        for k in keys {
            XCTAssertNotNil(a[k], k); XCTAssertNotNil(b[k], k)
            for (name, x) in a[k] ?? [:] {
                guard let y = b[k]?[name], y.count == x.count else { XCTFail("\(k)/\(name) missing or reshaped"); continue }
                for (u, v) in zip(x, y) { diff = max(diff, abs(u - v)); scale = max(scale, abs(u)) }
            }
        }
        return (diff, scale)
    }

    func testTwoRanksEqualOneAndResumeOnOneRank() throws {
        try requireMPI()
        let dir = Fixtures.scratchDirectory("galam-mpi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try smallDataset(dir)
        let common = ["train", "--data", data, "--epochs", "2", "--batch-size", "32", "--fusion", "learned", "--threads", "1", "--quiet"]

        // 1 rank × batch 32: the reference.
        let one = try Fixtures.run(galam, common + ["--out", dir + "/one"])
        XCTAssertEqual(one.status, 0, one.err)
        // 2 ranks × 16 of each batch of 32.
        let two = try mpirun(common + ["--out", dir + "/two"])
        XCTAssertEqual(two.status, 0, two.err + two.out)
        XCTAssertEqual(two.out.components(separatedBy: "train: ").count - 1, 1, "rank 0 alone reports: \(two.out)")
        let reference = try stageWeights(dir + "/one")
        let (d, scale) = largestDifference(reference, try stageWeights(dir + "/two"), stages: ["m1", "m4-learned"])
        // Measured 1.7e-6 (M4) and 3e-8 (M1) with weights up to 1: the shares' gradients are
        // summed in another order than one pass's, nothing else differs.
        XCTAssertLessThan(d, 1e-5 * max(scale, 1), "2 ranks × 16 vs 1 rank × 32")
        XCTAssertGreaterThan(scale, 0)

        // Stopped at 2 ranks after 7 epochs — M1, M2, M3 done, M4 (learned) after its first —
        // with its state saved (exit status 75), then resumed at 1 rank. (Stopping in M1
        // instead lets Adam amplify the 3e-8 difference through M1's features into M2 and M4:
        // updates of near-zero gradients are ±lr whatever their size, so a stage fed another
        // stage's slightly different output is not comparable at float tolerance.)
        let stopped = try mpirun(common + ["--out", dir + "/resumed", "--stop-after", "7"])
        XCTAssertEqual(stopped.status, 75, stopped.err + stopped.out)
        XCTAssertTrue(stopped.out.contains("stopped after epoch 1 of M4"), stopped.out)
        let m4Stage = try FileManager.default.contentsOfDirectory(atPath: dir + "/resumed/stages").first { $0.hasPrefix("m4-learned-") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/resumed/stages/\(m4Stage ?? "?")/state.safetensors"))
        let resumed = try Fixtures.run(galam, common + ["--out", dir + "/resumed"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.isEmpty || !resumed.err.contains("Error"), resumed.err)
        let (dr, _) = largestDifference(reference, try stageWeights(dir + "/resumed"), stages: ["m1", "m2", "m3", "m4-learned", "m4-real-learned"])
        XCTAssertLessThan(dr, 1e-5 * max(scale, 1), "2 ranks stopped in M4, resumed on 1 rank, vs 1 rank uninterrupted")
    }

    /// A launcher that starts several processes of a galam without MPI must not let each
    /// train alone into one folder.
    func testSeveralProcessesNeedMPI() throws {
        let env = ["OMPI_COMM_WORLD_SIZE": "2"]
        if mpiLibraryVersion() == nil {
            XCTAssertThrowsError(try launchedProcessGroup(environment: env)) { e in
                XCTAssertTrue("\(e)".contains("without MPI"), "\(e)")
            }
        }
        XCTAssertEqual(try launchedProcessGroup(environment: [:]).size, 1)
        XCTAssertEqual(try launchedProcessGroup(environment: ["OMPI_COMM_WORLD_SIZE": "1"]).size, 1)
    }
}

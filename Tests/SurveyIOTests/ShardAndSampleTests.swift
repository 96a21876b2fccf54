import SurveyIO
import XCTest

final class ShardAndSampleTests: XCTestCase {
    func testShardParsesAndPartitionsRows() throws {
        let s = try Shard(parsing: "1/3")
        XCTAssertEqual(s, try Shard(index: 1, count: 3))
        XCTAssertEqual(Array(s.rows(of: 10)), [1, 4, 7])
        XCTAssertEqual(s.fileTag, "shard-1-of-3")
        XCTAssertTrue(s.contains(7))
        XCTAssertFalse(s.contains(8))
        // Every row in exactly one shard.
        let shards = try (0..<3).map { try Shard(index: $0, count: 3) }
        for row in 0..<20 { XCTAssertEqual(shards.filter { $0.contains(row) }.count, 1) }
        XCTAssertEqual(shards.flatMap { Array($0.rows(of: 20)) }.sorted(), Array(0..<20))
        XCTAssertEqual(Array(Shard.all.rows(of: 3)), [0, 1, 2])
        for bad in ["3/3", "-1/2", "1", "a/b", "1/0", ""] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
    }

    func testShardFromSlurmEnvironment() throws {
        XCTAssertNil(try Shard.fromEnvironment([:]))
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(index: 2, count: 4))
        // --array=1-4: ids 1…4 are shards 0…3.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
                       try Shard(index: 3, count: 4))
        XCTAssertThrowsError(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"]))
        // The option wins over the environment; neither → one shard.
        let env = ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"]
        XCTAssertEqual(try Shard.resolve("0/5", environment: env), try Shard(index: 0, count: 5))
        XCTAssertEqual(try Shard.resolve(nil, environment: env), try Shard(index: 1, count: 2))
        XCTAssertEqual(try Shard.resolve(nil, environment: [:]), .all)
    }

    func testSeededSampleIsReproducibleAndDistinct() {
        let a = SeededSample.indices(count: 1000, n: 50, seed: 7)
        XCTAssertEqual(a, SeededSample.indices(count: 1000, n: 50, seed: 7))
        XCTAssertNotEqual(a, SeededSample.indices(count: 1000, n: 50, seed: 8))
        XCTAssertEqual(a.count, 50)
        XCTAssertEqual(Set(a).count, 50)
        XCTAssertEqual(a, a.sorted())
        XCTAssertEqual(SeededSample.indices(count: 5, n: 10, seed: 1), [0, 1, 2, 3, 4])
        // Roughly uniform: each half of the table gets about half of a large sample.
        let big = SeededSample.indices(count: 10_000, n: 5_000, seed: 3)
        XCTAssertEqual(Double(big.filter { $0 < 5_000 }.count), 2_500, accuracy: 150)
    }
}

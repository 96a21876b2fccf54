import Foundation
@testable import Reports
import XCTest

/// Mean ± SD over seeds and the significance marks of a comparison, against hand calculations.
final class SeedSummaryTests: XCTestCase {
    /// An evaluation with one model whose test metrics have the given SDs (MAE = SD, no truth).
    func evaluation(_ model: String, ageSD: Double, mhSD: Double, testCount: Int = 40) throws -> Evaluation {
        func metrics(_ sd: Double) -> String { "{\"count\": \(testCount), \"mse\": \(sd * sd), \"mae\": \(sd), \"bias\": 0, \"sd\": \(sd)}" }
        let json = """
        {"tool": "galam", "split": "test", "testCount": \(testCount), "models": [
          {"model": "\(model)", "age": \(metrics(ageSD)), "metallicity": \(metrics(mhSD)), "sdPerSNRBin": {}}]}
        """
        return try JSONDecoder().decode(Evaluation.self, from: Data(json.utf8))
    }

    func testMeanAndSampleSDOverSeedsAndSignificance() throws {
        // age SD 0.20, 0.21, 0.22: mean 0.21, sample SD 0.01; [M/H] SD 0.20, 0.30, 0.25: mean 0.25, SD 0.05.
        let galam = try SeedSummary(runs: ["g1", "g2", "g3"], evaluations: [
            evaluation("image_only", ageSD: 0.20, mhSD: 0.20), evaluation("image_only", ageSD: 0.21, mhSD: 0.30),
            evaluation("image_only", ageSD: 0.22, mhSD: 0.25)])
        let age = try XCTUnwrap(galam.models["image_only"]?["age SD"])
        XCTAssertEqual(age.mean, 0.21, accuracy: 1e-12)
        XCTAssertEqual(age.sd, 0.01, accuracy: 1e-12)
        let mh = try XCTUnwrap(galam.models["image_only"]?["[M/H] SD"])
        XCTAssertEqual(mh.sd, 0.05, accuracy: 1e-12)
        XCTAssertNil(galam.models["image_only"]?["age SD vs truth"], "no truth, no truth metrics")

        // Baseline: age 0.25 (three equal seeds, SD 0) → Δ −0.04 beyond 2·√(0.01² + 0) = 0.02: significant.
        // [M/H] 0.26 → Δ −0.01 within 2·0.05: not significant.
        let paper = try SeedSummary(runs: ["p1", "p2", "p3"], evaluations: (0..<3).map { _ in
            try evaluation("image_only", ageSD: 0.25, mhSD: 0.26) })
        XCTAssertEqual(SeedSummary.significant(paper.models["image_only"]!["age SD"]!, age), true)
        XCTAssertEqual(SeedSummary.significant(paper.models["image_only"]!["[M/H] SD"]!, mh), false)
        let table = galam.comparison(against: paper, baselineLabel: "paper", label: "galam", reference: "image_only")
        XCTAssertTrue(table.contains("| image-only (M3) | age SD | 0.2500 ± 0.0000 | 0.2100 ± 0.0100 | −16.0 % |"), table)
        XCTAssertTrue(table.contains("| image-only (M3) | [M/H] SD | 0.2600 ± 0.0000 | 0.2500 ± 0.0500 | −3.8 % (n.s.) |"), table)
        // One seed: no spread to judge by.
        let single = try SeedSummary(runs: ["s"], evaluations: [evaluation("image_only", ageSD: 0.1, mhSD: 0.1)])
        XCTAssertNil(SeedSummary.significant(single.models["image_only"]!["age SD"]!, age))
        XCTAssertEqual(single.models["image_only"]!["age SD"]!.sd, 0)
        XCTAssertTrue(single.markdown().contains("mean ± SD over 1 seed, dex"), single.markdown())
        // Changes that round to zero carry no sign.
        XCTAssertEqual(SeedSummary.percent(from: 0.2, to: 0.19999), "0.0 %")
        XCTAssertEqual(SeedSummary.percent(from: 0.2, to: 0.20001, decimals: 0), "0 %")
        XCTAssertEqual(SeedSummary.percent(from: 0.2, to: 0.1998), "−0.1 %")
        XCTAssertTrue(single.comparison(against: paper, baselineLabel: "paper", label: "one", reference: "image_only")
                        .hasPrefix("one (1 seed) against paper (3 seeds)"))

        XCTAssertThrowsError(try SeedSummary(runs: ["a", "b"], evaluations: [
            evaluation("image_only", ageSD: 0.2, mhSD: 0.2), evaluation("image_only", ageSD: 0.2, mhSD: 0.2, testCount: 39)]),
                             "runs on different splits must not be summarised together")
    }

    /// An evaluation of several models, each with its (age SD, [M/H] SD); MAE = SD, no truth.
    func evaluation(_ models: [(String, Double, Double)]) throws -> Evaluation {
        func metrics(_ sd: Double) -> String { "{\"count\": 40, \"mse\": \(sd * sd), \"mae\": \(sd), \"bias\": 0, \"sd\": \(sd)}" }
        let entries = models.map { "{\"model\": \"\($0.0)\", \"age\": \(metrics($0.1)), \"metallicity\": \(metrics($0.2)), \"sdPerSNRBin\": {}}" }
        let json = "{\"tool\": \"galam\", \"split\": \"test\", \"testCount\": 40, \"models\": [\(entries.joined(separator: ", "))]}"
        return try JSONDecoder().decode(Evaluation.self, from: Data(json.utf8))
    }

    func testConfigurationTableMeasuresEveryCellAgainstTheBaselinesMultimodalModel() throws {
        // paper: multi-modal 0.25 / 0.26 in all three seeds, image-only 0.24 / 0.27.
        let paper = try SeedSummary(runs: ["p1", "p2", "p3"], evaluations: (0..<3).map { _ in
            try evaluation([("multimodal_learned", 0.25, 0.26), ("image_only", 0.24, 0.27)]) })
        // galam: image-only age 0.20, 0.21, 0.22 (0.21 ± 0.01: −16.0 % against 0.25, beyond 2 × 0.01);
        // [M/H] 0.20, 0.30, 0.25 (0.25 ± 0.05: −3.8 % against 0.26, within 2 × 0.05); no multi-modal.
        let galam = try SeedSummary(runs: ["g1", "g2", "g3"], evaluations: [
            evaluation([("image_only", 0.20, 0.20)]), evaluation([("image_only", 0.21, 0.30)]),
            evaluation([("image_only", 0.22, 0.25)])], trainingSeconds: [100, nil, 120])
        let table = SeedSummary.configurationTable([("paper", paper), ("galam", galam)])
        let lines = table.split(separator: "\n").map(String.init)
        XCTAssertFalse(table.contains("against the truth"), "no truth in the evaluations, no truth table")
        XCTAssertTrue(table.hasPrefix("SD against the labels (dex, test split of 40 galaxies"), table)
        XCTAssertEqual(lines.filter { $0.hasPrefix("| configuration") }, [
            "| configuration | seeds | image-only (M3) age | image-only (M3) [M/H] | MMLforGalAM (learned fusion) age | MMLforGalAM (learned fusion) [M/H] |"])
        // 0.24 against 0.25: −4.0 %; 0.27 against 0.26: +3.8 %; both SDs 0, so any change counts.
        XCTAssertTrue(lines.contains("| paper | 3 | 0.2400 ± 0.0000, −4.0 % | 0.2700 ± 0.0000, +3.8 % | 0.2500 ± 0.0000 | 0.2600 ± 0.0000 |"), table)
        XCTAssertTrue(lines.contains("| galam | 3 | 0.2100 ± 0.0100, −16.0 % | 0.2500 ± 0.0500, −3.8 % (n.s.) | — | — |"), table)
        XCTAssertFalse(table.contains("Training wall time"), "the baseline was not timed")
        XCTAssertEqual(SeedSummary.configurationTable([]), "")
        // Timed: paper 80 s in each seed; galam 100 and 120 s (one seed untimed): 110 ± 14 s, +38 %.
        var timedPaper = paper
        timedPaper.trainingSeconds = .init([80, 80, 80])
        let timed = SeedSummary.configurationTable([("paper", timedPaper), ("galam", galam)])
        XCTAssertTrue(timed.contains("| paper | 3 of 3 | 80 ± 0 | — |"), timed)
        XCTAssertTrue(timed.contains("| galam | 2 of 3 | 110 ± 14 | +38 % |"), timed)
    }

    func testSeedRunsAreFoundInSeedOrder() throws {
        let dir = NSTemporaryDirectory() + "seeds-\(UUID().uuidString.prefix(8))"
        for s in [10, 2, 1] {
            try FileManager.default.createDirectory(atPath: dir + "/seed-\(s)", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: dir + "/seed-\(s)/predictions.csv", contents: Data())
        }
        try FileManager.default.createDirectory(atPath: dir + "/seed-3", withIntermediateDirectories: true)   // unfinished: no predictions
        XCTAssertEqual(SeedSummary.seedRuns(in: dir), [1, 2, 10].map { dir + "/seed-\($0)" })
        XCTAssertNil(SeedSummary.seedRuns(in: dir + "/seed-1"))
    }
}

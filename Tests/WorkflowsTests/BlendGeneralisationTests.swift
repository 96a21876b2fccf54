import Foundation
import Imaging
import MockSurvey
import SurveyIO
import TestSupport
import Workflows
import XCTest

/// Choosing a blend check on some surveys and judging it on others: the choice rule, the
/// trade-off front and the spread on hand-made scores, and the whole path on tiny surveys.
final class BlendGeneralisationTests: XCTestCase {
    func score(_ name: String, caught: Int, of blends: Int, lost: Int, of others: Int) -> SurveyScore {
        SurveyScore(survey: name, blends: blends, blendsCaught: caught, others: others, othersLost: lost, rejectedAsBlended: caught + lost)
    }

    /// Three candidates on two tuning surveys, worked out by hand: A meets neither target
    /// everywhere; B meets both on both (worst recall 0.80); C has a better worst recall (0.90)
    /// but loses 10 % on one survey, so B is chosen. Without B, nothing meets the targets and
    /// the best worst recall within the loss target is A's.
    func testChoiceRuleByHand() {
        let a = [score("t1", caught: 50, of: 100, lost: 1, of: 100), score("t2", caught: 60, of: 100, lost: 2, of: 100)]
        let b = [score("t1", caught: 80, of: 100, lost: 5, of: 100), score("t2", caught: 85, of: 100, lost: 8, of: 100)]
        let c = [score("t1", caught: 90, of: 100, lost: 10, of: 100), score("t2", caught: 95, of: 100, lost: 3, of: 100)]
        let stage = ImageStage.paper
        let sel = BlendSelection(candidates: ["", "b", "c"].map { BlendCandidate(options: $0, stage: stage) })
        let chosen = sel.choose([a, b, c])
        XCTAssertEqual(chosen.index, 1)
        XCTAssertTrue(chosen.meets)
        let without = BlendSelection(candidates: ["", "c"].map { BlendCandidate(options: $0, stage: stage) }).choose([a, c])
        XCTAssertEqual(without.index, 0)
        XCTAssertFalse(without.meets)
        // Exactly on the targets counts as meeting them.
        XCTAssertTrue(score("x", caught: 75, of: 100, lost: 8, of: 100).meets(BlendTargets()))
        XCTAssertFalse(score("x", caught: 74, of: 100, lost: 8, of: 100).meets(BlendTargets()))

        // The front on survey t1: A (1 %, 50 %), B (5 %, 80 %), C (10 %, 90 %) — none beats
        // another on both; a D equal to B is dropped and an E worse than B on both is not on it.
        let d = b, e = [score("t1", caught: 70, of: 100, lost: 6, of: 100), score("t2", caught: 0, of: 100, lost: 0, of: 100)]
        XCTAssertEqual(BlendSelection.Report.paretoFront([a, b, c, d, e], survey: 0), [0, 1, 2])
    }

    func testSpreadByHand() {
        let s = MultiSurveyTable.spread([0.5, 0.7, 0.9])
        XCTAssertEqual(s.min, 0.5)
        XCTAssertEqual(s.max, 0.9)
        XCTAssertEqual(s.mean, 0.7, accuracy: 1e-12)
        XCTAssertEqual(s.sd, 0.2, accuracy: 1e-12)  // √((0.04 + 0 + 0.04) / 2)
        let t = MultiSurveyTable(setting: "x", scores: [score("a", caught: 5, of: 10, lost: 1, of: 90), score("b", caught: 9, of: 10, lost: 0, of: 90)])
        XCTAssertTrue(t.description.contains("| a |"), t.description)
        XCTAssertTrue(t.description.contains("50.0–90.0 % (70.0 ± 28.3)"), t.description)
    }

    /// Two tiny surveys of different conditions: the check reads the `blended` truth, the
    /// figures are recomputed from the rows, and a held-out run reports the authors' settings
    /// beside the chosen one on the survey it was not chosen on.
    func testHeldOutRunOnTinySurveys() throws {
        func survey(_ name: String, seed: UInt64, _ edit: (inout ImageConditions) -> Void) throws -> String {
            let dir = Fixtures.scratchDirectory(name)
            var job = SimulateJob(count: 20, outputDirectory: dir, seed: seed)
            job.imageSize = 64
            job.threads = 2
            job.showProgress = false
            edit(&job.conditions)
            _ = try job.run()
            return dir
        }
        let gauss = try survey("held-gauss", seed: 31) { $0.neighbourLayout = .random; $0.neighbourDensity = 2 }
        let moffat = try survey("held-moffat", seed: 32) { $0.psfFamily = .moffat; $0.neighbourLayout = .random; $0.neighbourDensity = 2 }
        let loaded = try SurveyBlendCheck.load([gauss, moffat], threads: 2)
        let stage = ImageStage(size: 64)
        let r = loaded[0].run(stage: stage, threads: 2)
        XCTAssertEqual(r.truthColumn, ColumnName.blended)
        let truth = try Catalog(contentsOf: gauss + "/truth.csv")
        XCTAssertEqual(r.rows.map { String($0.truthBlended) }, try truth.column(ColumnName.blended))
        let blends = r.rows.filter(\.truthBlended)
        XCTAssertFalse(blends.isEmpty, "a density of 2 gives blends in 20 cutouts")
        XCTAssertEqual(r.blendRecall, Double(blends.filter { $0.rejectReason == "blended" }.count) / Double(blends.count))
        let others = r.rows.filter { !$0.truthBlended }
        XCTAssertEqual(r.othersLost, Double(others.filter { $0.rejectReason != nil }.count) / Double(max(1, others.count)))
        XCTAssertEqual(r.conditions.neighbourLayout, "random")
        XCTAssertEqual(loaded[1].conditions.psfFamily, "moffat")
        // Loading once and running gives what the one-shot check gives.
        XCTAssertEqual(try SurveyBlendCheck(surveyDirectory: gauss).run(stage: stage).rows.map(\.rejectReason), r.rows.map(\.rejectReason))

        let grid = Array(BlendCandidate.grid(base: stage).prefix(6))
        XCTAssertEqual(grid[0].options, "", "the authors' settings come first")
        let report = BlendSelection(candidates: grid).run(tuning: [loaded[0]], tuningNames: ["g"], heldOut: [loaded[1]], heldOutNames: ["m"], threads: 2)
        XCTAssertEqual(report.heldOut[0][0].blendsCaught, SurveyBlendCheck.Result.blendedCount(loaded[1].run(stage: stage, threads: 2).truthBlends))
        XCTAssertTrue(report.description.contains("Held-out surveys"), report.description)
        XCTAssertTrue(report.description.contains("| m | moffat"), report.description)
    }

    func testCandidateNamesAreTheirOptions() {
        var s = ImageStage.paper
        XCTAssertEqual(BlendCandidate.options(for: s), "")
        s.blendRegion = .footprint
        s.detectionImages = .greyAndBands
        s.detector.minProminenceSigma = 2
        XCTAssertEqual(BlendCandidate.options(for: s), "--blend-region footprint --detect-on grey+bands --min-prominence 2")
        XCTAssertEqual(BlendCandidate.grid().count, 32)
        XCTAssertEqual(Set(BlendCandidate.grid().map(\.options)).count, 32)
    }
}

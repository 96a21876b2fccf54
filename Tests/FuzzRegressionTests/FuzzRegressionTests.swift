import Foundation
import FuzzTargets
import TestSupport
import XCTest

/// Every input the fuzzers found crashing (`scripts/fuzz.sh` minimises and saves them under
/// `Tests/FuzzRegressions/<target>/`) goes through the same entry point as in the fuzzer. A
/// regression traps and takes this test process down; a fixed one must come back accepted or
/// with a reason a user can read.
final class FuzzRegressionTests: XCTestCase {
    static var corpus: String { Fixtures.projectRoot + "/Tests/FuzzRegressions" }

    func testEverySavedCrasherFailsWithAReason() throws {
        var checked = 0
        for name in FuzzTargets.names {
            let dir = Self.corpus + "/" + name
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
                let verdict = FuzzTargets.run(name, data)
                if let reason = verdict.reason {
                    XCTAssertFalse(reason.isEmpty, "\(name)/\(file): rejected without a reason")
                    XCTAssertFalse(reason.contains("Fatal error"), "\(name)/\(file): \(reason)")
                }
                checked += 1
            }
        }
        // The folders hold what the campaigns found (README, "Fuzzing"); none must vanish.
        XCTAssertGreaterThanOrEqual(checked, Self.minimumSaved, "regression inputs missing from \(Self.corpus)")
    }

    /// Inputs committed so far (the test fails if the folder loses some).
    static let minimumSaved = 3

    /// The fuzz targets also accept good inputs: the real fixtures pass the readers.
    func testFixturesPassTheTargets() throws {
        let spectrum = try Data(contentsOf: URL(fileURLWithPath: Fixtures.spectraDirectory + "/spec-0389-51795-0269.fits"))
        XCTAssertNil(FuzzTargets.fits(spectrum).reason)
        let catalog = try Data(contentsOf: URL(fileURLWithPath: Fixtures.catalogPath))
        XCTAssertEqual(FuzzTargets.catalog(catalog), .accepted)
        XCTAssertEqual(FuzzTargets.run("nonexistent", Data()), .rejected("no fuzz target nonexistent"))
        for name in FuzzTargets.names {
            XCTAssertNotNil(FuzzTargets.run(name, Data()).reason, "\(name) accepted an empty input")
        }
    }
}

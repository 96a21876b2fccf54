import Foundation
import SurveyIO
import TestSupport
import XCTest

/// `galam simulate`'s observing conditions and `galam bench images` over several surveys, as a
/// user runs them.
final class BlendCLITests: XCTestCase {
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    func testConditionsOptionsAndSeveralSurveys() throws {
        let dir = Fixtures.scratchDirectory("blend-cli")
        let a = dir + "/a", b = dir + "/b"
        var r = try Fixtures.run(galam, ["simulate", "--n", "8", "--out", a, "--seed", "4", "--image-size", "64", "--quiet",
                                         "--neighbours", "random", "--neighbour-density", "2", "--star-fraction", "0.5"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try Fixtures.run(galam, ["simulate", "--n", "8", "--out", b, "--seed", "4", "--image-size", "64", "--quiet",
                                     "--psf", "moffat", "--moffat-beta", "3-4", "--seeing", "1.2-1.6", "--sky-noise", "1.5"])
        XCTAssertEqual(r.status, 0, r.err)
        let truth = try Catalog(contentsOf: b + "/truth.csv")
        XCTAssertEqual(Set(try truth.column("psf_family")), ["moffat"])
        XCTAssertEqual(Set(try truth.column("sky_noise_scale")), ["1.500"])

        r = try Fixtures.run(galam, ["bench", "images", "--count", "0", "--image-size", "64", "--survey", a + "," + b])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("authors' settings (default)"), r.out)
        XCTAssertTrue(r.out.contains("| \(a) | gaussian"), r.out)
        XCTAssertTrue(r.out.contains("| \(b) | moffat β 3."), r.out)  // the β drawn in 3–4
        XCTAssertTrue(r.out.contains("spread over 2 surveys"), r.out)

        // Bad values fail before any work, naming the option.
        for (args, word) in [(["--moffat-beta", "0.5-2", "--psf", "moffat"], "--moffat-beta"), (["--seeing", "2-1"], "--seeing"),
                             (["--star-fraction", "2"], "--star-fraction"), (["--psf", "airy"], "--psf")] {
            let bad = try Fixtures.run(galam, ["simulate", "--n", "2", "--out", dir + "/bad"] + args)
            XCTAssertNotEqual(bad.status, 0, args.joined(separator: " "))
            XCTAssertTrue(bad.err.contains(word), bad.err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
        let noSurvey = try Fixtures.run(galam, ["bench", "images", "--count", "0", "--held-out", a])
        XCTAssertNotEqual(noSurvey.status, 0)
        XCTAssertTrue(noSurvey.err.contains("--survey"), noSurvey.err)
    }
}

import Foundation
import SurveyIO
import TestSupport
import XCTest

/// `galam prepare-images` on a folder with bad cutouts among good ones, as a user runs it:
/// exit 0, a reason per bad file in catalog.csv, an output per good one; non-zero only when
/// no file at all could be read (README, "galam prepare-images").
final class BadCutoutsCLITests: XCTestCase {
    var galam: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("galam").path
    }

    func testBadCutoutsAmongGoodOnesDoNotStopTheRun() throws {
        let dir = Fixtures.scratchDirectory(), images = dir + "/images"
        try BadCutouts.write(into: images)
        let good = try FileManager.default.contentsOfDirectory(atPath: Fixtures.imagesDirectory).filter { $0.hasSuffix(".jpg") }
        for f in good { try FileManager.default.copyItem(atPath: Fixtures.imagesDirectory + "/" + f, toPath: images + "/" + f) }
        // With debug panels too: a panel of a 1×1 image trapped before (a 2-px bar on 1 px).
        let r = try Fixtures.run(galam, ["prepare-images", "--images", images, "--out", dir + "/out", "--quiet", "--debug-dir", dir + "/panels"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("\(good.count) of \(good.count + BadCutouts.expectedReasons.count) images accepted"), r.out)
        let out = try Catalog(contentsOf: dir + "/out/catalog.csv")
        for (name, reason) in zip(try out.column(.imageFile), try out.column(.rejectReason)) {
            if let expected = BadCutouts.expectedReasons[name] {
                XCTAssertTrue(reason.hasPrefix(expected), "\(name): '\(reason)'")
            } else {
                XCTAssertEqual(reason, "", name)
            }
        }
        let panels = try FileManager.default.contentsOfDirectory(atPath: dir + "/panels")
        XCTAssertEqual(panels.count, good.count + BadCutouts.expectedReasons.count - BadCutouts.unreadable.count, "\(panels)")
        // The unreadable ones are named on standard error.
        for name in BadCutouts.unreadable { XCTAssertTrue(r.err.contains(name), r.err) }

        // Nothing readable at all: an error, not an empty success.
        let unreadable = dir + "/unreadable"
        try FileManager.default.createDirectory(atPath: unreadable, withIntermediateDirectories: true)
        for name in BadCutouts.unreadable { try FileManager.default.copyItem(atPath: images + "/" + name, toPath: unreadable + "/" + name) }
        let none = try Fixtures.run(galam, ["prepare-images", "--images", unreadable, "--out", dir + "/none", "--quiet"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("none of the \(BadCutouts.unreadable.count) images could be read"), none.err)
    }
}

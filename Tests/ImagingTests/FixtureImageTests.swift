import Foundation
import Imaging
import SurveyIO
import TestSupport
import XCTest

/// The four fixture cutouts were already processed by the authors' pipeline (masked, cropped,
/// resized): the stage recognises them as masked and returns them unchanged. Forced to mask
/// them again (`.remask`), the crop re-magnifies the galaxy (figures in docs/prepare-images.md).
final class FixtureImageTests: XCTestCase {
    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += abs(Double(a[i]) - Double(b[i])) }
        return sum / Double(a.count)
    }

    func testFixturesAreAcceptedUnchanged() throws {
        var accepted = 0
        for row in try Fixtures.catalogRows() {
            let name = row["image_file"]!
            let image = try JPEG.read(Fixtures.imagesDirectory + "/" + name)
            XCTAssertTrue(ImageStage.looksPremasked(image), name)
            let outcome = ImageStage.paper.process(image)
            XCTAssertTrue(outcome.accepted, "\(name): \(outcome.rejectReason ?? "")")
            XCTAssertTrue(outcome.premasked, name)
            guard let out = outcome.output else { continue }
            accepted += 1
            XCTAssertEqual(out.count, 128 * 128 * 3)
            XCTAssertEqual(out, image.pixels, "\(name): re-processing a pre-processed image is a no-op")
        }
        XCTAssertEqual(accepted, 4)
    }

    func testRemaskingFixturesMagnifiesThem() throws {
        var stage = ImageStage.paper
        stage.premaskedInput = .remask
        for row in try Fixtures.catalogRows() {
            let name = row["image_file"]!
            let image = try JPEG.read(Fixtures.imagesDirectory + "/" + name)
            let outcome = stage.process(image)
            if let dir = ProcessInfo.processInfo.environment["GALAM_DEBUG_DIR"] {
                try JPEG.write(DebugPanels.panel(original: image, outcome: outcome, ellipseScale: 1.5), to: dir + "/" + name)
            }
            XCTAssertTrue(outcome.accepted, "\(name): \(outcome.rejectReason ?? "")")
            XCTAssertFalse(outcome.premasked)
            guard let out = outcome.output, let masked = outcome.masked, let e = outcome.ellipse else { continue }
            // The central ellipse sits near the image centre and is a sizeable part of the frame.
            XCTAssertLessThan(hypot(e.centerX - 64, e.centerY - 64), 25, name)
            XCTAssertGreaterThan(e.semiMinor, 10, name)
            let maskDiff = Self.meanAbsoluteDifference(masked.pixels, image.pixels)
            let finalDiff = Self.meanAbsoluteDifference(out, image.pixels)
            print("fixture \(name) re-masked: threshold \(outcome.threshold! * 255)/255, ellipse centre (\(String(format: "%.1f, %.1f", e.centerX, e.centerY))) semi-axes \(String(format: "%.1f, %.1f", e.semiMajor, e.semiMinor)); mean |Δ| masked vs input \(String(format: "%.2f", maskDiff)), final vs input \(String(format: "%.2f", finalDiff)) (0–255)")
            XCTAssertLessThan(maskDiff, 8, "masking an already-masked fixture removes only faint outskirts")
            XCTAssertGreaterThan(finalDiff, 15, "the smaller re-fitted ellipse re-magnifies the galaxy")
        }
    }
}

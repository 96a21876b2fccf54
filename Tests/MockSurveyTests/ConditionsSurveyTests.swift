import Foundation
import MockSurvey
import SurveyIO
import TestSupport
import XCTest

/// `galam simulate`'s observing conditions as files: each recorded in truth.csv, the blend
/// truth consistent with its ratio, the sky noise visible in the cutouts.
final class ConditionsSurveyTests: XCTestCase {
    static func simulate(_ name: String, count: Int = 10, seed: UInt64 = 5, _ edit: (inout ImageConditions) -> Void) throws -> (dir: String, truth: Catalog) {
        let dir = Fixtures.scratchDirectory(name)
        var job = SimulateJob(count: count, outputDirectory: dir, seed: seed)
        job.imageSize = 48
        job.showProgress = false
        edit(&job.conditions)
        _ = try job.run()
        return (dir, try Catalog(contentsOf: dir + "/truth.csv"))
    }

    func testSettingsAndBlendTruthAreRecorded() throws {
        let (_, truth) = try Self.simulate("conditions-moffat", count: 16) {
            $0.psfFamily = .moffat
            $0.moffatBeta = 2.5...3.0
            $0.seeingFWHMArcsec = 1.0...1.2
            $0.neighbourLayout = .random
            $0.neighbourDensity = 2
            $0.maxNeighbours = 3
            $0.starFraction = 0.5
            $0.skyNoiseScale = 2
            $0.stretch = 0.5
        }
        func col(_ c: ColumnName) throws -> [String] { try truth.column(c) }
        XCTAssertEqual(Set(try col(.psfFamily)), ["moffat"])
        XCTAssertEqual(Set(try col(.neighbourLayout)), ["random"])
        XCTAssertEqual(Set(try col(.neighbourDensity)), ["2.000"])
        XCTAssertEqual(Set(try col(.starFraction)), ["0.500"])
        XCTAssertEqual(Set(try col(.skyNoiseScale)), ["2.000"])
        XCTAssertEqual(Set(try col(.asinhStretch)), ["0.5000"])
        for b in try col(.psfBeta).map({ Double($0)! }) { XCTAssertTrue((2.5...3.0).contains(b), "\(b)") }
        for f in try col(.psfFWHMArcsec).map({ Double($0)! }) { XCTAssertTrue((0.999...1.201).contains(f), "\(f)") }
        let n = try col(.neighbours).map { Int($0)! }, stars = try col(.stars).map { Int($0)! }
        let ratio = try col(.blendRatioMax).map { Double($0)! }, blended = try col(.blended)
        XCTAssertTrue(n.allSatisfy { (0...3).contains($0) })
        XCTAssertGreaterThan(n.reduce(0, +), 16, "a density of 2 gives more than one neighbour a cutout on average")
        XCTAssertGreaterThan(stars.reduce(0, +), 0)
        for k in n.indices {
            XCTAssertLessThanOrEqual(stars[k], n[k])
            XCTAssertEqual(blended[k], String(ratio[k] >= 0.5), "row \(k)")
            if n[k] == 0 { XCTAssertEqual(ratio[k], 0) }
        }
        XCTAssertTrue(blended.contains("true") && blended.contains("false"), "\(ratio)")
    }

    /// The original conditions record themselves as such; the sky noise factor shows in the
    /// cutouts' corners (grey RMS of the 8×8 corner blocks, the same galaxies and draws).
    func testOriginalConditionsAndSkyNoise() throws {
        let (dirA, truthA) = try Self.simulate("conditions-original", count: 6) { _ in }
        let (dirB, _) = try Self.simulate("conditions-noisy", count: 6) { $0.skyNoiseScale = 3 }
        XCTAssertEqual(Set(try truthA.column(ColumnName.psfFamily)), ["gaussian"])
        XCTAssertEqual(Set(try truthA.column(ColumnName.psfBeta)), [""])
        XCTAssertEqual(Set(try truthA.column(ColumnName.neighbourLayout)), ["planted"])
        XCTAssertEqual(Set(try truthA.column(ColumnName.neighbourDensity)), ["1.050"])
        XCTAssertEqual(try truthA.column(ColumnName.stars).map { Int($0)! }.reduce(0, +), 0)
        func cornerRMS(_ dir: String) throws -> Double {
            var values: [Double] = []
            for name in try truthA.column(ColumnName.imageFile) {
                let img = try JPEG.read(dir + "/images/" + name)
                for (x0, y0) in [(0, 0), (40, 0), (0, 40), (40, 40)] {
                    for y in y0..<(y0 + 8) { for x in x0..<(x0 + 8) {
                        let p = (y * img.width + x) * 3
                        values.append(0.299 * Double(img.pixels[p]) + 0.587 * Double(img.pixels[p + 1]) + 0.114 * Double(img.pixels[p + 2]))
                    } }
                }
            }
            let m = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        let a = try cornerRMS(dirA), b = try cornerRMS(dirB)
        XCTAssertGreaterThan(b, 1.6 * a, "sky ×3 (compressed by the asinh stretch and the clipping of negative sky): corner RMS \(b) against \(a)")
    }

    func testImpossibleConditionsNameTheOption() {
        var c = ImageConditions()
        c.moffatBeta = 0.8...2
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--moffat-beta"), "\($0)") }
        c = ImageConditions()
        c.starFraction = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--star-fraction"), "\($0)") }
    }
}

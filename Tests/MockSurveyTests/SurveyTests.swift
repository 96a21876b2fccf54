import Foundation
import MockSurvey
import Spectra
import StellarPops
import SurveyIO
import TestSupport
import XCTest

/// The simulated survey as files: read back by the SDSS reader, selection, S/N, determinism.
final class SurveyTests: XCTestCase {
    static let model: MockSurveyModel = try! MockSurveyModel.load(imageSize: 48, arcsecPerPixel: 0.396)
    static let survey: (dir: String, truth: Catalog) = {
        let dir = Fixtures.scratchDirectory("mock")
        var job = SimulateJob(count: 16, outputDirectory: dir, seed: 11)
        job.imageSize = 48
        job.showProgress = false
        _ = try! job.run()
        return (dir, try! Catalog(contentsOf: dir + "/truth.csv"))
    }()

    func testFilesReadBackAndSelectionAgreesWithTruth() throws {
        let (dir, truth) = Self.survey
        let specs = try truth.column("spec_file"), intended = try truth.column("intended_selected")
        let catalog = try Catalog(contentsOf: dir + "/catalog.csv")
        XCTAssertEqual(try catalog.column("spec_file"), specs)
        for (k, name) in specs.enumerated() {
            let s = try SDSSSpectrum(contentsOf: dir + "/spectra/" + name)
            XCTAssertEqual(s.object.z, Double(try truth.column("z")[k])!, accuracy: 1e-6)
            // The S/N cut is made on SN_MEDIAN[2]; truth's flag on the target S/N it was built for.
            let passes = SelectionCuts.paper.reason(for: s.object) == nil
            if abs(s.object.snMedianR - 5) > 0.25 { XCTAssertEqual(passes, intended[k] == "true", name) }
            // r-band S/N recomputed from flux and ivar, independently of the simulator's code.
            var sn: [Double] = []
            for i in 0..<s.count where s.ivar[i] > 0 {
                let lam = pow(10, s.loglam[i])
                if lam >= 5600 && lam <= 6800 { sn.append(Double(s.flux[i]) * Double(s.ivar[i]).squareRoot()) }
            }
            sn.sort()
            let measured = sn[sn.count / 2]
            XCTAssertEqual(measured / s.object.snMedianR, 1, accuracy: 0.05, "\(name): S/N \(measured) vs SN_MEDIAN[2] \(s.object.snMedianR)")
            XCTAssertTrue(s.flux.allSatisfy { $0.isFinite })
            XCTAssertGreaterThan(s.wavelengthAngstrom.first!, 3700)
            XCTAssertLessThan(s.wavelengthAngstrom.first!, 3830, "covers the paper's grid")
            XCTAssertGreaterThan(s.wavelengthAngstrom.last!, 9000)
        }
        // The images decode to the requested size, and the spectra stage reads the survey.
        let img = try JPEG.read(dir + "/images/" + (try catalog.column("image_file"))[0])
        XCTAssertEqual([img.width, img.height], [48, 48])
        var job = PrepareSpectraJob(catalogPath: dir + "/catalog.csv", spectraDirectory: dir + "/spectra",
                                    outputDirectory: dir + "/prepared")
        job.showProgress = false
        let summary = try job.run()
        XCTAssertEqual(summary.fileErrors, 0)
        XCTAssertEqual(summary.accepted, intended.filter { $0 == "true" }.count, accuracy: 1)
    }

    /// The drawn population gives the intended cut fractions: ~1.5 % outside 0.002 ≤ z ≤ 0.3,
    /// 2 % with ZWARNING ≠ 0, and a tail below S/N 5 (the paper lost about 1 % to it).
    func testIntendedSelectionFractions() {
        var rng = SeededRandom(seed: 5)
        let n = 20000
        var zOut = 0, warn = 0, lowSN = 0, ages: [Double] = []
        for _ in 0..<n {
            let p = GalaxyParameters.draw(&rng)
            if p.z < 0.002 || p.z > 0.3 { zOut += 1 }
            if p.zWarning != 0 { warn += 1 }
            if p.snrTarget < 5 { lowSN += 1 }
            ages.append(p.formationLookbackGyr)
        }
        XCTAssertEqual(Double(zOut) / Double(n), 0.015, accuracy: 0.004)
        XCTAssertEqual(Double(warn) / Double(n), 0.02, accuracy: 0.004)
        XCTAssertEqual(Double(lowSN) / Double(n), 0.0072, accuracy: 0.003)  // P(N(0,0.5) < ln(5/17))
    }

    func testSameSeedSameFiles() throws {
        func run(_ seed: UInt64) throws -> String {
            let dir = Fixtures.scratchDirectory("seed")
            var job = SimulateJob(count: 3, outputDirectory: dir, seed: seed)
            job.imageSize = 32
            job.showProgress = false
            job.threads = seed == 1 ? 1 : 2  // the thread count must not matter
            _ = try job.run()
            return dir
        }
        let a = try run(1), b = try run(1), c = try run(2)
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).filter { $0.contains(".") }.sorted()
        XCTAssertEqual(files.count, 3 + 3 + 2)
        for f in files {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a + "/" + f)),
                           try Data(contentsOf: URL(fileURLWithPath: b + "/" + f)), f)
        }
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: a + "/truth.csv")),
                          try Data(contentsOf: URL(fileURLWithPath: c + "/truth.csv")))
    }

    /// Older or metal-richer populations give redder images (R/B of the central pixels),
    /// everything else held fixed.
    func testOlderAndMetalRicherAreRedder() {
        func redness(_ edit: (inout GalaxyParameters) -> Void) -> Double {
            var rng = SeededRandom(seed: 99)
            var p = GalaxyParameters.draw(&rng)
            p.z = 0.05; p.ebv = 0; p.burstAgeGyr = nil; p.burstMassFraction = 0; p.absoluteMagR = -21.5
            edit(&p)
            var r2 = SeededRandom(seed: 7)
            let g = MockGalaxy(params: p, model: Self.model, rng: &r2)
            var red = 0.0, blue = 0.0
            for y in 21...26 { for x in 21...26 { red += Double(g.image[x, y, 0]); blue += Double(g.image[x, y, 2]) } }
            return red / blue
        }
        let young = redness { $0.formationLookbackGyr = 1.5; $0.tauGyr = 5; $0.metallicity = 0 }
        let old = redness { $0.formationLookbackGyr = 12; $0.tauGyr = 0.5; $0.metallicity = 0 }
        XCTAssertGreaterThan(old, young * 1.1, "old \(old) vs young \(young)")
        let poor = redness { $0.formationLookbackGyr = 10; $0.tauGyr = 1; $0.metallicity = -1.2 }
        let rich = redness { $0.formationLookbackGyr = 10; $0.tauGyr = 1; $0.metallicity = 0.2 }
        XCTAssertGreaterThan(rich, poor * 1.05, "metal-rich \(rich) vs metal-poor \(poor)")
    }
}

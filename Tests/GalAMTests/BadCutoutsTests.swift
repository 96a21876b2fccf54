import Foundation
import GalAM
import Imaging
import SurveyIO
import TestSupport
import XCTest

/// One malformed file never costs the others (issue 14): the bad cutouts of `BadCutouts`
/// mixed with the four real SDSS cutouts and simulated ones, through `prepare-images`,
/// `prepare` and `predict`. Each bad file gets its reason, each good one the output it gets
/// when processed alone. The simulated survey and the tiny model are
/// `PreprocessingContractTests`' (trained once per test process).
final class BadCutoutsTests: XCTestCase {
    static let root = Fixtures.scratchDirectory("bad-cutouts")
    static var images: String { root + "/images" }
    static var catalogPath: String { root + "/catalog.csv" }
    static let simulatedRows = 12

    /// The folder (simulated + fixture + bad images) and a catalog naming all of them: bad and
    /// fixture images borrow the spectra (and so the labels) of simulated rows.
    static let setUp: [String] = {
        _ = PreprocessingContractTests.model  // simulates the survey (and trains) once
        let mock = PreprocessingContractTests.mock
        let fm = FileManager.default
        try! fm.createDirectory(atPath: images, withIntermediateDirectories: true)
        var survey = try! Catalog(contentsOf: mock + "/catalog.csv")
        survey.rows = Array(survey.rows.prefix(simulatedRows))
        let imageColumn = try! survey.columnIndex(ColumnName.imageFile.rawValue)
        for name in try! survey.column(.imageFile) { try! fm.copyItem(atPath: mock + "/images/" + name, toPath: images + "/" + name) }
        // The real cutouts are copied into the test's scratch folder only, never into the project.
        let fixtures = try! fm.contentsOfDirectory(atPath: Fixtures.imagesDirectory).filter { $0.hasSuffix(".jpg") }.sorted()
        for f in fixtures { try! fm.copyItem(atPath: Fixtures.imagesDirectory + "/" + f, toPath: images + "/" + f) }
        let bad = try! BadCutouts.write(into: images)
        // Rows whose spectrum passes the contract's cuts, so that `prepare` reaches the image.
        let specColumn = try! survey.columnIndex(ColumnName.specFile.rawValue)
        let donors = survey.rows.filter { PreprocessingContractTests.contract.spectra.process(path: mock + "/spectra/" + $0[specColumn]).accepted }
        precondition(!donors.isEmpty, "no simulated spectrum passes the cuts")
        for (k, name) in (fixtures + bad).enumerated() {
            var row = donors[k % donors.count]
            row[imageColumn] = name
            survey.rows.append(row)
        }
        survey.path = catalogPath
        try! survey.write(to: catalogPath)
        return fixtures
    }()

    /// Every row's fate: bad files with their reason (behind `prefix`), fixtures accepted, and
    /// simulated cutouts as the stage decides for each alone.
    func check(_ catalog: Catalog, prefix: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let stage = PreprocessingContractTests.contract.images
        let names = try catalog.column(.imageFile), reasons = try catalog.column(.rejectReason)
        XCTAssertEqual(names.count, Self.simulatedRows + Self.setUp.count + BadCutouts.expectedReasons.count, file: file, line: line)
        for (name, reason) in zip(names, reasons) {
            if let expected = BadCutouts.expectedReasons[name] {
                XCTAssertTrue(reason.hasPrefix(prefix + expected), "\(name): '\(reason)'", file: file, line: line)
            } else if Self.setUp.contains(name) {
                XCTAssertEqual(reason, "", "fixture \(name) rejected", file: file, line: line)
            } else {
                let alone = stage.process(path: Self.images + "/" + name).rejectReason.map { prefix + $0 } ?? ""
                XCTAssertEqual(reason, alone, name, file: file, line: line)
            }
        }
    }

    func testPrepareImagesGivesEveryBadCutoutAReason() throws {
        _ = Self.setUp
        var job = PrepareImagesJob(catalogPath: Self.catalogPath, imagesDirectory: Self.images, outputDirectory: Self.root + "/pi")
        job.stage = PreprocessingContractTests.contract.images
        job.showProgress = false
        let summary = try job.run()
        XCTAssertEqual(summary.fileErrors, BadCutouts.unreadable.count)
        let out = try Catalog(contentsOf: Self.root + "/pi/catalog.csv")
        try check(out, prefix: "")
        let shape = try MappedNPY<UInt8>(path: Self.root + "/pi/images.npy").shape
        XCTAssertEqual(shape, [summary.accepted, 48, 48, 3])
        XCTAssertGreaterThanOrEqual(summary.accepted, Self.setUp.count + Self.simulatedRows / 2)
    }

    func testPrepareKeepsTheGoodGalaxies() throws {
        _ = Self.setUp
        var prep = DatasetBuilder(catalogPath: Self.catalogPath, spectraDirectory: PreprocessingContractTests.mock + "/spectra",
                                  imagesDirectory: Self.images, labelsPath: PreprocessingContractTests.mock + "/truth.csv",
                                  outputDirectory: Self.root + "/data")
        prep.spectra = PreprocessingContractTests.contract.spectra
        prep.images = PreprocessingContractTests.contract.images
        prep.showProgress = false
        _ = try prep.run()
        let out = try Catalog(contentsOf: Self.root + "/data/catalog.csv")
        let reasons = try out.column(.rejectReason), names = try out.column(.imageFile)
        // Bad and fixture images carry spectra that pass the cuts: their fate is the image's.
        var seen = 0
        for (name, reason) in zip(names, reasons) {
            if let expected = BadCutouts.expectedReasons[name] {
                XCTAssertTrue(reason.hasPrefix("image: " + expected), "\(name): '\(reason)'")
                seen += 1
            } else if Self.setUp.contains(name) {
                XCTAssertEqual(reason, "", "fixture \(name) rejected")
            }
        }
        XCTAssertEqual(seen, BadCutouts.expectedReasons.count)
        let kept = try LabeledDataset(directory: Self.root + "/data")
        XCTAssertEqual(kept.count, reasons.filter(\.isEmpty).count)
    }

    func testPredictFromImagesGivesEveryBadCutoutAReason() throws {
        _ = Self.setUp
        let out = Self.root + "/predictions.csv"
        var job = PredictJob(modelDirectory: PreprocessingContractTests.model, imagesDirectory: Self.images, catalogPath: Self.catalogPath,
                             spectraDirectory: nil, outputPath: out)
        job.showProgress = false
        let summary = try job.run()
        let pred = try Catalog(contentsOf: out)
        try check(pred, prefix: "image: ")
        let accepted = try pred.column(.accepted).filter { $0 == "true" }.count
        XCTAssertEqual(accepted, summary.predicted)
        XCTAssertTrue(try pred.column(.logAge).enumerated().allSatisfy { k, v in (try pred.column(.accepted)[k] == "true") == !v.isEmpty })
    }
}

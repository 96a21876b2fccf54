import Foundation
import GalAM
import Imaging
import MockSurvey
import Spectra
import SurveyIO
import TestSupport
import XCTest

/// `predict` pre-processes new galaxies exactly as `prepare` did for the training set: a
/// dataset built with a non-default blend check and non-default spectral cuts, a tiny model
/// trained on it, then `predict` on the same files accepts and rejects the same galaxies with
/// the same reasons — where the default stages would decide differently.
final class PreprocessingContractTests: XCTestCase {
    static let root = Fixtures.scratchDirectory("contract")
    static var mock: String { root + "/mock" }

    /// The stricter settings the README recommends for a training set, and a higher S/N cut.
    static let contract: PreprocessingContract = {
        var images = ImageStage()
        images.size = 48
        images.blendRegion = .footprint
        images.detectionImages = .greyAndBands
        images.detector.minPixels = 5
        var spectra = SpectraStage()
        spectra.cuts.minSNR = 15
        return PreprocessingContract(spectra: spectra, images: images)
    }()

    /// Survey → dataset (with `contract`) → a model trained for one epoch.
    static let model: String = {
        var sim = SimulateJob(count: 80, outputDirectory: mock, seed: 5)
        sim.imageSize = 64
        sim.showProgress = false
        _ = try! sim.run()
        var prep = DatasetBuilder(catalogPath: mock + "/catalog.csv", spectraDirectory: mock + "/spectra",
                                  imagesDirectory: mock + "/images", labelsPath: mock + "/truth.csv", outputDirectory: root + "/data")
        prep.spectra = contract.spectra
        prep.images = contract.images
        prep.showProgress = false
        _ = try! prep.run()
        var c = TrainingConfig()
        c.epochs = 1
        c.fusions = [.learned]
        var p = PaperPipeline(data: try! LabeledDataset(directory: root + "/data"), modelDirectory: root + "/model", config: c)
        p.showProgress = false
        _ = try! p.run()
        return root + "/model"
    }()

    /// `prepare`'s reason per catalog row ("" when kept).
    func prepareReasons() throws -> [String] { try Catalog(contentsOf: Self.root + "/data/catalog.csv").column(.rejectReason) }

    func predict(spectra: Bool) throws -> Catalog {
        let out = Self.root + (spectra ? "/with-spectra.csv" : "/images-only.csv")
        var job = PredictJob(modelDirectory: Self.model, imagesDirectory: Self.mock + "/images", catalogPath: Self.mock + "/catalog.csv",
                             spectraDirectory: spectra ? Self.mock + "/spectra" : nil, outputPath: out)
        job.showProgress = false
        _ = try job.run()
        return try Catalog(contentsOf: out)
    }

    func testModelCarriesTheDatasetsContract() throws {
        let info = try ModelInfo.load(directory: Self.model)
        XCTAssertEqual(info.preprocessing, Self.contract)
        XCTAssertEqual(try PreprocessingContract.of(datasetDirectory: Self.root + "/data"), Self.contract)
        XCTAssertEqual(try Predictor(modelDirectory: Self.model).preprocessing, Self.contract)
    }

    /// Images: wherever `prepare` got as far as the image stage, `predict` from images alone
    /// accepts the same images and rejects the others for the same reason.
    func testPredictAcceptsAndRejectsTheImagesPrepareDid() throws {
        let reasons = try prepareReasons()
        let pred = try predict(spectra: false)
        let accepted = try pred.column(.accepted), why = try pred.column(.rejectReason), files = try pred.column(.imageFile)
        XCTAssertEqual(files, try Catalog(contentsOf: Self.mock + "/catalog.csv").column(.imageFile))
        var compared = 0, imageRejections = 0
        for (k, reason) in reasons.enumerated() where !reason.hasPrefix("spectrum:") {
            compared += 1
            if reason.hasPrefix("image: ") {
                imageRejections += 1
                XCTAssertEqual(accepted[k], "false", files[k])
                XCTAssertEqual(why[k], reason, files[k])
            } else {
                XCTAssertEqual(accepted[k], "true", "\(files[k]): \(why[k])")
            }
        }
        XCTAssertGreaterThan(compared, 20)
        XCTAssertGreaterThan(imageRejections, 0, "the strict blend check rejects some of these cutouts")
        // The test can fail: the authors' default stage decides differently on some cutouts.
        let defaults = ImageStage(size: 48)
        let differ = files.indices.filter { k in
            !reasons[k].hasPrefix("spectrum:") && defaults.process(path: Self.mock + "/images/" + files[k]).accepted != (accepted[k] == "true")
        }
        XCTAssertFalse(differ.isEmpty, "default settings would have given the same fates")
    }

    /// Spectra: `predict --spectra` uses a galaxy's spectrum exactly when it passed `prepare`'s
    /// cuts, and says why not otherwise.
    func testPredictUsesTheSpectraPrepareAccepted() throws {
        let reasons = try prepareReasons()
        let pred = try predict(spectra: true)
        let model = try pred.column(.model), spectrumReason = try pred.column(.spectrumReason)
        var rejected = 0
        for (k, reason) in reasons.enumerated() {
            if reason.hasPrefix("spectrum: ") {
                rejected += 1
                XCTAssertEqual("spectrum: " + spectrumReason[k], reason, "row \(k)")
                XCTAssertNotEqual(model[k], PaperModel.Name.spectraOnly.rawValue, "row \(k)")
            } else {
                XCTAssertEqual(model[k], PaperModel.Name.spectraOnly.rawValue, "row \(k)")
                XCTAssertEqual(spectrumReason[k], "", "row \(k)")
            }
        }
        // S/N between the paper's 5 and this contract's 15: the default cut would use them.
        let lowSNR = reasons.filter { $0.hasPrefix("spectrum: r-band S/N") }.count
        XCTAssertGreaterThan(lowSNR, 0)
        XCTAssertGreaterThan(rejected, 0)
    }

    /// Settings that cannot work fail in the library types with the option's name.
    func testValidationLivesInTheLibrary() throws {
        var small = PreprocessingContract()
        small.images.size = 40
        XCTAssertThrowsError(try small.validate()) { XCTAssertEqual(($0 as? InvalidSetting)?.setting, "--image-size") }
        var masked = ImageStage()
        masked.detectionNoise = .masked
        masked.blendRegion = .footprint
        XCTAssertThrowsError(try masked.validate()) { XCTAssertEqual(($0 as? InvalidSetting)?.setting, "--blend-region") }
        var cuts = SpectraStage()
        cuts.cuts.minRedshift = 0.5
        XCTAssertThrowsError(try cuts.validate())
        var job = DatasetBuilder(catalogPath: "/nonexistent.csv", spectraDirectory: "/", imagesDirectory: "/", labelsPath: "/x", outputDirectory: "/tmp/x")
        job.images.size = 32
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("46 px"), "\($0)") }
    }

    /// Datasets and models from before the contract: defaults are recovered, anything else is
    /// a clear error saying what to run again.
    func testLegacyManifestsAreReadOrRefusedClearly() throws {
        let dir = Fixtures.scratchDirectory("legacy")
        func manifest(_ entries: [String: String]) throws {
            try JSONSerialization.data(withJSONObject: entries).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        }
        try manifest(["stage": "prepare", "image_size": "64", "bands": "gr"])
        var expected = PreprocessingContract()
        expected.images.size = 64
        expected.images.bands = .gr
        XCTAssertEqual(try PreprocessingContract.of(datasetDirectory: dir), expected, "before the blend options: defaults")
        try manifest(["image_size": "64", "bands": "gri", "blend_check": "region mask, detect on grey, min pixels 10, min prominence 0.0 σ"])
        XCTAssertEqual(try PreprocessingContract.of(datasetDirectory: dir).images, ImageStage(size: 64))
        try manifest(["image_size": "64", "bands": "gri", "blend_check": "region footprint, detect on grey+bands, min pixels 5, min prominence 2.0 σ"])
        XCTAssertThrowsError(try PreprocessingContract.of(datasetDirectory: dir)) { e in
            XCTAssertTrue("\(e)".contains("run `galam prepare` again"), "\(e)")
        }

        // A model.json without the contract, its dataset gone: refused, naming what to re-run.
        var info = try ModelInfo.load(directory: Self.model)
        info.preprocessing = nil
        info.dataset = dir + "/gone"
        XCTAssertThrowsError(try info.preprocessingContract(modelPath: "model.json")) { e in
            XCTAssertTrue("\(e)".contains("run `galam train"), "\(e)")
        }
        info.dataset = Self.root + "/data"
        XCTAssertEqual(try info.preprocessingContract(modelPath: "model.json"), Self.contract)
    }

    /// A finished stage keeps its best weights and history, not its optimiser state.
    func testFinishedStagesDropTheirResumableState() throws {
        let stages = try FileManager.default.contentsOfDirectory(atPath: Self.model + "/stages").filter { !$0.hasSuffix(".safetensors") }
        XCTAssertEqual(stages.count, 5, "\(stages)")
        for s in stages {
            let files = Set(try FileManager.default.contentsOfDirectory(atPath: Self.model + "/stages/" + s))
            XCTAssertEqual(files, ["best.safetensors", "history.json", "done"], s)
        }
    }
}

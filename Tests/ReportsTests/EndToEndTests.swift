import Foundation
import GalAM
import MockSurvey
import Reports
import SurveyIO
import TestSupport
import XCTest

/// The whole pipeline on a small simulated survey: simulate → prepare → train every stage →
/// evaluate → report → predict from images alone. Labels come from the simulation truth here
/// (the fitter has its own tests and is slow in debug builds). Images are 48 px: M2's four
/// valid 3×3 convolutions with 2×2 pools need at least 46.
final class EndToEndTests: XCTestCase {
    static let root = Fixtures.scratchDirectory("e2e")
    static let dataset: String = {
        var sim = SimulateJob(count: 500, outputDirectory: root + "/mock", seed: 21)
        sim.imageSize = 64
        sim.showProgress = false
        _ = try! sim.run()
        var prep = DatasetBuilder(catalogPath: root + "/mock/catalog.csv", spectraDirectory: root + "/mock/spectra",
                                  imagesDirectory: root + "/mock/images", labelsPath: root + "/mock/truth.csv", outputDirectory: root + "/data")
        prep.truthPath = root + "/mock/truth.csv"
        prep.images.size = 48
        prep.showProgress = false
        _ = try! prep.run()
        return root + "/data"
    }()

    func train(epochs: Int, fusions: [TrainingConfig.Fusion], into dir: String, learningRate: Float? = nil) throws {
        var c = TrainingConfig()
        c.epochs = epochs
        if let learningRate { for k in c.learningRates.keys { c.learningRates[k] = learningRate } }
        c.fusions = fusions
        var p = PaperPipeline(data: try LabeledDataset(directory: Self.dataset), modelDirectory: dir, config: c)
        p.showProgress = false
        _ = try p.run()
    }

    func testEveryArtefactExistsAndMetricsAreFinite() throws {
        let model = Self.root + "/model"
        try train(epochs: 2, fusions: [.learned, .frozen], into: model)
        let report = try ModelReport.write(modelDirectory: model)
        for f in ["model.json", "predictions.csv", "training.json", "features_m1.npy", "features_m2.npy", "metrics.json", "metrics.md",
                  "report.html", "figures/loss.svg", "figures/pred-multimodal_learned-age.svg", "figures/sd-per-snr.svg", "figures/features.svg",
                  "figures/labels-age.svg", "calibration.json", "ood_reference.npy", "intervals.csv", "intervals.fits", "coverage.json",
                  "figures/reliability.svg", "figures/ood-scores.svg", "figures/coverage-per-snr.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/" + f), f)
        }
        XCTAssertTrue(try String(contentsOfFile: report, encoding: .utf8).contains("<svg"))
        let e = try Evaluation(modelDirectory: model)
        XCTAssertEqual(Set(e.models.map(\.model)), ["multimodal_learned", "multimodal_frozen", "image_only", "spectra_only", "with_real_spectra"])
        for m in e.models {
            for r in [m.age, m.metallicity, m.ageVsTruth!, m.metallicityVsTruth!] {
                XCTAssertTrue([r.mse, r.mae, r.bias, r.sd].allSatisfy(\.isFinite), m.model)
            }
        }
        XCTAssertTrue(e.meanFeatureR2?.isFinite ?? false)

        // Calibrated intervals for every model and galaxy: ordered bounds around the prediction.
        let iv = try Catalog(contentsOf: model + "/intervals.csv")
        XCTAssertEqual(iv.count, try LabeledDataset(directory: Self.dataset).count)
        for m in PaperModel.Name.allCases {
            for k in 0..<2 {
                let p = try iv.doubles(k == 0 ? Predictions.logAge(m) : Predictions.mh(m))
                let b = try IntervalColumns.bounds(m, parameter: k).map { try iv.doubles($0) }
                for r in 0..<iv.count {
                    XCTAssertTrue(b[2][r] <= b[0][r] && b[0][r] < p[r] && p[r] < b[1][r] && b[1][r] <= b[3][r], "\(m) \(k) row \(r)")
                }
            }
        }
        XCTAssertTrue(try iv.doubles(.oodScore).allSatisfy { $0.isFinite && $0 > 0 })
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let cov = try decoder.decode(CoverageEvaluation.self, from: Data(contentsOf: URL(fileURLWithPath: model + "/coverage.json")))
        XCTAssertEqual(cov.models.count, 5)
        XCTAssertTrue(try String(contentsOfFile: model + "/metrics.md", encoding: .utf8).contains("Calibrated intervals"))

        // Every epoch timed; each stage's seconds their sum, and the run's the stages' sum (by a
        // naive loop over the JSON).
        func recordedSeconds() throws -> Double {
            let stages = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/training.json"))) as? [[String: Any]])
            XCTAssertEqual(stages.count, 6)
            var total = 0.0
            for stage in stages {
                let epochs = try XCTUnwrap(stage["epochs"] as? [[String: Any]]).map { $0["seconds"] as? Double ?? -1 }
                XCTAssertTrue(epochs.count == 2 && epochs.allSatisfy { $0 > 0 }, "\(epochs)")
                XCTAssertEqual(try XCTUnwrap(stage["seconds"] as? Double), epochs.reduce(0, +), accuracy: 1e-9)
                total += epochs.reduce(0, +)
            }
            return total
        }
        let seconds = try recordedSeconds()
        XCTAssertEqual(try XCTUnwrap(SeedSummary.trainingSeconds(of: model)), seconds, accuracy: 1e-9)

        // Training again finds every stage cached and gives the same predictions; the cached
        // stages keep the time they took.
        let before = try Data(contentsOf: URL(fileURLWithPath: model + "/predictions.csv"))
        try train(epochs: 2, fusions: [.learned, .frozen], into: model)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model + "/predictions.csv")), before)
        XCTAssertEqual(try recordedSeconds(), seconds)

        // Prediction from images alone, for every cutout of the survey (rejections listed).
        var job = PredictJob(modelDirectory: model, imagesDirectory: Self.root + "/mock/images", catalogPath: nil,
                             spectraDirectory: nil, outputPath: Self.root + "/pred.csv")
        job.showProgress = false
        let s = try job.run()
        XCTAssertEqual(s.total, 500)
        let pred = try Catalog(contentsOf: Self.root + "/pred.csv")
        XCTAssertEqual(pred.count, 500)
        let ok = try pred.column("accepted"), age = try pred.column("log_age"), reason = try pred.column("reject_reason")
        XCTAssertEqual(ok.filter { $0 == "true" }.count, s.predicted)
        for k in 0..<500 { XCTAssertEqual(ok[k] == "true", Double(age[k])?.isFinite ?? false); XCTAssertEqual(ok[k] == "true", reason[k].isEmpty) }
        let lo = try pred.doubles(.logAgeLo95), hi = try pred.doubles(.logAgeHi95), score = try pred.doubles(.oodScore)
        for k in 0..<500 where ok[k] == "true" {
            XCTAssertTrue(lo[k] < Double(age[k])! && Double(age[k])! < hi[k] && score[k].isFinite, "row \(k)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.root + "/pred.csv.manifest.json"))
    }

    /// M4 learns: on the test split it beats predicting the training mean (MSE of both labels).
    /// 15 epochs at a learning rate of 1e-3 (the paper's 1e-4 needs many more steps than a
    /// test can afford on 334 training galaxies).
    func testMultiModalBeatsTheTrainingMean() throws {
        let model = Self.root + "/model-learning"
        try train(epochs: 15, fusions: [.frozen], into: model, learningRate: 1e-3)
        let p = try Catalog(contentsOf: model + "/predictions.csv")
        let split = try p.column("split")
        func col(_ n: String) throws -> [Double] { try p.column(n).map { Double($0)! } }
        let test = split.indices.filter { split[$0] == "test" }, train = split.indices.filter { split[$0] == "train" }
        var modelMSE = 0.0, meanMSE = 0.0
        for (label, pred) in [("log_age", "multimodal_frozen_log_age"), ("mh", "multimodal_frozen_mh")] {
            let y = try col(label), yp = try col(pred)
            let mean = train.map { y[$0] }.reduce(0, +) / Double(train.count)
            let range = (y.max()! - y.min()!)
            modelMSE += test.map { pow((yp[$0] - y[$0]) / range, 2) }.reduce(0, +)
            meanMSE += test.map { pow((mean - y[$0]) / range, 2) }.reduce(0, +)
        }
        XCTAssertLessThan(modelMSE, 0.7 * meanMSE, "M4 \(modelMSE) vs training mean \(meanMSE) (scaled squared errors, test split)")
    }
}

import Foundation
import GalAM
import MockSurvey
import Reports
import StellarPops
import SurveyIO

/// `galam demo`: the whole tool on a small simulated survey — simulate, label by full-spectrum
/// fitting, prepare, train every stage, evaluate and report, then predict ages and
/// metallicities for a separate set of galaxies that have only images. The one place that
/// drives every stage, so it lives at the end of the module chain, in Workflows: a showcase,
/// not part of the product.
public struct DemoJob {
    public var outputDirectory: String
    public var galaxies = 1500
    public var heldOut = 200
    public var imageSize = 64
    public var epochs = 8
    public var seed: UInt64 = 1
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true

    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

    public struct Summary {
        public var reportPath: String
        public var metrics: Evaluation
        public var heldOutPredictions: String
        /// SD of (predicted − truth) on the held-out images: log age, [M/H].
        public var heldOutSD: [Double]
        public var heldOutPredicted: Int
        /// Share of held-out galaxies whose calibrated interval holds the truth: log age 68 %,
        /// 95 %, [M/H] 68 %, 95 %.
        public var heldOutCoverage: [Double]
        public var seconds: [(String, Double)]
    }

    func say(_ s: String) { if showProgress { printError("demo: " + s) } }

    public func run() throws -> Summary {
        let out = outputDirectory
        var times: [(String, Double)] = []
        func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            let r = try body()
            times.append((name, Date().timeIntervalSince(t0)))
            say(String(format: "%@ done in %.0f s", name, times.last!.1))
            return r
        }
        // The cutouts are simulated at 128 px (the SDSS size) and resized by the image stage.
        let scale = 0.396
        try timed("simulate \(galaxies) + \(heldOut) galaxies") {
            for (dir, n, s) in [("survey", galaxies, seed), ("held-out", heldOut, seed &+ 1000)] {
                var sim = SimulateJob(count: n, outputDirectory: out + "/" + dir, seed: s)
                sim.arcsecPerPixel = scale
                sim.threads = threads
                sim.showProgress = showProgress
                _ = try sim.run()
            }
        }
        try timed("fit-labels") {
            var fit = FitLabelsJob(catalogPath: out + "/survey/catalog.csv", spectraDirectory: out + "/survey/spectra",
                                   outputPath: out + "/survey/labels.csv")
            fit.threads = threads
            fit.showProgress = showProgress
            _ = try fit.run()
        }
        try timed("prepare") {
            var prep = DatasetBuilder(catalogPath: out + "/survey/catalog.csv", spectraDirectory: out + "/survey/spectra",
                                      imagesDirectory: out + "/survey/images", labelsPath: out + "/survey/labels.csv",
                                      outputDirectory: out + "/data")
            prep.truthPath = out + "/survey/truth.csv"
            prep.images.size = imageSize
            prep.seed = seed
            prep.threads = threads
            prep.showProgress = showProgress
            _ = try prep.run()
        }
        try timed("train (\(epochs) epochs per stage)") {
            var config = TrainingConfig()
            config.epochs = epochs
            config.seed = seed
            var p = PaperPipeline(data: try LabeledDataset(directory: out + "/data"), modelDirectory: out + "/model", config: config)
            p.showProgress = showProgress
            p.threads = threads
            _ = try p.run()
        }
        let report = try timed("evaluate and report") { try ModelReport.write(modelDirectory: out + "/model") }
        let predPath = out + "/held-out-predictions.csv"
        let summary = try timed("predict \(heldOut) held-out galaxies from images alone") { () -> PredictJob.Summary in
            var job = PredictJob(modelDirectory: out + "/model", imagesDirectory: out + "/held-out/images",
                                 catalogPath: out + "/held-out/catalog.csv", spectraDirectory: nil, outputPath: predPath)
            job.threads = threads
            job.showProgress = showProgress
            return try job.run()
        }
        // Held-out accuracy against the simulation truth.
        let pred = try Catalog(contentsOf: predPath), truth = try Catalog(contentsOf: out + "/held-out/truth.csv")
        let truthImages = try truth.column(ColumnName.imageFile)
        let tAge = Dictionary(uniqueKeysWithValues: zip(truthImages, try truth.column(ColumnName.logAgeLW)))
        let tMh = Dictionary(uniqueKeysWithValues: zip(truthImages, try truth.column(ColumnName.metallicityLW)))
        var pa: [Double] = [], ta: [Double] = [], pm: [Double] = [], tm: [Double] = []
        var inside = [Int](repeating: 0, count: 4)
        let bounds = try ColumnName.intervalColumns.map { try pred.doubles($0) }
        for (r, (img, (a, m))) in zip(try pred.column(.imageFile), zip(try pred.column(.logAge), try pred.column(.mh))).enumerated() {
            guard let a = Double(a), let m = Double(m), let x = tAge[img].flatMap(Double.init), let y = tMh[img].flatMap(Double.init) else { continue }
            pa.append(a); ta.append(x); pm.append(m); tm.append(y)
            for (j, v) in [x, x, y, y].enumerated() where bounds[2 * j][r] <= v && v <= bounds[2 * j + 1][r] { inside[j] += 1 }
        }
        return Summary(reportPath: report, metrics: try Evaluation(modelDirectory: out + "/model"), heldOutPredictions: predPath,
                       heldOutSD: [RegressionMetrics(predicted: pa, truth: ta).sd, RegressionMetrics(predicted: pm, truth: tm).sd],
                       heldOutPredicted: summary.predicted, heldOutCoverage: inside.map { Double($0) / Double(max(pa.count, 1)) }, seconds: times)
    }
}

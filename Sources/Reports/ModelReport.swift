import Foundation
import GalAM
import SurveyIO

/// The figures of a trained model (after the paper's Figs. 10–16) as SVG files in
/// `<model>/figures/`, gathered with the metrics in one self-contained `report.html`.
public enum ModelReport {
    /// Writes metrics, figures and the report; returns the report's path. `oodComparisons`:
    /// labelled `galam predict` outputs of shifted sets, whose OOD scores the report sets
    /// against the test split's.
    @discardableResult
    public static func write(modelDirectory dir: String, oodComparisons: [(label: String, path: String)] = []) throws -> String {
        let eval = try Evaluation(modelDirectory: dir)
        try eval.write(to: dir)
        let p = try Catalog(contentsOf: dir + "/predictions.csv")
        let split = try p.column(.split), age = try p.doubles(.logAge), mh = try p.doubles(.mh)
        let test = split.indices.filter { split[$0] == "test" }
        var figures: [(name: String, svg: String, caption: String)] = []

        // Fig. 10: label distributions per split.
        for (label, v) in [("log(age/yr)", age), ("[M/H]", mh)] {
            let samples = ["train", "validation", "test"].map { s in (s, split.indices.filter { split[$0] == s }.map { v[$0] }) }
            figures.append(("labels-\(label == "[M/H]" ? "mh" : "age")", Figures.histograms(title: "Label distribution: \(label)", xLabel: label, samples: samples),
                            "Distribution of \(label) in the training, validation and test splits (cf. the paper's Fig. 10)."))
        }
        // Fig. 11: loss curves.
        if let data = FileManager.default.contents(atPath: dir + "/training.json") {
            let h = try JSONDecoder().decode([StageHistory].self, from: data)
            figures.append(("loss", Figures.lossCurves(title: "Training (lines) and validation (points) loss per stage",
                                                        stages: h.map { ($0.stage, $0.epochs.map(\.train), $0.epochs.map(\.validation)) }),
                            "Loss per epoch for each stage (learning rates: " + h.map { "\($0.stage) \($0.learningRate)" }.joined(separator: ", ") + ")."))
        }
        // Figs. 12–14: predicted vs true on the test split.
        for model in Predictions.models(in: p) {
            let pa = try p.doubles(Predictions.logAge(model)), pm = try p.doubles(Predictions.mh(model))
            let name = model.rawValue, title = model.displayName
            figures.append(("pred-\(name)-age", Figures.predictedVsTrue(title: "\(title): age", label: "log(age/yr)",
                                                                         predicted: test.map { pa[$0] }, truth: test.map { age[$0] }),
                            "\(title): predicted against labelled log age on the test split, with the residual histogram."))
            figures.append(("pred-\(name)-mh", Figures.predictedVsTrue(title: "\(title): [M/H]", label: "[M/H]",
                                                                        predicted: test.map { pm[$0] }, truth: test.map { mh[$0] }),
                            "\(title): predicted against labelled [M/H] on the test split."))
        }
        // Fig. 15: SD per S/N bin.
        if let mm = eval.models.first {
            let cats = SNRBin.paper.map(\.label)
            figures.append(("sd-per-snr", Figures.bars(title: "SD of residuals per r-band S/N bin: \(Evaluation.displayName(mm.model))",
                                                       yLabel: "SD (dex)", categories: cats,
                                                       series: [("log age", cats.map { mm.sdPerSNRBin[$0]?[0] ?? .nan }),
                                                                ("[M/H]", cats.map { mm.sdPerSNRBin[$0]?[1] ?? .nan })]),
                            "Standard deviation of the residuals in bins of r-band S/N (cf. the paper's Fig. 15)."))
        }
        // Fig. 16-like: one test galaxy's simulated vs real spectral features.
        if let k = test.first, FileManager.default.fileExists(atPath: dir + "/features_m1.npy") {
            let real = try MappedNPY<Float>(path: dir + "/features_m1.npy"), sim = try MappedNPY<Float>(path: dir + "/features_m2.npy")
            let r = real.row(k).map(Double.init), s = sim.row(k).map(Double.init)
            var plot = SVGPlot(title: "Spectral features of test galaxy \(k): real (M1) and simulated from the image (M2)", xLabel: "feature index", yLabel: "value")
            let x = r.indices.map(Double.init)
            plot.series = [.init(label: "real (M1)", x: x, y: r, color: "black"), .init(label: "simulated (M2)", x: x, y: s, color: "#d62728"),
                           .init(label: "simulated − real", x: x, y: zip(s, r).map { $0 - $1 - 0.5 }, color: "#1f77b4")]
            figures.append(("features", plot.svg(), String(format: "Real and simulated 1024-d spectral features of one test galaxy (residual offset by −0.5); R² = %.3f, mean over the test split %.3f.",
                                                              coefficientOfDetermination(predicted: s, truth: r), eval.meanFeatureR2 ?? .nan)))
        }
        // Calibrated intervals and the OOD score (intervals.csv, coverage.json); a model whose
        // validation split is too small to calibrate gets a sentence instead.
        var coverage: CoverageEvaluation?
        var calibrationNote = ""
        do {
            coverage = try CoverageEvaluation(modelDirectory: dir, intervals: try CalibratedDataset.write(modelDirectory: dir), comparisons: oodComparisons)
        } catch let e as CalibrationUnavailable { calibrationNote = "No calibrated intervals: \(e)." }
        if let coverage {
            try CoverageReport.write(coverage, modelDirectory: dir)
            figures += CoverageReport.figures(coverage, threshold: try Calibration.load(modelDirectory: dir).0.ood.threshold)
        }
        for f in figures { try AtomicFile.write(f.svg, to: dir + "/figures/\(f.name).svg") }

        var report = HTMLReport(title: "GalAM report: \(dir)")
        let t = eval.table()
        var metrics: [HTMLReport.Block] = [.paragraph("Metrics on the test split (\(eval.testCount) galaxies), in dex, against the labels used for training (paper's Table 1 layout)."),
                                           .table(header: t.header, rows: t.rows)]
        if eval.models.first?.ageVsTruth != nil {
            let u = eval.table(vsTruth: true)
            metrics += [.paragraph("Against the simulation truth:"), .table(header: u.header, rows: u.rows)]
        }
        if let r2 = eval.meanFeatureR2 { metrics.append(.paragraph(String(format: "Mean R² between M2's simulated and M1's real spectral features on the test split: %.4f.", r2))) }
        metrics.append(.paragraph("Paper (Table 1, SDSS, 100 epochs): multi-modal SD 0.1506 / 0.1402; image-only 0.2057 / 0.1644; spectra-only 0.1355 / 0.1269; with real spectra 0.1293 / 0.1266 (age / [M/H])."))
        report.add("Metrics", metrics)
        report.add("Calibrated intervals and out-of-distribution flags", coverage.map(CoverageReport.blocks) ?? [.paragraph(calibrationNote)])
        report.add("Figures", figures.map { .figure(svg: $0.svg, caption: $0.caption) })
        let path = dir + "/report.html"
        try AtomicFile.write(report.html(), to: path)
        return path
    }
}

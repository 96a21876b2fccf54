import Foundation
import SurveyIO

/// `intervals.csv` (and `intervals.fits`) of a model folder: every galaxy of the model's
/// dataset with its split, S/N, labels, truth, crop size, OOD score and flag, and for every
/// model its prediction, 68 % and 95 % bounds per parameter (S/N among the descriptors, as it
/// is known for these galaxies), σ with and without S/N, and the label-range flag.
/// `galam evaluate` writes it and measures coverage on its test rows.
public enum CalibratedDataset {
    public static let fileName = "intervals.csv"

    /// Runs every model over the dataset, applies the calibration and writes the table (CSV
    /// and FITS, the methods in the FITS header and in `intervals.csv.manifest.json`).
    @discardableResult
    public static func write(modelDirectory dir: String) throws -> Catalog {
        let (cal, scorer) = try Calibration.loadOrFit(modelDirectory: dir) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let set = try ModelSet(modelDirectory: dir)
        let data = try LabeledDataset(directory: set.info.dataset)
        let rows = Array(0..<data.count)
        let out = set.run(data, rows: rows)
        let scores = scorer.scores(out.imageFeatures, count: rows.count)
        let crop = rows.map { DifficultyDescriptors.cropSize(image: data.images.row($0), size: data.imageSize, channels: data.channels) }
        let bright = rows.map { DifficultyDescriptors.brightness(image: data.images.row($0)) }
        let models = PaperModel.Name.allCases.filter { out.predictions[$0] != nil && cal.intervals($0) != nil }

        var columns: [ColumnName] = [.index, .split, .snrR, .logAge, .mh, .truthLogAge, .truthMH, .cropSize, .oodScore, .oodFlag]
        for m in models {
            columns += [Predictions.logAge(m), Predictions.mh(m)] + IntervalColumns.bounds(m, parameter: 0) + IntervalColumns.bounds(m, parameter: 1)
            columns += [IntervalColumns.sigma(m, parameter: 0, snr: true), IntervalColumns.sigma(m, parameter: 1, snr: true),
                        IntervalColumns.sigma(m, parameter: 0, snr: false), IntervalColumns.sigma(m, parameter: 1, snr: false),
                        IntervalColumns.outsideLabelRange(m)]
        }
        let f = { (v: Double) in String(format: "%.6g", v) }
        let table = rows.map { r -> [String] in
            var row = [String(r), data.splits[r].rawValue, f(data.snr[r]), f(data.targets[r][0]), f(data.targets[r][1]),
                       data.truth.map { f($0[r][0]) } ?? "", data.truth.map { f($0[r][1]) } ?? "", f(crop[r]), f(scores[r]),
                       String(cal.ood.flag(score: scores[r]))]
            for m in models {
                let p = out.predictions[m]![r], iv = cal.intervals(m)!
                let d = DifficultyDescriptors(scaledPrediction: set.info.scaler.scale(p), cropSize: crop[r], brightness: bright[r],
                                              oodScore: scores[r], snr: data.snr[r])
                let b = cal.bounds(m, prediction: p, descriptors: d)!
                let sig = [true, false].flatMap { s in
                    (0..<2).map { k in (s ? iv.withSNR : iv.withoutSNR)[k].difficulty.sigma(d.vector(image: iv.usesImage, snr: s)) }
                }
                row += [f(p[0]), f(p[1])] + (b[0] + b[1]).map(f) + sig.map(f) + [String(cal.ood.outsideLabelRange(p))]
            }
            return row
        }
        let catalog = Catalog(columns: columns, rows: table)
        try catalog.write(to: dir + "/" + fileName)
        let writer = try PredictionWriter(path: dir + "/intervals.fits", columns: columns, numeric: { name in
            !(name == .split || name == .oodFlag || name.rawValue.hasSuffix("outside_label_range"))
        })
        writer.keywords = calibrationKeywords(cal)
        try writer.append(table)
        try writer.finish()
        try Provenance.writeJSON(["tool": "galam \(GalAMVersion.string)", "interval_method": cal.intervalMethod, "ood_method": cal.oodMethod,
                                  "calibration_set": cal.calibrationSet, "descriptors": DifficultyDescriptors.names(image: true, snr: true).joined(separator: ", ")],
                                 to: dir + "/" + fileName + ".manifest.json")
        return catalog
    }
}

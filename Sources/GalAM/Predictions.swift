import Foundation
import SurveyIO

/// `predictions.csv` of a trained model folder: for every galaxy of the dataset its split,
/// labels, S/N, optional simulation truth and each model's inverse-scaled log age and [M/H]
/// (columns `<model>_log_age`, `<model>_mh`).
public enum Predictions {
    /// `models`: each model's scaled outputs (2 per galaxy), inverse-scaled with `scaler`.
    public static func write(data: LabeledDataset, scaler: LabelScaler, models: [(PaperModel.Name, [Float])], to path: String) throws {
        let unscaled = models.map { name, p in (name, (0..<data.count).map { scaler.unscale([Double(p[2 * $0]), Double(p[2 * $0 + 1])]) }) }
        try write(data: data, models: unscaled, to: path)
    }

    /// `models`: each model's (log age, [M/H]) per galaxy.
    public static func write(data: LabeledDataset, models: [(PaperModel.Name, [[Double]])], to path: String) throws {
        var columns: [ColumnName] = [.index, .specFile, .split, .snrR, .logAge, .mh, .truthLogAge, .truthMH]
        for (name, _) in models { columns += [logAge(name), mh(name)] }
        let files = try data.labels.column(.specFile)
        var rows: [[String]] = []
        for k in 0..<data.count {
            var r = [String(k), files[k], data.splits[k].rawValue, String(data.snr[k]), String(data.targets[k][0]), String(data.targets[k][1]),
                     data.truth.map { String($0[k][0]) } ?? "", data.truth.map { String($0[k][1]) } ?? ""]
            for (_, p) in models { r += [String(p[k][0]), String(p[k][1])] }
            rows.append(r)
        }
        try Catalog(columns: columns, rows: rows).write(to: path)
    }

    /// The column of a model's log age.
    public static func logAge(_ model: PaperModel.Name) -> ColumnName { ColumnName(model.rawValue + "_log_age") }
    /// The column of a model's [M/H].
    public static func mh(_ model: PaperModel.Name) -> ColumnName { ColumnName(model.rawValue + "_mh") }

    /// The models present in a predictions file, in Table 1's order.
    public static func models(in c: Catalog) -> [PaperModel.Name] {
        PaperModel.Name.allCases.filter { c.has(logAge($0)) }
    }
}

/// The per-galaxy output of `galam predict` (CSV, or the FITS table `PREDICTIONS`).
extension ColumnName {
    /// Which model gave the prediction (`PaperModel.Name`).
    public static let model = ColumnName("model")
    /// Why the spectrum was not used (empty when it was, or when no spectra were given); the
    /// prediction then comes from the image.
    public static let spectrumReason = ColumnName("spectrum_reason")
}

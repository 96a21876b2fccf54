import Foundation
import SurveyIO

/// `predictions.csv` of a trained model folder: for every galaxy of the dataset its split,
/// labels, S/N, optional simulation truth and each model's inverse-scaled log age and [M/H].
public enum Predictions {
    public static func write(data: LabeledDataset, scaler: LabelScaler, models: [(String, [Float])], to path: String) throws {
        var columns = ["index", "spec_file", "split", "snr_r", "log_age", "mh", "truth_log_age", "truth_mh"]
        for (name, _) in models { columns += ["\(name)_log_age", "\(name)_mh"] }
        let files = try data.labels.column("spec_file")
        var rows: [[String]] = []
        for k in 0..<data.count {
            var r = [String(k), files[k], data.splits[k].rawValue, String(data.snr[k]), String(data.targets[k][0]), String(data.targets[k][1]),
                     data.truth.map { String($0[k][0]) } ?? "", data.truth.map { String($0[k][1]) } ?? ""]
            for (_, p) in models {
                let u = scaler.unscale([Double(p[2 * k]), Double(p[2 * k + 1])])
                r += [String(u[0]), String(u[1])]
            }
            rows.append(r)
        }
        try Catalog(columns: columns, rows: rows).write(to: path)
    }

    /// Model names present in a predictions file (columns ending in `_log_age`).
    public static func modelNames(_ c: Catalog) -> [String] {
        c.columns.filter { $0.hasSuffix("_log_age") && $0 != "truth_log_age" }.map { String($0.dropLast("_log_age".count)) }
    }
}

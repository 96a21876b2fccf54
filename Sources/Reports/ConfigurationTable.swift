import GalAM

extension SeedSummary {
    /// Several configurations trained on the same data and split, side by side in one table per
    /// quantity — SD against the truth (when the dataset has it), then SD against the labels —
    /// with a row per configuration and a column per model and label. Each cell is the mean ± SD
    /// over seeds and its change against the first configuration's `reference` model, marked
    /// "(n.s.)" when smaller than twice its spread: `--preset galam`'s goal is stated against
    /// the paper preset's multi-modal model, and the product is the images-only prediction.
    /// Then, when the baseline's runs were timed, each configuration's training wall time.
    ///
    /// - Parameters:
    ///   - configurations: label and summary of each configuration; the first is the baseline.
    ///   - models: the columns' models (`PaperModel.Name` raw values), in order.
    ///   - reference: the baseline's model every change is measured against.
    public static func configurationTable(
        _ configurations: [(label: String, summary: SeedSummary)],
        models: [String] = [PaperModel.Name.imageOnly.rawValue, PaperModel.Name.multimodalLearned.rawValue],
        reference: String = PaperModel.Name.multimodalLearned.rawValue
    ) -> String {
        guard let (baseLabel, base) = configurations.first else { return "" }
        let quantities: [(title: String, age: Metric, mh: Metric)] = [
            ("SD against the truth", .ageSDTruth, .mhSDTruth), ("SD against the labels", .ageSD, .mhSD)]
        var md = ""
        for q in quantities where base.models[reference]?[q.age.rawValue] != nil {
            md += (md.isEmpty ? "" : "\n") + "\(q.title) (dex, test split of \(base.testCount) galaxies, mean ± SD over seeds; "
                + "change against \(baseLabel)'s \(Evaluation.displayName(reference))):\n\n"
            var header = ["configuration", "seeds"]
            for m in models { header += ["\(Evaluation.displayName(m)) age", "\(Evaluation.displayName(m)) [M/H]"] }
            let rows = configurations.map { label, summary -> [String] in
                var row = [label, "\(summary.runs.count)"]
                for m in models {
                    for metric in [q.age, q.mh] {
                        guard let value = summary.models[m]?[metric.rawValue] else { row.append("—"); continue }
                        let isReference = label == baseLabel && m == reference
                        guard !isReference, let ref = base.models[reference]?[metric.rawValue] else { row.append(format(value)); continue }
                        row.append(format(value) + ", " + change(from: ref, to: value))
                    }
                }
                return row
            }
            md += HTMLReport.markdownTable(header: header, rows: rows)
        }
        if let baseTime = base.trainingSeconds?.mean {
            md += "\nTraining wall time (every stage's epochs from scratch, cached stages included; mean ± SD "
                + "over the seeds whose training.json timed them):\n\n"
            let rows = configurations.map { label, summary -> [String] in
                guard let t = summary.trainingSeconds else { return [label, "0 of \(summary.runs.count)", "—", "—"] }
                let sd = t.values.count > 1 ? String(format: " ± %.0f", t.sd) : ""
                return [label, "\(t.values.count) of \(summary.runs.count)", String(format: "%.0f", t.mean) + sd,
                        label == baseLabel ? "—" : percent(from: baseTime, to: t.mean, decimals: 0)]
            }
            md += HTMLReport.markdownTable(header: ["configuration", "seeds timed", "training s", "against \(baseLabel)"], rows: rows)
        }
        return md
    }
}

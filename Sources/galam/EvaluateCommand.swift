import ArgumentParser
import Foundation
import Reports
import SurveyIO

/// `galam evaluate`: metrics, figures and the HTML report of a trained model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Metrics (MSE, MAE, bias, SD; per S/N bin; feature R²), figures and report.html of a trained model.",
        discussion: """
        Reads the model folder's predictions.csv (every model, every galaxy) and reports the \
        test split: metrics.json, metrics.md (laid out like the paper's Table 1, also against \
        the simulation truth when the dataset carries it), figures/*.svg and report.html. \
        It also applies the model's calibration (fitting it first on the validation split \
        when the folder has none, see `galam calibrate`) to every galaxy: intervals.csv and \
        intervals.fits (68 % and 95 % bounds, σ, OOD score and flags per model), coverage.json, \
        and in the report the coverage overall, per S/N bin and per label decile, the \
        reliability figure and the OOD score distribution. --ood-compare adds the OOD scores \
        of a shifted set (a `galam predict` CSV) to that figure, with its AUROC.

        A folder of seed runs (`galam train --seeds N` writes seed-<s>/ model folders) is \
        evaluated run by run, and seeds.md and seeds.json give each metric as mean ± SD over \
        the seeds; --baseline (another such folder, or one model folder) adds the comparison, \
        marking "(n.s.)" a change of the means smaller than twice √(sd_a² + sd_b²).

        A folder of configurations, each a folder of seed runs (scripts/preset-comparison.sh's \
        results/), is summarised as a whole against --baseline (one of them): each \
        configuration's seeds.md with its comparison, and configurations.md with one row per \
        configuration — the image-only and multi-modal SD against the truth and the labels, \
        each with its change against the baseline's multi-modal model.

        Examples:
          galam evaluate --model model/
          galam evaluate --model galam64/ --baseline paper64/     # both from train --seeds 3
          galam evaluate --model cmp/results --baseline cmp/results/paper
          galam predict --model model/ --images shifted/images --out shifted.csv
          galam evaluate --model model/ --ood-compare "z 0.3-0.5=shifted.csv"
        """)

    @Option(help: "Model folder from `galam train`.") var model: String
    @Option(name: .customLong("ood-compare"), help: "LABEL=PREDICTIONS.csv: a shifted set's `galam predict` output (repeatable).")
    var oodCompare: [String] = []
    @Option(help: "A baseline to compare seed runs against: a folder of seed-<s>/ runs or one model folder.")
    var baseline: String?
    @Option(name: .customLong("baseline-label"), help: "How the comparison names the baseline.") var baselineLabel = "baseline"
    @Option(help: "How the comparison names this model's configuration.") var label = "this"

    func validate() throws {
        for c in oodCompare where !c.contains("=") { throw ValidationError("--ood-compare takes LABEL=PATH, got '\(c)'") }
    }

    func run() throws {
        if let runs = SeedSummary.seedRuns(in: model), !FileManager.default.fileExists(atPath: model + "/model.json") {
            try evaluateSeeds(runs)
            return
        }
        if let configurations = configurationFolders() {
            try evaluateConfigurations(configurations)
            return
        }
        if baseline != nil { throw ValidationError("--baseline compares folders of seed runs; \(model) has no seed-<s>/ runs") }
        let comparisons = oodCompare.map { c -> (label: String, path: String) in
            let i = c.lastIndex(of: "=")!
            return (String(c[..<i]), String(c[c.index(after: i)...]))
        }
        let path = try ModelReport.write(modelDirectory: model, oodComparisons: comparisons)
        let e = try Evaluation(modelDirectory: model)
        let t = e.table()
        print(t.header.joined(separator: " | "))
        for r in t.rows { print(r.joined(separator: " | ")) }
        print("report: \(path)")
    }

    /// The subfolders of `model` that hold seed runs, when `model` is neither a model folder
    /// nor a folder of seed runs itself; nil otherwise.
    private func configurationFolders() -> [String]? {
        guard !FileManager.default.fileExists(atPath: model + "/model.json") else { return nil }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: model)) ?? []).sorted()
        let folders = names.map { model + "/" + $0 }.filter { SeedSummary.seedRuns(in: $0) != nil }
        return folders.isEmpty ? nil : folders
    }

    /// Every configuration's summary and comparison with the baseline, then the table of all.
    private func evaluateConfigurations(_ folders: [String]) throws {
        guard let baseline else {
            throw ValidationError("\(model) holds configurations of seed runs; name the one to compare against with --baseline")
        }
        let standardised = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        guard let baseFolder = folders.first(where: { standardised($0) == standardised(baseline) }) else {
            throw ValidationError("--baseline \(baseline) is not one of the configurations in \(model): "
                                  + folders.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
        }
        let name = { (p: String) in URL(fileURLWithPath: p).lastPathComponent }
        let base = try SeedSummary(runs: SeedSummary.seedRuns(in: baseFolder)!)
        try base.write(to: baseFolder)
        var table: [(label: String, summary: SeedSummary)] = [(name(baseFolder), base)]
        var sections = ""
        for folder in folders where folder != baseFolder {
            let summary = try SeedSummary(runs: SeedSummary.seedRuns(in: folder)!)
            let comparison = summary.comparison(against: base, baselineLabel: name(baseFolder), label: name(folder))
            try summary.write(to: folder, comparison: comparison)
            table.append((name(folder), summary))
            sections += "\n## \(name(folder))\n\n" + comparison
        }
        let overview = SeedSummary.configurationTable(table)
        let md = "# GalAM: \(folders.count) configurations against \(name(baseFolder))\n\n"
            + overview + "\n## \(name(baseFolder))\n\n" + base.markdown() + sections
        try AtomicFile.write(md, to: model + "/configurations.md")
        print(overview)
        print("summary: \(model)/configurations.md")
    }

    /// Each seed run's report, then the summary over seeds (and the comparison).
    private func evaluateSeeds(_ runs: [String]) throws {
        // A run kept as its predictions alone (scripts/preset-comparison.sh's results/) counts in
        // the summary without a report of its own.
        for run in runs where FileManager.default.fileExists(atPath: run + "/model.json") {
            let path = try ModelReport.write(modelDirectory: run, oodComparisons: [])
            printError("evaluate: \(run): \(path)")
        }
        let summary = try SeedSummary(runs: runs)
        var comparison: String?
        if let baseline {
            let base = try SeedSummary(runs: SeedSummary.seedRuns(in: baseline) ?? [baseline])
            comparison = summary.comparison(against: base, baselineLabel: baselineLabel, label: label)
        }
        try summary.write(to: model, comparison: comparison)
        print(summary.markdown())
        if let comparison { print(comparison) }
        print("summary: \(model)/seeds.md")
    }
}

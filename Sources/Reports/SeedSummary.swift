import Foundation
import GalAM
import SurveyIO

/// One configuration trained with several seeds on the same data and split (`galam train
/// --seeds N` writes `seed-<s>/` model folders side by side): each test-split metric as the
/// mean ± standard deviation over the seeds, and comparisons between two configurations that
/// say when a difference is within the seeds' spread.
public struct SeedSummary: Codable {
    /// A metric of one model over the seeds: the values in seed order, their mean and sample
    /// standard deviation (n − 1; 0 for one seed).
    public struct Statistic: Codable, Equatable {
        public var values: [Double]
        public var mean: Double
        public var sd: Double

        public init(_ values: [Double]) {
            self.values = values
            let n = Double(values.count)
            mean = values.reduce(0, +) / max(n, 1)
            let m = mean
            sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
        }
    }

    /// The metrics summarised, in table order.
    public enum Metric: String, CaseIterable, Codable {
        case ageSD = "age SD", mhSD = "[M/H] SD", ageSDTruth = "age SD vs truth", mhSDTruth = "[M/H] SD vs truth"
        case ageMAE = "age MAE", mhMAE = "[M/H] MAE"

        func value(_ m: Evaluation.ModelMetrics) -> Double? {
            switch self {
            case .ageSD: return m.age.sd
            case .mhSD: return m.metallicity.sd
            case .ageSDTruth: return m.ageVsTruth?.sd
            case .mhSDTruth: return m.metallicityVsTruth?.sd
            case .ageMAE: return m.age.mae
            case .mhMAE: return m.metallicity.mae
            }
        }
    }

    public var tool = "galam \(GalAMVersion.string)"
    /// The model folders, one per seed.
    public var runs: [String]
    /// Test galaxies (the same split in every run).
    public var testCount: Int
    /// Per model (`PaperModel.Name` raw value), per metric (`Metric` raw value).
    public var models: [String: [String: Statistic]]
    /// Training wall seconds (every stage's epochs, cached stages included: the cost of the
    /// configuration from scratch) over the runs whose `training.json` records them all; nil
    /// when none does (runs trained before epochs were timed).
    public var trainingSeconds: Statistic?

    /// The `seed-*` model folders under `directory`, in seed order; nil when there are none.
    public static func seedRuns(in directory: String) -> [String]? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let runs = names.filter { $0.hasPrefix("seed-") && FileManager.default.fileExists(atPath: directory + "/" + $0 + "/predictions.csv") }
            .sorted { (UInt64($0.dropFirst(5)) ?? 0, $0) < (UInt64($1.dropFirst(5)) ?? 0, $1) }
        return runs.isEmpty ? nil : runs.map { directory + "/" + $0 }
    }

    /// Summarises the evaluations of `runs` (model folders of one configuration).
    public init(runs: [String]) throws {
        guard !runs.isEmpty else { throw SurveyIOError(path: "", reason: "no model folders to summarise") }
        let evaluations = try runs.map { try Evaluation(modelDirectory: $0) }
        try self.init(runs: runs, evaluations: evaluations, trainingSeconds: runs.map(Self.trainingSeconds(of:)))
    }

    /// The sum of every stage's seconds in a model folder's `training.json`; nil when the file
    /// is missing or a stage has no time recorded.
    public static func trainingSeconds(of run: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: run + "/training.json"),
              let stages = try? JSONDecoder().decode([StageHistory].self, from: data) else { return nil }
        let seconds = stages.map(\.seconds)
        return seconds.contains(nil) ? nil : seconds.reduce(0) { $0 + $1! }
    }

    /// Summarises evaluations already computed (one per run, in order), with each run's
    /// training seconds where known.
    public init(runs: [String], evaluations: [Evaluation], trainingSeconds: [Double?] = []) throws {
        self.runs = runs
        let timed = trainingSeconds.compactMap { $0 }
        self.trainingSeconds = timed.isEmpty ? nil : Statistic(timed)
        testCount = evaluations[0].testCount
        for (r, e) in zip(runs, evaluations) where e.testCount != testCount {
            throw SurveyIOError(path: r, reason: "\(e.testCount) test galaxies where \(runs[0]) has \(testCount): not the same split")
        }
        models = [:]
        let names = Set(evaluations[0].models.map(\.model)).filter { n in evaluations.allSatisfy { $0.models.contains { $0.model == n } } }
        for name in names {
            var metrics: [String: Statistic] = [:]
            for metric in Metric.allCases {
                let values = evaluations.compactMap { e in e.models.first { $0.model == name }.flatMap(metric.value) }
                if values.count == evaluations.count { metrics[metric.rawValue] = Statistic(values) }
            }
            models[name] = metrics
        }
    }

    /// Models in table order.
    public var modelOrder: [String] { models.keys.sorted { (PaperModel.Name.order($0), $0) < (PaperModel.Name.order($1), $1) } }

    /// Whether the difference between two configurations' means is larger than twice the spread
    /// of a difference between one run of each, √(sd_a² + sd_b²) (nil when either has one seed).
    public static func significant(_ a: Statistic, _ b: Statistic) -> Bool? {
        guard a.values.count > 1, b.values.count > 1 else { return nil }
        return abs(b.mean - a.mean) > 2 * (a.sd * a.sd + b.sd * b.sd).squareRoot()
    }

    /// "1 seed", "3 seeds".
    static func seeds(_ n: Int) -> String { n == 1 ? "1 seed" : "\(n) seeds" }

    static func format(_ s: Statistic) -> String {
        s.values.count > 1 ? String(format: "%.4f ± %.4f", s.mean, s.sd) : String(format: "%.4f", s.mean)
    }

    /// "−12.3 %": the change from `a` to `b`, with a true minus sign; "0.0 %" for a change that
    /// rounds to zero (not "−0.0 %" or "+0.0 %").
    static func percent(from a: Double, to b: Double, decimals: Int = 1) -> String {
        let change = 100 * (b - a) / a
        // Decided on the number, not the printed text: under half of the last digit is zero.
        if abs(change) * pow(10, Double(decimals)) < 0.5 { return String(format: "%.\(decimals)f %%", 0.0) }
        return String(format: "%+.\(decimals)f %%", change).replacingOccurrences(of: "-", with: "−")
    }

    /// "−12.3 %" against the baseline, with "(n.s.)" when within twice the spread and
    /// "(1 seed)" when either side has no spread to judge by.
    static func change(from a: Statistic, to b: Statistic) -> String {
        let pct = percent(from: a.mean, to: b.mean)
        switch significant(a, b) {
        case .some(true): return pct
        case .some(false): return pct + " (n.s.)"
        case .none: return pct + " (1 seed)"
        }
    }

    /// Mean ± SD over seeds, one row per model.
    public func markdown() -> String {
        let metrics = Metric.allCases.filter { m in models.values.contains { $0[m.rawValue] != nil } }
        let rows = modelOrder.map { name in
            [Evaluation.displayName(name)] + metrics.map { m in models[name]?[m.rawValue].map(Self.format) ?? "—" }
        }
        return "Test split (\(testCount) galaxies), mean ± SD over \(Self.seeds(runs.count)), dex:\n\n"
            + HTMLReport.markdownTable(header: ["model"] + metrics.map(\.rawValue), rows: rows)
    }

    /// This configuration against `baseline`: per model and metric, the two means ± SD and the
    /// change, marked "(n.s.)" when smaller than twice its spread; then every model of this one
    /// against the baseline's `reference` model (the paper's product: its multi-modal model).
    public func comparison(against baseline: SeedSummary, baselineLabel: String, label: String,
                           reference: String = PaperModel.Name.multimodalLearned.rawValue) -> String {
        let metrics = Metric.allCases.filter { m in models.values.contains { $0[m.rawValue] != nil } }
        var md = "\(label) (\(Self.seeds(runs.count))) against \(baselineLabel) (\(Self.seeds(baseline.runs.count))), the same model:\n\n"
        var rows: [[String]] = []
        for name in modelOrder {
            guard let mine = models[name], let theirs = baseline.models[name] else { continue }
            for m in metrics {
                guard let a = theirs[m.rawValue], let b = mine[m.rawValue] else { continue }
                rows.append([Evaluation.displayName(name), m.rawValue, Self.format(a), Self.format(b), Self.change(from: a, to: b)])
            }
        }
        md += HTMLReport.markdownTable(header: ["model", "metric", baselineLabel, label, "change"], rows: rows)
        if let ref = baseline.models[reference] {
            md += "\nEvery \(label) model against \(baselineLabel)'s \(Evaluation.displayName(reference)):\n\n"
            var refRows: [[String]] = []
            for name in modelOrder {
                guard let mine = models[name] else { continue }
                for m in metrics {
                    guard let a = ref[m.rawValue], let b = mine[m.rawValue] else { continue }
                    refRows.append([Evaluation.displayName(name), m.rawValue, Self.format(a), Self.format(b), Self.change(from: a, to: b)])
                }
            }
            md += HTMLReport.markdownTable(header: ["\(label) model", "metric", "\(baselineLabel) reference", label, "change"], rows: refRows)
        }
        return md
    }

    /// Writes `seeds.json` and `seeds.md` into `directory` (with the comparison when given).
    public func write(to directory: String, comparison: String? = nil) throws {
        try Provenance.writeJSON(self, to: directory + "/seeds.json")
        var md = "# GalAM: \(Self.seeds(runs.count))\n\n" + markdown()
        if let comparison { md += "\n" + comparison }
        try AtomicFile.write(md, to: directory + "/seeds.md")
    }
}

import Foundation
import GalAM
import SurveyIO

/// `galam evaluate`: the paper's metrics on the test split for every model in a trained
/// model folder (against the labels, and against the simulation truth when known), the SD
/// per S/N bin, and the mean R² between M2's simulated and M1's real spectral features.
public struct Evaluation: Codable {
    public struct ModelMetrics: Codable {
        /// `PaperModel.Name`'s raw value.
        public var model: String
        public var age: RegressionMetrics
        public var metallicity: RegressionMetrics
        public var ageVsTruth: RegressionMetrics?
        public var metallicityVsTruth: RegressionMetrics?
        /// SD of Δ per S/N bin (bin label → [age, [M/H]]); bins without test galaxies are absent.
        public var sdPerSNRBin: [String: [Double]]
    }

    public var tool = "galam \(GalAMVersion.string)"
    public var split = "test"
    public var testCount: Int
    public var models: [ModelMetrics]
    /// Mean over test galaxies of R²(simulated features, real features).
    public var meanFeatureR2: Double?

    /// Reads `predictions.csv` (and the feature arrays) of a model folder.
    public init(modelDirectory dir: String) throws {
        let p = try Catalog(contentsOf: dir + "/predictions.csv")
        let split = try p.column(.split)
        let test = split.indices.filter { split[$0] == "test" }
        guard !test.isEmpty else { throw SurveyIOError(path: dir + "/predictions.csv", reason: "no test galaxies") }
        let age = try p.doubles(.logAge), mh = try p.doubles(.mh), snr = try p.doubles(.snrR)
        let tAge = try p.doubles(.truthLogAge), tMh = try p.doubles(.truthMH)
        let hasTruth = test.allSatisfy { tAge[$0].isFinite }
        testCount = test.count
        models = try Predictions.models(in: p).map { name in
            let pa = try p.doubles(Predictions.logAge(name)), pm = try p.doubles(Predictions.mh(name))
            func m(_ pred: [Double], _ truth: [Double], _ rows: [Int]) -> RegressionMetrics {
                RegressionMetrics(predicted: rows.map { pred[$0] }, truth: rows.map { truth[$0] })
            }
            var bins: [String: [Double]] = [:]
            for b in SNRBin.paper {
                let rows = test.filter { b.contains(snr[$0]) }
                if !rows.isEmpty { bins[b.label] = [m(pa, age, rows).sd, m(pm, mh, rows).sd] }  // empty bins are left out
            }
            return ModelMetrics(model: name.rawValue, age: m(pa, age, test), metallicity: m(pm, mh, test),
                                ageVsTruth: hasTruth ? m(pa, tAge, test) : nil, metallicityVsTruth: hasTruth ? m(pm, tMh, test) : nil,
                                sdPerSNRBin: bins)
        }
        if FileManager.default.fileExists(atPath: dir + "/features_m1.npy") {
            let real = try MappedNPY<Float>(path: dir + "/features_m1.npy"), sim = try MappedNPY<Float>(path: dir + "/features_m2.npy")
            let r2 = test.map { coefficientOfDetermination(predicted: sim.row($0).map(Double.init), truth: real.row($0).map(Double.init)) }
            meanFeatureR2 = r2.reduce(0, +) / Double(r2.count)
        }
    }

    /// How tables name a model of `models`.
    public static func displayName(_ model: String) -> String { PaperModel.Name(rawValue: model)?.displayName ?? model }

    /// Table 1 of the paper, as rows: model, then MSE, MAE, bias, SD for age and [M/H].
    public func table(vsTruth: Bool = false) -> (header: [String], rows: [[String]]) {
        let header = ["model", "age MSE", "age MAE", "age bias", "age SD", "[M/H] MSE", "[M/H] MAE", "[M/H] bias", "[M/H] SD"]
        let rows: [[String]] = models.compactMap { m in
            guard let a = vsTruth ? m.ageVsTruth : m.age, let z = vsTruth ? m.metallicityVsTruth : m.metallicity else { return nil }
            return [Self.displayName(m.model)] + [a.mse, a.mae, a.bias, a.sd, z.mse, z.mae, z.bias, z.sd].map { String(format: "%.4f", $0) }
        }
        return (header, rows)
    }

    /// Writes metrics.json and metrics.md.
    public func write(to dir: String) throws {
        try Provenance.writeJSON(self, to: dir + "/metrics.json")
        var md = "# GalAM metrics on the test split (\(testCount) galaxies)\n\nAgainst the labels (dex):\n\n"
        let t = table()
        md += HTMLReport.markdownTable(header: t.header, rows: t.rows)
        if models.first?.ageVsTruth != nil {
            let u = table(vsTruth: true)
            md += "\nAgainst the simulation truth (dex):\n\n" + HTMLReport.markdownTable(header: u.header, rows: u.rows)
        }
        md += "\nSD (age / [M/H], dex) per r-band S/N bin:\n\n"
        md += HTMLReport.markdownTable(header: ["model"] + SNRBin.paper.map(\.label), rows: models.map { m in
            [Self.displayName(m.model)] + SNRBin.paper.map { b in
                let v = m.sdPerSNRBin[b.label] ?? [.nan, .nan]
                return v[0].isFinite ? String(format: "%.3f / %.3f", v[0], v[1]) : "—"
            }
        })
        if let r2 = meanFeatureR2 { md += String(format: "\nMean R² of M2's simulated vs M1's real spectral features: %.4f\n", r2) }
        try AtomicFile.write(md, to: dir + "/metrics.md")
    }
}

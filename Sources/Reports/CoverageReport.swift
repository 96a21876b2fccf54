import Foundation
import GalAM
import SurveyIO

/// The intervals-and-OOD part of `metrics.md` and of the report: tables and figures from a
/// `CoverageEvaluation`.
public enum CoverageReport {
    static func pct(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.1f", 100 * $0) : "—" } ?? "—" }
    static func f3(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "—" }

    /// Per model: coverage (vs labels, vs truth) and mean width of both intervals beside the SD,
    /// and the width–|error| correlation, for log age and [M/H].
    public static func overallTable(_ c: CoverageEvaluation) -> (header: [String], rows: [[String]]) {
        let header = ["model", "parameter", "68 % cov.", "95 % cov.", "68 % cov. vs truth", "95 % cov. vs truth",
                      "68 % width", "95 % width", "SD", "corr(width, |err|)", "68 / 95 % cov. without S/N"]
        var rows: [[String]] = []
        for m in c.models {
            for (k, p) in ["log age", "[M/H]"].enumerated() {
                let a = m.overall[k], b = m.overallWithoutSNR[k]
                rows.append([Evaluation.displayName(m.model), p, pct(a.coverage68), pct(a.coverage95), pct(a.coverage68VsTruth), pct(a.coverage95VsTruth),
                             f3(a.meanWidth68), f3(a.meanWidth95), f3(a.sd), f3(a.widthErrorCorrelation),
                             pct(b.coverage68) + " / " + pct(b.coverage95)])
            }
        }
        return (header, rows)
    }

    /// Coverage and mean 68 % width per S/N bin, for one model.
    public static func snrTable(_ m: CoverageEvaluation.ModelCoverage) -> (header: [String], rows: [[String]]) {
        let header = ["S/N bin", "N", "age 68 / 95 %", "age 68 % width", "[M/H] 68 / 95 %", "[M/H] 68 % width"]
        let rows = SNRBin.paper.compactMap { b -> [String]? in
            guard let c = m.perSNRBin[b.label] else { return nil }
            return [b.label, String(c[0].count), pct(c[0].coverage68) + " / " + pct(c[0].coverage95), f3(c[0].meanWidth68),
                    pct(c[1].coverage68) + " / " + pct(c[1].coverage95), f3(c[1].meanWidth68)]
        }
        return (header, rows)
    }

    /// Coverage and mean 68 % width per label decile, for one model.
    public static func decileTable(_ m: CoverageEvaluation.ModelCoverage) -> (header: [String], rows: [[String]]) {
        let header = ["label decile", "N", "age 68 / 95 %", "age 68 % width", "[M/H] 68 / 95 %", "[M/H] 68 % width"]
        let rows = (0..<10).map { d -> [String] in
            let a = m.perLabelDecile[0][d], z = m.perLabelDecile[1][d]
            return ["\(d + 1)", String(a.count), pct(a.coverage68) + " / " + pct(a.coverage95), f3(a.meanWidth68),
                    pct(z.coverage68) + " / " + pct(z.coverage95), f3(z.meanWidth68)]
        }
        return (header, rows)
    }

    /// Coverage and mean 68 % width per angular-size tercile, for one model.
    public static func sizeTable(_ m: CoverageEvaluation.ModelCoverage) -> (header: [String], rows: [[String]]) {
        let header = ["crop size", "N", "age 68 / 95 %", "age 68 % width", "[M/H] 68 / 95 %", "[M/H] 68 % width"]
        let b = m.sizeTercileBounds.map { String(format: "%.0f", $0) }
        let names = b.count == 2 ? ["≤ \(b[0]) px", "\(b[0])–\(b[1]) px", "> \(b[1]) px"] : ["small", "middle", "large"]
        let rows = (0..<3).map { d -> [String] in
            let a = m.perSizeTercile[0][d], z = m.perSizeTercile[1][d]
            return [names[d], String(a.count), pct(a.coverage68) + " / " + pct(a.coverage95), f3(a.meanWidth68),
                    pct(z.coverage68) + " / " + pct(z.coverage95), f3(z.meanWidth68)]
        }
        return (header, rows)
    }

    /// OOD: the test split and each comparison set.
    public static func oodTable(_ c: CoverageEvaluation) -> (header: [String], rows: [[String]]) {
        let header = ["set", "N", "median score", "flagged", "AUROC vs test"]
        let rows = [["test split", String(c.testCount), f3(c.testMedianScore), pct(c.testFlagRate), "—"]]
            + c.ood.map { [$0.label, String($0.count), f3($0.medianScore), pct($0.flagRate), f3($0.auroc)] }
        return (header, rows)
    }

    /// Nominal against empirical coverage for every model and parameter (the reliability figure).
    public static func reliabilityFigure(_ c: CoverageEvaluation) -> String {
        var plot = SVGPlot(title: "Reliability of the calibrated intervals on the test split (\(c.testCount) galaxies)",
                           xLabel: "nominal coverage", yLabel: "empirical coverage (vs labels)")
        plot.width = 900
        plot.height = 420
        plot.legendWidth = 300
        plot.xRange = 0...1
        plot.yRange = 0...1
        plot.series.append(.init(label: "ideal", x: [0, 1], y: [0, 1], color: "#999999"))
        for (i, m) in c.models.enumerated() {
            for k in 0..<2 {
                plot.series.append(.init(label: "\(Evaluation.displayName(m.model)) \(k == 0 ? "age" : "[M/H]")", x: c.levels, y: m.reliability[k],
                                         color: Figures.palette[i % Figures.palette.count], points: k == 1))
            }
        }
        return plot.svg()
    }

    /// Coverage of the first model's 68 % and 95 % intervals per S/N bin, with the nominal levels.
    public static func snrFigure(_ m: CoverageEvaluation.ModelCoverage) -> String {
        let cats = SNRBin.paper.map(\.label)
        return Figures.bars(title: "Coverage per S/N bin (nominal 68 %, 95 %): \(Evaluation.displayName(m.model))",
                            yLabel: "coverage (%)", categories: cats,
                            series: [("age 68 %", cats.map { 100 * (m.perSNRBin[$0]?[0].coverage68 ?? .nan) }),
                                     ("age 95 %", cats.map { 100 * (m.perSNRBin[$0]?[0].coverage95 ?? .nan) }),
                                     ("[M/H] 68 %", cats.map { 100 * (m.perSNRBin[$0]?[1].coverage68 ?? .nan) }),
                                     ("[M/H] 95 %", cats.map { 100 * (m.perSNRBin[$0]?[1].coverage95 ?? .nan) })])
    }

    /// The OOD score on the test split against each comparison set.
    public static func oodFigure(_ c: CoverageEvaluation, threshold: Double?) -> String {
        let samples = [("test split", c.testScores)] + zip(c.ood, c.comparisonScores).map { ($0.label, $1) }
        // log10: shifted sets reach scores many times the test split's.
        let t = threshold.map { String(format: "; flag above %.1f", $0) } ?? ""
        return Figures.histograms(title: "OOD score (Mahalanobis, M3 features)\(t)", xLabel: "log10 OOD score",
                                  samples: samples.map { ($0.0, $0.1.map { log10(max($0, 1e-3)) }) })
    }

    /// The Markdown section of metrics.md.
    public static func markdown(_ c: CoverageEvaluation) -> String {
        var md = "\n## Calibrated intervals (test split, \(c.testCount) galaxies)\n\nCalibration set: \(c.calibrationSet). Method: \(c.method).\n\n"
        let t = overallTable(c)
        md += HTMLReport.markdownTable(header: t.header, rows: t.rows)
        if let m = c.models.first {
            md += "\nPer r-band S/N bin, \(Evaluation.displayName(m.model)):\n\n" + HTMLReport.markdownTable(header: snrTable(m).header, rows: snrTable(m).rows)
            md += "\nPer label decile, \(Evaluation.displayName(m.model)):\n\n" + HTMLReport.markdownTable(header: decileTable(m).header, rows: decileTable(m).rows)
            md += "\nPer angular-size tercile, \(Evaluation.displayName(m.model)):\n\n" + HTMLReport.markdownTable(header: sizeTable(m).header, rows: sizeTable(m).rows)
        }
        let o = oodTable(c)
        md += "\nOut-of-distribution score:\n\n" + HTMLReport.markdownTable(header: o.header, rows: o.rows)
        return md
    }
}

extension CoverageReport {
    /// coverage.json and the section appended to metrics.md.
    public static func write(_ c: CoverageEvaluation, modelDirectory dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(try enc.encode(c), to: dir + "/coverage.json")
        let md = (try? String(contentsOfFile: dir + "/metrics.md", encoding: .utf8)) ?? ""
        try AtomicFile.write(md + markdown(c), to: dir + "/metrics.md")
    }

    /// The reliability, per-S/N coverage and OOD figures (name, SVG, caption).
    public static func figures(_ c: CoverageEvaluation, threshold: Double?) -> [(name: String, svg: String, caption: String)] {
        var f = [(name: "reliability", svg: reliabilityFigure(c),
                  caption: "Nominal against empirical coverage of the calibrated central intervals on the test split, every model (lines: log age, points: [M/H])."),
                 (name: "ood-scores", svg: oodFigure(c, threshold: threshold),
                  caption: "OOD score of the test split" + (c.ood.isEmpty ? "" : " and of the shifted sets (evaluate --ood-compare)") + ".")]
        if let m = c.models.first {
            f.insert((name: "coverage-per-snr", svg: snrFigure(m), caption: "Empirical coverage per S/N bin, \(Evaluation.displayName(m.model)) (nominal 68 % and 95 %)."), at: 1)
        }
        return f
    }

    /// The report's section (its figures are added with the others).
    public static func blocks(_ c: CoverageEvaluation) -> [HTMLReport.Block] {
        var b: [HTMLReport.Block] = [.paragraph("Calibration set: \(c.calibrationSet). Method: \(c.method). Widths are full widths (hi − lo) in dex; coverage in % of the \(c.testCount) test galaxies."),
                                     .table(header: overallTable(c).header, rows: overallTable(c).rows)]
        if let m = c.models.first {
            b += [.paragraph("Per r-band S/N bin, \(Evaluation.displayName(m.model)):"), .table(header: snrTable(m).header, rows: snrTable(m).rows),
                  .paragraph("Per label decile (by each parameter's own label), \(Evaluation.displayName(m.model)):"),
                  .table(header: decileTable(m).header, rows: decileTable(m).rows),
                  .paragraph("Per angular-size tercile (the crop the image stage made, in raw-cutout pixels), \(Evaluation.displayName(m.model)):"),
                  .table(header: sizeTable(m).header, rows: sizeTable(m).rows)]
        }
        b += [.paragraph("Out-of-distribution score (AUROC: probability that a galaxy of the set scores above a test galaxy):"),
              .table(header: oodTable(c).header, rows: oodTable(c).rows)]
        return b
    }
}

import Foundation
import GalAM
import SurveyIO

/// How well the calibrated intervals and the OOD score do on the test split (`coverage.json`,
/// a section of `metrics.md` and of the report): empirical coverage of the 68 % and 95 %
/// intervals overall, per S/N bin and per label decile, against the labels and the truth;
/// widths beside the SD; the width–|error| correlation; and the OOD score's AUROC against
/// shifted sets scored by `galam predict`.
public struct CoverageEvaluation: Codable {
    /// One parameter of one model on one set of test galaxies.
    public struct Cell: Codable {
        public var count: Int
        public var coverage68: Double
        public var coverage95: Double
        public var coverage68VsTruth: Double?
        public var coverage95VsTruth: Double?
        /// Mean full widths (hi − lo).
        public var meanWidth68: Double
        public var meanWidth95: Double
        /// Population SD of the residuals against the labels.
        public var sd: Double
        /// Pearson correlation between the 68 % width and |prediction − label|.
        public var widthErrorCorrelation: Double
    }

    public struct ModelCoverage: Codable {
        public var model: String
        /// [log age, [M/H]], all test galaxies.
        public var overall: [Cell]
        /// The same with the intervals predict gives from images alone (S/N not a descriptor).
        public var overallWithoutSNR: [Cell]
        /// S/N bin label → [log age, [M/H]].
        public var perSNRBin: [String: [Cell]]
        /// Label deciles of the test split (by each parameter's own label).
        public var perLabelDecile: [[Cell]]
        /// Terciles of the galaxy's angular size (crop size in the raw cutout), small first:
        /// [log age, [M/H]] × 3.
        public var perSizeTercile: [[Cell]]
        /// Upper crop-size bounds (px) of the first two terciles.
        public var sizeTercileBounds: [Double]
        /// Empirical coverage at each of `Conformal.levels`: [log age, [M/H]] × levels.
        public var reliability: [[Double]]
    }

    /// The OOD score of the test split against one other set.
    public struct OODComparison: Codable {
        public var label: String
        public var count: Int
        /// P(score of a galaxy of the set > score of a test galaxy): 0.5 is no separation.
        public var auroc: Double
        public var flagRate: Double
        public var medianScore: Double
    }

    public var levels = Conformal.levels
    public var calibrationSet: String
    public var method: String
    public var testCount: Int
    public var testFlagRate: Double
    public var testMedianScore: Double
    public var models: [ModelCoverage]
    public var ood: [OODComparison]
    /// Test-split OOD scores (for the figure).
    public var testScores: [Double]
    public var comparisonScores: [[Double]]

    /// From `intervals.csv` and `calibration.json` of a model folder; `comparisons` are
    /// prediction files (`galam predict` CSV output) of shifted sets, labelled.
    public init(modelDirectory dir: String, intervals t: Catalog, comparisons: [(label: String, path: String)] = []) throws {
        let (cal, _) = try Calibration.load(modelDirectory: dir)
        calibrationSet = cal.calibrationSet
        method = cal.intervalMethod
        let split = try t.column(.split)
        let test = split.indices.filter { split[$0] == "test" }
        guard !test.isEmpty else { throw SurveyIOError(path: t.path, reason: "no test galaxies") }
        testCount = test.count
        let labels = [try t.doubles(.logAge), try t.doubles(.mh)], truth = [try t.doubles(.truthLogAge), try t.doubles(.truthMH)]
        let snr = try t.doubles(.snrR), score = try t.doubles(.oodScore), flag = try t.column(.oodFlag), crop = try t.doubles(.cropSize)
        let bySize = test.sorted { crop[$0] < crop[$1] }
        let terciles = (0..<3).map { Array(bySize[($0 * bySize.count / 3)..<(($0 + 1) * bySize.count / 3)]) }
        let hasTruth = test.allSatisfy { truth[0][$0].isFinite }
        models = try PaperModel.Name.allCases.filter { t.has(Predictions.logAge($0)) }.map { m in
            let pred = [try t.doubles(Predictions.logAge(m)), try t.doubles(Predictions.mh(m))]
            let b = try (0..<2).map { k in try IntervalColumns.bounds(m, parameter: k).map { try t.doubles($0) } }
            let iv = cal.intervals(m)!
            func cell(_ rows: [Int], _ k: Int, halfWidth: ((Int) -> (Double, Double))? = nil) -> Cell {
                let hw = rows.map { r in halfWidth?(r) ?? ((b[k][1][r] - b[k][0][r]) / 2, (b[k][3][r] - b[k][2][r]) / 2) }
                let err = rows.map { abs(pred[k][$0] - labels[k][$0]) }, errT = rows.map { abs(pred[k][$0] - truth[k][$0]) }
                func cov(_ e: [Double], _ w: (Double, Double) -> Double) -> Double {
                    Double(zip(e, hw).filter { $0 <= w($1.0, $1.1) }.count) / Double(max(rows.count, 1))
                }
                let resid = rows.map { pred[k][$0] - labels[k][$0] }
                return Cell(count: rows.count, coverage68: cov(err) { a, _ in a }, coverage95: cov(err) { _, c in c },
                            coverage68VsTruth: hasTruth ? cov(errT) { a, _ in a } : nil, coverage95VsTruth: hasTruth ? cov(errT) { _, c in c } : nil,
                            meanWidth68: 2 * mean(hw.map(\.0)), meanWidth95: 2 * mean(hw.map(\.1)),
                            sd: RegressionMetrics(predicted: resid, truth: [Double](repeating: 0, count: resid.count)).sd,
                            widthErrorCorrelation: pearson(hw.map(\.0), err))
            }
            let sigmaNoSNR = try (0..<2).map { try t.doubles(IntervalColumns.sigma(m, parameter: $0, snr: false)) }
            let sigma = try (0..<2).map { try t.doubles(IntervalColumns.sigma(m, parameter: $0, snr: true)) }
            var bins: [String: [Cell]] = [:]
            for bin in SNRBin.paper {
                let rows = test.filter { bin.contains(snr[$0]) }
                if !rows.isEmpty { bins[bin.label] = (0..<2).map { cell(rows, $0) } }
            }
            let deciles = (0..<2).map { k -> [Cell] in
                let sorted = test.sorted { labels[k][$0] < labels[k][$1] }
                return (0..<10).map { d in cell(Array(sorted[(d * sorted.count / 10)..<((d + 1) * sorted.count / 10)]), k) }
            }
            let reliability = (0..<2).map { k in
                Conformal.levels.map { level -> Double in
                    let q = iv.withSNR[k].quantile(level: level)
                    return Double(test.filter { abs(pred[k][$0] - labels[k][$0]) <= q * sigma[k][$0] }.count) / Double(test.count)
                }
            }
            return ModelCoverage(model: m.rawValue, overall: (0..<2).map { cell(test, $0) },
                                 overallWithoutSNR: (0..<2).map { k in
                                     cell(test, k) { r in (iv.withoutSNR[k].quantile(level: 0.68) * sigmaNoSNR[k][r], iv.withoutSNR[k].quantile(level: 0.95) * sigmaNoSNR[k][r]) }
                                 },
                                 perSNRBin: bins, perLabelDecile: deciles, perSizeTercile: (0..<2).map { k in terciles.map { cell($0, k) } },
                                 sizeTercileBounds: terciles.dropLast().map { $0.last.map { crop[$0] } ?? .nan }, reliability: reliability)
        }
        testScores = test.map { score[$0] }
        testMedianScore = median(testScores)
        testFlagRate = Double(test.filter { flag[$0] == "true" }.count) / Double(test.count)
        var comparisons_: [OODComparison] = [], scores_: [[Double]] = []
        for (label, path) in comparisons {
            let p = try Catalog(contentsOf: path)
            let s = try p.doubles(.oodScore).filter(\.isFinite), f = try p.column(.oodFlag).filter { !$0.isEmpty }
            guard !s.isEmpty else { throw SurveyIOError(path: path, reason: "no ood_score values (no galaxy was predicted)") }
            comparisons_.append(OODComparison(label: label, count: s.count, auroc: auroc(negatives: testScores, positives: s),
                                              flagRate: Double(f.filter { $0 == "true" }.count) / Double(max(f.count, 1)), medianScore: median(s)))
            scores_.append(s)
        }
        ood = comparisons_
        comparisonScores = scores_
    }
}

func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

/// Pearson correlation of two equally long vectors (NaN when either is constant).
public func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let ma = mean(a), mb = mean(b)
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : .nan
}

/// Area under the ROC curve of separating `positives` from `negatives` by a larger score:
/// the Mann–Whitney probability P(positive > negative), ties counted half.
public func auroc(negatives: [Double], positives: [Double]) -> Double {
    let neg = negatives.sorted()
    var total = 0.0
    for p in positives {
        // Count negatives below p and equal to p by binary search.
        var lo = 0, hi = neg.count
        while lo < hi { let mid = (lo + hi) / 2; if neg[mid] < p { lo = mid + 1 } else { hi = mid } }
        var eq = lo
        while eq < neg.count && neg[eq] == p { eq += 1 }
        total += Double(lo) + 0.5 * Double(eq - lo)
    }
    return total / Double(max(negatives.count * positives.count, 1))
}

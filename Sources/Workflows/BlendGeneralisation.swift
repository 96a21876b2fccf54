import Foundation
import Imaging
import SurveyIO

/// One image-stage setting to compare, named by the `prepare-images` options that give it.
public struct BlendCandidate: Sendable {
    /// The options as typed on the command line ("" for the authors' settings).
    public var options: String
    public var stage: ImageStage

    public init(options: String, stage: ImageStage) {
        self.options = options
        self.stage = stage
    }

    public var name: String { options.isEmpty ? "authors' settings (default)" : options }

    /// The `prepare-images` options that turn the authors' stage into `stage` (for the blend
    /// settings; output size and bands are not named).
    public static func options(for stage: ImageStage) -> String {
        let a = ImageStage.paper
        var o: [String] = []
        if stage.blendRegion != a.blendRegion { o.append("--blend-region \(stage.blendRegion.rawValue)") }
        if stage.detectionImages != a.detectionImages { o.append("--detect-on \(stage.detectionImages.rawValue)") }
        if stage.detector.minPixels != a.detector.minPixels { o.append("--npixels \(stage.detector.minPixels)") }
        if stage.detector.minProminenceSigma != a.detector.minProminenceSigma { o.append(String(format: "--min-prominence %g", stage.detector.minProminenceSigma)) }
        if stage.detector.nSigma != a.detector.nSigma { o.append(String(format: "--nsigma %g", stage.detector.nSigma)) }
        if stage.ellipseScale != a.ellipseScale { o.append(String(format: "--ellipse-scale %g", stage.ellipseScale)) }
        if stage.detectionNoise != a.detectionNoise { o.append("--detection-noise \(stage.detectionNoise.rawValue)") }
        if stage.detector.deblender.nlevels != a.detector.deblender.nlevels { o.append("--nlevels \(stage.detector.deblender.nlevels)") }
        if stage.detector.deblender.contrast != a.detector.deblender.contrast { o.append(String(format: "--contrast %g", stage.detector.deblender.contrast)) }
        if stage.detector.deblender.mode != a.detector.deblender.mode { o.append("--deblend-mode \(stage.detector.deblender.mode.rawValue)") }
        if stage.edgeDetector != a.edgeDetector { o.append("--canny") }
        return o.joined(separator: " ")
    }

    /// The settings a blend check is chosen from: where a second source counts (`--blend-region`),
    /// which images are searched (`--detect-on`), the minimum area (`--npixels`) and the
    /// prominence floor (`--min-prominence`), over `base` (the authors' settings first).
    public static func grid(base: ImageStage = .paper) -> [BlendCandidate] {
        var out: [BlendCandidate] = []
        for region in [ImageStage.BlendRegion.mask, .footprint] {
            for images in [ImageStage.DetectionImages.grey, .greyAndBands] {
                for pixels in [10, 5] {
                    for prominence in [0.0, 1, 2, 3] {
                        var s = base
                        s.blendRegion = region
                        s.detectionImages = images
                        s.detector.minPixels = pixels
                        s.detector.deblender.minPixels = pixels
                        s.detector.minProminenceSigma = prominence
                        out.append(BlendCandidate(options: options(for: s), stage: s))
                    }
                }
            }
        }
        return out
    }
}

/// One setting's figures on one survey.
public struct SurveyScore: Sendable {
    public var survey: String
    public var conditions: SurveyConditions
    public var blends: Int, blendsCaught: Int
    public var others: Int, othersLost: Int
    /// All cutouts rejected as "blended".
    public var rejectedAsBlended: Int

    public init(survey: String, conditions: SurveyConditions = SurveyConditions(), blends: Int, blendsCaught: Int,
                others: Int, othersLost: Int, rejectedAsBlended: Int) {
        self.survey = survey
        self.conditions = conditions
        self.blends = blends
        self.blendsCaught = blendsCaught
        self.others = others
        self.othersLost = othersLost
        self.rejectedAsBlended = rejectedAsBlended
    }

    public init(survey: String, result r: SurveyBlendCheck.Result) {
        self.survey = survey
        conditions = r.conditions
        blends = r.truthBlends.count
        blendsCaught = SurveyBlendCheck.Result.blendedCount(r.truthBlends)
        others = r.truthOthers.count
        othersLost = r.truthOthers.filter { $0.rejectReason != nil }.count
        rejectedAsBlended = r.blended
    }

    /// Share of the truth's blends rejected as blended, and of the others rejected for any reason.
    public var recall: Double { Double(blendsCaught) / Double(max(1, blends)) }
    public var lost: Double { Double(othersLost) / Double(max(1, others)) }
    /// Share of the "blended" that are blends by the truth.
    public var precision: Double { Double(blendsCaught) / Double(max(1, rejectedAsBlended)) }

    public func meets(_ t: BlendTargets) -> Bool { recall >= t.minRecall && lost <= t.maxLost }
}

/// What a recommended blend check must reach in every configuration.
public struct BlendTargets: Sendable {
    public var minRecall = 0.75
    public var maxLost = 0.08
    public init() {}
}

/// One setting over several surveys: a row per survey and the spread across them.
public struct MultiSurveyTable: Sendable, CustomStringConvertible {
    public var setting: String
    public var scores: [SurveyScore]

    public init(setting: String, scores: [SurveyScore]) {
        self.setting = setting
        self.scores = scores
    }

    /// Minimum, maximum, mean and standard deviation (n − 1) of some values.
    public static func spread(_ x: [Double]) -> (min: Double, max: Double, mean: Double, sd: Double) {
        guard let lo = x.min(), let hi = x.max() else { return (0, 0, 0, 0) }
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.count > 1 ? x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1) : 0
        return (lo, hi, m, v.squareRoot())
    }

    public var description: String {
        func pct(_ a: Int, _ b: Int) -> String { String(format: "%d of %d (%.1f %%)", a, b, 100 * Double(a) / Double(max(1, b))) }
        var s = "\(setting)\n"
        s += "| survey | conditions | blends rejected | others rejected | blended that are blends |\n|---|---|---|---|---|\n"
        for c in scores {
            s += "| \(c.survey) | \(c.conditions) | \(pct(c.blendsCaught, c.blends)) | \(pct(c.othersLost, c.others)) | "
                + String(format: "%.1f %% |\n", 100 * c.precision)
        }
        let r = Self.spread(scores.map(\.recall)), l = Self.spread(scores.map(\.lost))
        s += String(format: "| spread over %d surveys | min–max (mean ± SD) | %.1f–%.1f %% (%.1f ± %.1f) | %.1f–%.1f %% (%.1f ± %.1f) | |",
                    scores.count, 100 * r.min, 100 * r.max, 100 * r.mean, 100 * r.sd, 100 * l.min, 100 * l.max, 100 * l.mean, 100 * l.sd)
        return s
    }
}

/// Chooses a blend check on some surveys and judges it on others it was not chosen on: every
/// candidate runs on every survey; the choice is the candidate that meets the targets on every
/// tuning survey with the highest worst-case recall (ties: lowest worst-case loss), or, when
/// none meets them there, the best worst-case recall among those within the loss target. The
/// held-out surveys play no part in the choice; they only say whether it holds.
public struct BlendSelection: Sendable {
    public var targets = BlendTargets()
    public var candidates: [BlendCandidate]

    public init(candidates: [BlendCandidate] = BlendCandidate.grid()) {
        self.candidates = candidates
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var candidates: [String]
        public var targets: BlendTargets
        /// [candidate][survey]
        public var tuning: [[SurveyScore]]
        public var heldOut: [[SurveyScore]]
        /// Index of the chosen candidate, and whether it met the targets on every tuning survey.
        public var chosen: Int
        public var chosenMeetsTuning: Bool

        /// Whether the chosen candidate meets the targets on every held-out survey.
        public var chosenHolds: Bool { heldOut[chosen].allSatisfy { $0.meets(targets) } }
        /// Candidates that would have met the targets on every held-out survey (hindsight, not a choice).
        public var holdingInHindsight: [Int] { heldOut.indices.filter { c in heldOut[c].allSatisfy { $0.meets(targets) } } }

        /// Per survey, the candidates no other beats on both figures (more blends caught and
        /// fewer others lost), by rising loss: the best trade-off curve there.
        public static func paretoFront(_ scores: [[SurveyScore]], survey k: Int) -> [Int] {
            let idx = scores.indices
            let front = idx.filter { a in
                !idx.contains { b in
                    let sa = scores[a][k], sb = scores[b][k]
                    return sb.recall >= sa.recall && sb.lost <= sa.lost && (sb.recall > sa.recall || sb.lost < sa.lost)
                }
            }
            // Ties on both figures keep the first (simplest) setting only.
            var seen: [String] = [], out: [Int] = []
            for c in front.sorted(by: { (scores[$0][k].lost, scores[$0][k].recall) < (scores[$1][k].lost, scores[$1][k].recall) }) {
                let key = "\(scores[c][k].blendsCaught)/\(scores[c][k].othersLost)"
                if !seen.contains(key) { seen.append(key); out.append(c) }
            }
            return out
        }

        public var description: String {
            func p(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }
            let t = String(format: "≥ %.0f %% of blends rejected, ≤ %.0f %% of the others lost", 100 * targets.minRecall, 100 * targets.maxLost)
            var s = "Tuning surveys (the choice): worst case over \(tuning.first?.count ?? 0) surveys, targets \(t)\n"
            s += "| setting | worst blends rejected | worst others lost | meets on all |\n|---|---|---|---|\n"
            for c in candidates.indices {
                let r = tuning[c].map(\.recall).min() ?? 0, l = tuning[c].map(\.lost).max() ?? 0
                s += "| \(candidates[c])\(c == chosen ? " **(chosen)**" : "") | \(p(r)) | \(p(l)) | \(tuning[c].allSatisfy { $0.meets(targets) } ? "yes" : "no") |\n"
            }
            s += chosenMeetsTuning ? "chosen: \(candidates[chosen]) (meets the targets on every tuning survey)\n"
                : "no setting meets the targets on every tuning survey; chosen: \(candidates[chosen]) (best worst-case recall within the loss target)\n"
            s += "\nHeld-out surveys (not used in the choice):\n"
            s += "| survey | conditions | blends | authors: rejected | authors: others lost | chosen: rejected | chosen: others lost | chosen meets |\n"
            s += "|---|---|---|---|---|---|---|---|\n"
            for k in heldOut[0].indices {
                let a = heldOut[0][k], c = heldOut[chosen][k]
                s += "| \(a.survey) | \(a.conditions) | \(a.blends) of \(a.blends + a.others) | \(p(a.recall)) | \(p(a.lost)) | \(p(c.recall)) | \(p(c.lost)) | \(c.meets(targets) ? "yes" : "no") |\n"
            }
            s += chosenHolds ? "the chosen setting holds on every held-out survey\n" : "the chosen setting does NOT hold on every held-out survey\n"
            let hind = holdingInHindsight
            s += hind.isEmpty ? "no setting of the grid meets the targets on every held-out survey, even in hindsight\n"
                : "settings that would have held (hindsight): " + hind.map { candidates[$0] }.joined(separator: "; ") + "\n"
            s += "\nBest trade-off per held-out survey (settings no other beats on both; others lost → blends rejected):\n"
            for k in heldOut[0].indices {
                s += "\(heldOut[0][k].survey):\n"
                for c in Self.paretoFront(heldOut, survey: k) {
                    s += "  \(p(heldOut[c][k].lost)) → \(p(heldOut[c][k].recall))  \(candidates[c])\n"
                }
            }
            return s
        }
    }

    /// Scores every candidate on every survey (`[candidate][survey]`).
    public func score(_ surveys: [LoadedSurvey], names: [String], threads: Int) -> [[SurveyScore]] {
        candidates.map { c in
            surveys.indices.map { k in SurveyScore(survey: names[k], result: surveys[k].run(stage: c.stage, threads: threads)) }
        }
    }

    /// The index of the candidate chosen on `tuning` scores, and whether it meets the targets there.
    public func choose(_ tuning: [[SurveyScore]]) -> (index: Int, meets: Bool) {
        func worstRecall(_ c: Int) -> Double { tuning[c].map(\.recall).min() ?? 0 }
        func worstLost(_ c: Int) -> Double { tuning[c].map(\.lost).max() ?? 1 }
        func best(_ pool: [Int]) -> Int? {
            pool.max { (worstRecall($0), -worstLost($0)) < (worstRecall($1), -worstLost($1)) }
        }
        let all = Array(tuning.indices)
        if let c = best(all.filter { c in tuning[c].allSatisfy { $0.meets(targets) } }) { return (c, true) }
        return (best(all.filter { worstLost($0) <= targets.maxLost }) ?? 0, false)
    }

    /// Runs the candidates on both sets of surveys, chooses on `tuning`, judges on `heldOut`.
    public func run(tuning: [LoadedSurvey], tuningNames: [String], heldOut: [LoadedSurvey], heldOutNames: [String],
                    threads: Int) -> Report {
        let t = score(tuning, names: tuningNames, threads: threads)
        let h = score(heldOut, names: heldOutNames, threads: threads)
        let (c, meets) = choose(t)
        return Report(candidates: candidates.map(\.name), targets: targets, tuning: t, heldOut: h, chosen: c, chosenMeetsTuning: meets)
    }
}

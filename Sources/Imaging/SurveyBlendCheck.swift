import Foundation
import SurveyIO

/// Measures the image stage's rejections on a simulated survey (`galam simulate`) against its
/// `truth.csv`: how many cutouts with a planted overlapping neighbour are rejected as
/// "blended", and how many without one are rejected (for any reason).
public struct SurveyBlendCheck {
    /// The survey folder: `truth.csv` and `images/`.
    public var surveyDirectory: String
    public var threads = 2
    public var progress: ProgressReporter?

    public init(surveyDirectory: String) {
        self.surveyDirectory = surveyDirectory
    }

    /// One cutout's truth and fate.
    public struct Row: Sendable {
        public var imageFile: String
        public var overlappingNeighbour: Bool
        public var neighbours: Int
        /// nil = accepted.
        public var rejectReason: String?
        /// The fitted central ellipse (before the mask's scaling), when one was found.
        public var ellipse: Ellipse?
        /// The nearest neighbour's centre in pixels (truth.csv `nearest_neighbour_x_px`,
        /// `_y_px`), when the survey records it.
        public var neighbourCentre: (x: Double, y: Double)?
    }

    public struct Result: Sendable, CustomStringConvertible {
        public var rows: [Row] = []
        /// The stage's mask scale, to tell neighbours inside the kept region from masked ones.
        public var ellipseScale = 1.5

        public var overlaps: [Row] { rows.filter(\.overlappingNeighbour) }
        public var isolated: [Row] { rows.filter { !$0.overlappingNeighbour } }
        public var overlapsBlended: Int { Self.blendedCount(overlaps) }
        public var isolatedRejected: Int { isolated.filter { $0.rejectReason != nil }.count }
        /// Share of cutouts with a planted overlap rejected as "blended".
        public var overlapBlendedShare: Double { Double(overlapsBlended) / Double(max(1, overlaps.count)) }
        /// Share of cutouts without an overlapping neighbour rejected for any reason.
        public var isolatedRejectedShare: Double { Double(isolatedRejected) / Double(max(1, isolated.count)) }
        /// Cutouts rejected as "blended", with a planted overlap or without.
        public var blended: Int { Self.blendedCount(rows) }
        /// How many of `rows` were rejected as "blended".
        public static func blendedCount(_ rows: [Row]) -> Int { rows.filter { $0.rejectReason == ImagingRejection.blended.reason }.count }
        /// Share of the cutouts rejected as "blended" that have a planted overlap (the paper's
        /// check: 91 of 100 rejected images were blends by eye).
        public var blendedPrecision: Double { Double(overlapsBlended) / Double(max(1, blended)) }

        /// Planted overlaps whose neighbour centre lies inside the kept region (the fitted
        /// ellipse × `ellipseScale`), and those outside it, which the mask removes before
        /// detection by design; nil when truth.csv does not record neighbour positions.
        public var overlapsByMask: (inside: [Row], outside: [Row])? {
            let o = overlaps
            guard !o.isEmpty, o.allSatisfy({ $0.neighbourCentre != nil }) else { return nil }
            func kept(_ r: Row) -> Bool {
                guard let e = r.ellipse, let c = r.neighbourCentre else { return false }
                return e.contains(x: c.x, y: c.y, scale: ellipseScale)
            }
            return (o.filter(kept), o.filter { !kept($0) })
        }

        /// Outcome counts ("accepted" or the reason) of some rows, sorted by reason.
        public static func outcomes(_ rows: [Row]) -> String {
            var counts: [String: Int] = [:]
            for r in rows { counts[r.rejectReason ?? "accepted", default: 0] += 1 }
            return counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }

        public var description: String {
            let o = overlaps, i = isolated
            let withOthers = i.filter { $0.neighbours > 0 }, alone = i.filter { $0.neighbours == 0 }
            func share(_ a: Int, _ b: Int) -> String { String(format: "%d of %d (%.1f %%)", a, b, 100 * Double(a) / Double(max(1, b))) }
            var s = "planted overlaps rejected as blended: " + share(overlapsBlended, o.count) + "\n"
            s += "  outcomes: " + Self.outcomes(o) + "\n"
            if let split = overlapsByMask {
                s += String(format: "  neighbour centre inside the kept region (fitted ellipse × %.2g): ", ellipseScale)
                    + share(Self.blendedCount(split.inside), split.inside.count) + " blended\n"
                s += "  neighbour centre outside it (masked away before detection): "
                    + share(Self.blendedCount(split.outside), split.outside.count) + " blended\n"
            }
            s += "rejected as blended that have a planted overlap: " + share(overlapsBlended, blended)
                + " (the paper's visual check: 91 of 100)\n"
            s += "no overlapping neighbour, wrongly rejected: " + share(isolatedRejected, i.count) + "\n"
            s += "  outcomes: " + Self.outcomes(i) + "\n"
            s += "  with only distant neighbours: " + share(withOthers.filter { $0.rejectReason != nil }.count, withOthers.count)
                + " [" + Self.outcomes(withOthers) + "]\n"
            s += "  with no neighbour: " + share(alone.filter { $0.rejectReason != nil }.count, alone.count)
                + " [" + Self.outcomes(alone) + "]"
            return s
        }
    }

    /// Reads `truth.csv`, runs `stage` on every cutout and pairs the outcomes with the truth.
    public func run(stage: ImageStage) throws -> Result {
        let truthPath = surveyDirectory + "/truth.csv"
        guard FileManager.default.fileExists(atPath: truthPath) else {
            throw SurveyIOError(path: truthPath, reason: "no truth.csv: is this a folder written by `galam simulate`?")
        }
        let truth = try Catalog(contentsOf: truthPath)
        let names = try truth.column("image_file")
        let overlapText = try truth.column("overlapping_neighbour")
        let neighbourText = try truth.column("n_neighbours")
        // Older surveys lack the neighbour's position; the breakdown by mask is then skipped.
        let xs = truth.columns.contains("nearest_neighbour_x_px") ? try truth.column("nearest_neighbour_x_px") : nil
        let ys = truth.columns.contains("nearest_neighbour_y_px") ? try truth.column("nearest_neighbour_y_px") : nil
        var rows: [Row] = []
        for k in names.indices {
            guard let n = Int(neighbourText[k]) else {
                throw SurveyIOError(path: truthPath, reason: "row \(k + 2): n_neighbours '\(neighbourText[k])' is not an integer")
            }
            let o: Bool
            switch overlapText[k].lowercased() {
            case "true", "1": o = true
            case "false", "0": o = false
            default: throw SurveyIOError(path: truthPath, reason: "row \(k + 2): overlapping_neighbour '\(overlapText[k])' is not true/false")
            }
            var row = Row(imageFile: names[k], overlappingNeighbour: o, neighbours: n)
            if let xs, let ys, let x = Double(xs[k]), let y = Double(ys[k]) { row.neighbourCentre = (x, y) }
            rows.append(row)
        }
        let outcomes = stage.process(paths: rows.map { surveyDirectory + "/images/" + $0.imageFile },
                                     threads: threads, progress: progress)
        if let bad = outcomes.firstIndex(where: \.fileError) {
            throw SurveyIOError(path: surveyDirectory + "/images/" + rows[bad].imageFile, reason: outcomes[bad].rejectReason ?? "unreadable")
        }
        for k in rows.indices {
            rows[k].rejectReason = outcomes[k].rejectReason
            rows[k].ellipse = outcomes[k].ellipse
        }
        return Result(rows: rows, ellipseScale: stage.ellipseScale)
    }
}

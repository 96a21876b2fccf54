import Foundation
import Imaging
import MockSurvey
import SurveyIO

/// Measures the image stage's rejections on a simulated survey (`galam simulate`) against its
/// `truth.csv`: how many cutouts with a planted overlapping neighbour are rejected as
/// "blended", and how many without one are rejected (for any reason). The truth is read
/// through MockSurvey's `truthColumns` names, the schema `galam simulate` writes.
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
        /// The nearest neighbour's centre in pixels (`ColumnName.nearestNeighbourXPixels`,
        /// `…YPixels`), when the survey records it.
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

    /// Each cutout's truth, outcome and fitted ellipse (pixels; empty without one), for
    /// `galam bench images --survey-rows`.
    public static func rowsTable(_ result: Result) -> Catalog {
        let rows: [[String]] = result.rows.map { row in
            let e: [String] = row.ellipse.map { e in
                [e.centerX, e.centerY, e.semiMajor, e.semiMinor, e.angleRadians].map { String(format: "%.3f", $0) }
            } ?? ["", "", "", "", ""]
            return [row.imageFile, String(row.overlappingNeighbour), String(row.neighbours), row.rejectReason ?? "accepted"] + e
        }
        return Catalog(columns: [ColumnName.imageFile.rawValue, ColumnName.overlappingNeighbour.rawValue,
                                 ColumnName.neighbours.rawValue, "outcome",
                                 "ellipse_x", "ellipse_y", "ellipse_semi_major", "ellipse_semi_minor", "ellipse_angle_rad"],
                       rows: rows)
    }

    /// Reads `truth.csv`, runs `stage` on every cutout and pairs the outcomes with the truth.
    public func run(stage: ImageStage) throws -> Result {
        let truthPath = surveyDirectory + "/truth.csv"
        guard FileManager.default.fileExists(atPath: truthPath) else {
            throw SurveyIOError(path: truthPath, reason: "no truth.csv: is this a folder written by `galam simulate`?")
        }
        let truth = try Catalog(contentsOf: truthPath)
        let names = try truth.column(ColumnName.imageFile)
        let overlapText = try truth.column(ColumnName.overlappingNeighbour)
        let neighbourText = try truth.column(ColumnName.neighbours)
        // Older surveys lack the neighbour's position; the breakdown by mask is then skipped.
        let xColumn = ColumnName.nearestNeighbourXPixels, yColumn = ColumnName.nearestNeighbourYPixels
        let xs = truth.has(xColumn) ? try truth.column(xColumn) : nil
        let ys = truth.has(yColumn) ? try truth.column(yColumn) : nil
        var rows: [Row] = []
        for k in names.indices {
            guard let n = Int(neighbourText[k]) else {
                throw SurveyIOError(path: truthPath, reason: "row \(k + 2): \(ColumnName.neighbours.rawValue) '\(neighbourText[k])' is not an integer")
            }
            let o: Bool
            switch overlapText[k].lowercased() {
            case "true", "1": o = true
            case "false", "0": o = false
            default: throw SurveyIOError(path: truthPath, reason: "row \(k + 2): \(ColumnName.overlappingNeighbour.rawValue) '\(overlapText[k])' is not true/false")
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

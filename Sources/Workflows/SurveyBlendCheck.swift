import Foundation
import Imaging
import MockSurvey
import SurveyIO

/// Measures the image stage's rejections on a simulated survey (`galam simulate`) against its
/// `truth.csv`: how many blends are rejected as "blended", and how many other galaxies are
/// rejected (for any reason). Blends are the `blended` column (MockSurvey's `BlendTruth`, made
/// from the noiseless images) where the survey has it, otherwise the planted overlaps of older
/// surveys (`overlapping_neighbour`). The truth is read through MockSurvey's `truthColumns`
/// names, the schema `galam simulate` writes.
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
        /// The blend truth: `blended` where truth.csv has it, else `overlappingNeighbour`.
        public var truthBlended: Bool
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
        /// The column the blend truth came from (`blended`, or `overlapping_neighbour` for older surveys).
        public var truthColumn = ColumnName.blended
        /// The survey's observing conditions as truth.csv records them.
        public var conditions = SurveyConditions()

        /// Blends by the truth, and the other galaxies.
        public var truthBlends: [Row] { rows.filter(\.truthBlended) }
        public var truthOthers: [Row] { rows.filter { !$0.truthBlended } }
        /// Share of the truth's blends rejected as "blended".
        public var blendRecall: Double { Double(Self.blendedCount(truthBlends)) / Double(max(1, truthBlends.count)) }
        /// Share of the other galaxies rejected for any reason.
        public var othersLost: Double {
            let o = truthOthers
            return Double(o.filter { $0.rejectReason != nil }.count) / Double(max(1, o.count))
        }
        /// Share of the cutouts rejected as "blended" that are blends by the truth.
        public var blendPrecision: Double { Double(Self.blendedCount(truthBlends)) / Double(max(1, blended)) }

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
            var s = ""
            if truthColumn == .blended {
                let b = truthBlends, n = truthOthers
                s += "blends by the truth (\(ColumnName.blended.rawValue)) rejected as blended: " + share(Self.blendedCount(b), b.count) + "\n"
                s += "  outcomes: " + Self.outcomes(b) + "\n"
                s += "other galaxies rejected: " + share(n.filter { $0.rejectReason != nil }.count, n.count) + " [" + Self.outcomes(n) + "]\n"
                s += "rejected as blended that are blends by the truth: " + share(Self.blendedCount(b), blended) + "\n"
            }
            s += "planted overlaps rejected as blended: " + share(overlapsBlended, o.count) + "\n"
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
            return [row.imageFile, String(row.truthBlended), String(row.overlappingNeighbour), String(row.neighbours), row.rejectReason ?? "accepted"] + e
        }
        return Catalog(columns: [ColumnName.imageFile.rawValue, ColumnName.blended.rawValue, ColumnName.overlappingNeighbour.rawValue,
                                 ColumnName.neighbours.rawValue, "outcome",
                                 "ellipse_x", "ellipse_y", "ellipse_semi_major", "ellipse_semi_minor", "ellipse_angle_rad"],
                       rows: rows)
    }

    /// Reads `truth.csv`, runs `stage` on every cutout and pairs the outcomes with the truth.
    public func run(stage: ImageStage) throws -> Result {
        try load().run(stage: stage, threads: threads, progress: progress)
    }

    /// Loads several surveys in order (`load`).
    public static func load(_ directories: [String], threads: Int) throws -> [LoadedSurvey] {
        try directories.map { d in
            var c = SurveyBlendCheck(surveyDirectory: d)
            c.threads = threads
            return try c.load()
        }
    }

    /// Reads `truth.csv` and decodes every cutout once, so several stages can be compared on
    /// the same survey without decoding it again; an unreadable cutout is an error naming it.
    public func load() throws -> LoadedSurvey {
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
        let blendText = truth.has(ColumnName.blended) ? try truth.column(ColumnName.blended) : nil
        func flag(_ text: String, _ column: ColumnName, row k: Int) throws -> Bool {
            switch text.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw SurveyIOError(path: truthPath, reason: "row \(k + 2): \(column.rawValue) '\(text)' is not true/false")
            }
        }
        var rows: [Row] = []
        for k in names.indices {
            guard let n = Int(neighbourText[k]) else {
                throw SurveyIOError(path: truthPath, reason: "row \(k + 2): \(ColumnName.neighbours.rawValue) '\(neighbourText[k])' is not an integer")
            }
            let o = try flag(overlapText[k], ColumnName.overlappingNeighbour, row: k)
            let b = try blendText.map { try flag($0[k], ColumnName.blended, row: k) } ?? o
            var row = Row(imageFile: names[k], overlappingNeighbour: o, neighbours: n, truthBlended: b)
            if let xs, let ys, let x = Double(xs[k]), let y = Double(ys[k]) { row.neighbourCentre = (x, y) }
            rows.append(row)
        }
        let images = try ParallelWork.map(count: rows.count, threads: threads) { k -> Swift.Result<RGBImage, Error> in
            Swift.Result { try JPEG.read(surveyDirectory + "/images/" + rows[k].imageFile, requireColour: true) }
        }.map { try $0.get() }
        return LoadedSurvey(directory: surveyDirectory, rows: rows, images: images,
                            truthColumn: blendText == nil ? .overlappingNeighbour : .blended,
                            conditions: SurveyConditions(truth: truth))
    }
}

/// A simulated survey's truth and decoded cutouts (`SurveyBlendCheck.load`).
public struct LoadedSurvey: Sendable {
    public var directory: String
    /// Truth only; outcomes are filled in by `run`.
    public var rows: [SurveyBlendCheck.Row]
    public var images: [RGBImage]
    public var truthColumn: ColumnName
    public var conditions: SurveyConditions

    /// Runs `stage` on every cutout on `threads` threads and pairs the outcomes with the truth.
    public func run(stage: ImageStage, threads: Int, progress: ProgressReporter? = nil) -> SurveyBlendCheck.Result {
        let outcomes = ParallelWork.map(count: images.count, threads: threads, progress: progress) { stage.process(images[$0]) }
        var rows = rows
        for k in rows.indices {
            rows[k].rejectReason = outcomes[k].rejectReason
            rows[k].ellipse = outcomes[k].ellipse
        }
        return SurveyBlendCheck.Result(rows: rows, ellipseScale: stage.ellipseScale, truthColumn: truthColumn, conditions: conditions)
    }
}

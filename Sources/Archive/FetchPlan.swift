import Foundation
import SurveyIO

/// One file to download.
struct FileTask: Sendable {
    enum Kind: Sendable { case spectrum, image }
    let kind: Kind
    /// Relative to the output folder: `spectra/NAME` or `images/NAME`.
    let path: String
    let url: String
}

/// Which file each selected row needs, and which shard fetches it. A cutout shared by two
/// rows (the same galaxy observed twice) belongs to the first row naming it, so no two shards
/// ever write one file.
struct FetchPlan: Sendable {
    struct RowFiles: Sendable {
        var spectrum: String?
        var image: String?
        /// Why the row has no cutout request (e.g. no petroR90_r for --scale-by petro90).
        var imageProblem: String?
    }

    let rows: [RowFiles]
    private let tasksByRow: [[FileTask]]

    init(selection: Selection, options o: FetchOptions) {
        var rows: [RowFiles] = []
        var tasks: [[FileTask]] = []
        var imageOwner = Set<String>()
        for row in selection.rows {
            var files = RowFiles()
            var mine: [FileTask] = []
            if let kind = o.spectra {
                let path = "spectra/" + row.specFile
                files.spectrum = path
                mine.append(FileTask(kind: .spectrum, path: path,
                                     url: o.endpoints.spectrum(plate: row.plate, mjd: row.mjd, fiber: row.fiber, run2d: row.run2d, kind: kind)))
            }
            if let img = o.images {
                let path = "images/" + row.imageFile
                files.image = path
                if let scale = img.scale(for: row) {
                    if imageOwner.insert(path).inserted {
                        mine.append(FileTask(kind: .image, path: path,
                                             url: o.endpoints.cutout(ra: row.ra, dec: row.dec, scale: scale, width: img.width, height: img.height)))
                    }
                } else {
                    files.imageProblem = "no usable petroR90_r for --scale-by petro90"
                }
            }
            rows.append(files)
            tasks.append(mine)
        }
        self.rows = rows
        tasksByRow = tasks
    }

    /// The files shard `shard` fetches, in selection order.
    func tasks(for shard: Shard) -> [FileTask] {
        shard.rows(of: tasksByRow.count).flatMap { tasksByRow[$0] }
    }
}

import COpenBLAS
import Foundation
import SurveyIO

/// `galam prepare-images`: catalog + folder of JPEG cutouts → `images.npy` (uint8,
/// N_accepted × size × size × channels), `catalog.csv` (every input row with its fate) and
/// `manifest.json`; optionally a debug panel per galaxy.
public struct PrepareImagesJob {
    /// Catalog CSV; nil means "every `.jpg` in `imagesDirectory`".
    public var catalogPath: String?
    public var imagesDirectory: String
    public var outputDirectory: String
    /// Catalog column holding the image file name (relative to `imagesDirectory`).
    public var imageColumn = "image_file"
    public var stage = ImageStage()
    /// Folder for debug panels (nil: none).
    public var debugDirectory: String?
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true
    /// Images processed per parallel batch; accepted images are written out batch by batch so
    /// memory stays bounded on large catalogs.
    public var batchSize = 1024
    /// The shard of the catalog this run takes (`--shard i/N`): its rows i, i + N, …, written
    /// to `OUT/shard-i-of-N/`; `galam merge OUT` joins the shards into what one run writes.
    public var shard = Shard.all

    public init(catalogPath: String?, imagesDirectory: String, outputDirectory: String) {
        self.catalogPath = catalogPath
        self.imagesDirectory = imagesDirectory
        self.outputDirectory = outputDirectory
    }

    /// What a run produced.
    public struct Summary: Sendable {
        public var total: Int
        public var accepted: Int
        public var fileErrors: Int
        /// Count of rejections by reason.
        public var rejections: [String: Int]
        /// Inputs recognised as already masked, only cropped and resized (`ImageStage.premaskedInput`).
        public var premasked = 0
        public var seconds: Double
    }

    struct Parameters: Encodable {
        var stage: ImageStage
        var image_column: String
        var catalog: String?
        var images_directory: String
    }
    struct Details: Encodable { var channels: [String] }

    /// Runs the stage. Throws for problems with the arguments or when no image at all could be
    /// read; problems with single images are recorded per galaxy and printed to standard error.
    public func run() throws -> Summary {
        try stage.validate()
        var catalog = shard.select(try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: imageColumn, kind: "images",
                                                             include: Catalog.isJPEGFile))
        let outputDirectory = shard.outputDirectory(for: self.outputDirectory)
        let names = try catalog.column(imageColumn)
        let paths = names.map { imagesDirectory + "/" + $0 }
        let size = stage.size, channels = stage.bands.channels.count
        let npy = try NPYStreamWriter<UInt8>(path: outputDirectory + "/images.npy", rowShape: [size, size, channels], maxRows: paths.count)
        // Parallelism is over images; OpenBLAS's own threads (the ellipse fit's LAPACK calls)
        // would only contend with it.
        if threads > 1 { openblas_set_num_threads(1) }
        var premasked: [Bool] = []
        let job = CatalogJob(name: "prepare-images", inputs: "images", threads: threads, showProgress: showProgress, batchSize: batchSize)
        let fates = try job.run(count: paths.count, source: catalog.path, label: { names[$0] },
                                process: { stage.process(path: paths[$0]) }) { rows, outcomes in
            for (i, o) in zip(rows, outcomes) {
                premasked.append(o.premasked)
                if let out = o.output { try npy.append(row: out) }
                if let debugDirectory { try writePanel(o, name: names[i], path: paths[i], into: debugDirectory) }
            }
        }
        try npy.finish()

        fates.annotate(&catalog, index: .imageIndex)
        catalog.setColumn(.premasked, premasked.map { $0 ? "true" : "false" })
        try catalog.write(to: outputDirectory + "/catalog.csv")

        let accepted = fates.acceptedCount, premaskedCount = premasked.filter { $0 }.count
        var counts = StageManifest<Parameters, Details>.counts(fates)
        counts["premasked"] = premaskedCount
        try StageManifest(
            stage: "prepare-images", shard: shard,
            parameters: Parameters(stage: stage, image_column: imageColumn, catalog: catalogPath, images_directory: imagesDirectory),
            details: Details(channels: stage.bands.channelBands), counts: counts,
            outputs: ["images.npy": "uint8 [\(accepted), \(size), \(size), \(channels)] (channels \(stage.bands.channelBands.joined(separator: ", "))), rows in catalog order of accepted galaxies",
                      "catalog.csv": "every input row with accepted, reject_reason, image_index, premasked"],
            inputs: try CatalogJob.inputChecksums(catalogPath: catalogPath, files: paths)).write(to: outputDirectory + "/manifest.json")
        return Summary(total: paths.count, accepted: accepted, fileErrors: fates.fileErrors,
                       rejections: fates.rejections, premasked: premaskedCount, seconds: fates.seconds)
    }

    /// A Fig. 3-like panel of one galaxy, named after its file and its fate.
    func writePanel(_ o: ImageOutcome, name: String, path: String, into dir: String) throws {
        guard !o.fileError, let original = try? JPEG.read(path) else { return }
        let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
        let tag = o.accepted ? "accepted" : DebugPanels.slug(o.rejectReason ?? "unknown")
        let panel = DebugPanels.panel(original: original, outcome: o, ellipseScale: stage.ellipseScale)
        try JPEG.write(panel, to: dir + "/\(stem).\(tag).jpg", quality: 92)
    }
}

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

    struct Manifest: Encodable {
        var tool: String
        var stage = "prepare-images"
        var created: String
        var parameters: Parameters
        var channels: [String]
        var counts: [String: Int]
        var outputs: [String: String]
        var inputs: [String: String]
        struct Parameters: Encodable {
            var stage: ImageStage
            var image_column: String
            var catalog: String?
            var images_directory: String
        }
    }

    /// Runs the stage. Throws for problems with the arguments or when no image at all could be
    /// read; problems with single images are recorded per galaxy and printed to standard error.
    public func run() throws -> Summary {
        var catalog = try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: imageColumn, kind: "images",
                                                include: Catalog.isJPEGFile)
        let names = try catalog.column(imageColumn)
        guard !names.isEmpty else { throw SurveyIOError(path: catalog.path, reason: "no galaxies to process") }
        let paths = names.map { imagesDirectory + "/" + $0 }
        let size = stage.size, channels = stage.bands.channels.count

        // Accepted images go to a raw temporary file in catalog order, batch by batch; the
        // .npy is assembled at the end, when the number of rows is known.
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let rawPath = AtomicFile.temporaryPath(for: outputDirectory + "/images.raw")
        guard FileManager.default.createFile(atPath: rawPath, contents: nil),
              let raw = FileHandle(forWritingAtPath: rawPath) else {
            throw SurveyIOError(path: outputDirectory, reason: "cannot create a temporary file")
        }
        defer { try? raw.close(); try? FileManager.default.removeItem(atPath: rawPath) }

        let progress = ProgressReporter(label: "prepare-images", total: paths.count, enabled: showProgress)
        var accepted = Array(repeating: false, count: paths.count)
        var reasons = Array(repeating: "", count: paths.count)
        var rejections: [String: Int] = [:]
        var premasked = Array(repeating: false, count: paths.count)
        var fileErrors = 0, acceptedCount = 0
        var start = 0
        while start < paths.count {
            let end = min(paths.count, start + batchSize)
            let outcomes = stage.process(paths: Array(paths[start..<end]), threads: threads, progress: progress)
            for (k, o) in outcomes.enumerated() {
                let i = start + k
                premasked[i] = o.premasked
                if let out = o.output {
                    accepted[i] = true
                    acceptedCount += 1
                    out.withUnsafeBytes { raw.write(Data($0)) }
                } else {
                    reasons[i] = o.rejectReason ?? "unknown"
                    rejections[reasons[i], default: 0] += 1
                    if o.fileError { fileErrors += 1 }
                    if o.fileError || reasons[i].hasPrefix("deblending failed") {
                        printError("prepare-images: \(names[i]): \(reasons[i])")
                    }
                }
                if let debugDirectory, !o.fileError, let original = try? JPEG.read(paths[i]) {
                    let stem = URL(fileURLWithPath: names[i]).deletingPathExtension().lastPathComponent
                    let tag = o.accepted ? "accepted" : DebugPanels.slug(reasons[i])
                    let panel = DebugPanels.panel(original: original, outcome: o, ellipseScale: stage.ellipseScale)
                    try JPEG.write(panel, to: debugDirectory + "/\(stem).\(tag).jpg", quality: 92)
                }
            }
            start = end
        }
        if fileErrors == paths.count {
            throw SurveyIOError(path: catalog.path, reason: "none of the \(paths.count) images could be read")
        }
        try raw.synchronize()
        try raw.close()

        let npyPath = outputDirectory + "/images.npy"
        try AtomicFile.produce(npyPath) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: NPYHeader.encode(descr: UInt8.npyDescr, shape: [acceptedCount, size, size, channels])),
                  let out = FileHandle(forWritingAtPath: tmp), let input = FileHandle(forReadingAtPath: rawPath) else {
                throw SurveyIOError(path: npyPath, reason: "cannot write")
            }
            defer { try? out.close(); try? input.close() }
            out.seekToEndOfFile()
            while true {
                let chunk = input.readData(ofLength: 1 << 22)
                if chunk.isEmpty { break }
                out.write(chunk)
            }
            try out.synchronize()
        }

        catalog.setColumn("accepted", accepted.map { $0 ? "true" : "false" })
        catalog.setColumn("reject_reason", reasons)
        catalog.setColumn("image_index", StageOutcomes.indexColumn(accepted: accepted))
        catalog.setColumn("premasked", premasked.map { $0 ? "true" : "false" })
        try catalog.write(to: outputDirectory + "/catalog.csv")

        let inputs = try StageOutcomes.inputChecksums(catalogPath: catalogPath, files: paths)
        let manifest = Manifest(
            tool: "galam \(GalAMVersion.string)", created: Provenance.timestamp(),
            parameters: .init(stage: stage, image_column: imageColumn, catalog: catalogPath, images_directory: imagesDirectory),
            channels: stage.bands.channelBands,
            counts: ["input": paths.count, "accepted": acceptedCount, "rejected": paths.count - acceptedCount,
                     "file_errors": fileErrors, "premasked": premasked.filter { $0 }.count],
            outputs: ["images.npy": "uint8 [\(acceptedCount), \(size), \(size), \(channels)] (channels \(stage.bands.channelBands.joined(separator: ", "))), rows in catalog order of accepted galaxies",
                      "catalog.csv": "every input row with accepted, reject_reason, image_index, premasked"],
            inputs: inputs)
        try Provenance.writeJSON(manifest, to: outputDirectory + "/manifest.json")
        return Summary(total: paths.count, accepted: acceptedCount, fileErrors: fileErrors,
                       rejections: rejections, premasked: premasked.filter { $0 }.count, seconds: progress.elapsedSeconds)
    }
}

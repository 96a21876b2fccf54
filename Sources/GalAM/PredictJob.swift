import Foundation
import Imaging
import Spectra
import SurveyIO

/// `galam predict`: streams galaxies through the predictor in batches (constant memory),
/// writing one CSV row per input — prediction or rejection reason — or a FITS table.
public struct PredictJob {
    public var modelDirectory: String
    /// Either a folder of JPEGs or a catalog (with `image_file`, and `spec_file` when spectra are given).
    public var imagesDirectory: String
    public var catalogPath: String?
    public var spectraDirectory: String?
    public var outputPath: String
    public var batchSize = 256
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true

    public init(modelDirectory: String, imagesDirectory: String, catalogPath: String?, spectraDirectory: String?, outputPath: String) {
        self.modelDirectory = modelDirectory
        self.imagesDirectory = imagesDirectory
        self.catalogPath = catalogPath
        self.spectraDirectory = spectraDirectory
        self.outputPath = outputPath
    }

    public struct Summary: Sendable {
        public var total: Int
        public var predicted: Int
        public var seconds: Double
        public var imagesPerSecond: Double { Double(total) / max(seconds, 1e-9) }
    }

    public func run() throws -> Summary {
        let start = Date()
        let predictor = try Predictor(modelDirectory: modelDirectory)
        let catalog = try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: "image_file", kind: "images",
                                                include: Catalog.isJPEGFile)
        let names = try catalog.column("image_file")
        let specs = spectraDirectory != nil ? try catalog.column("spec_file") : nil
        guard !names.isEmpty else { throw SurveyIOError(path: catalogPath ?? imagesDirectory, reason: "no images to predict") }
        let columns = ["image_file", "spec_file", "model", "log_age", "mh", "accepted", "reject_reason"]
        var rows: [[String]] = []
        let progress = ProgressReporter(label: "predict", total: names.count, enabled: showProgress)
        let spectra = SpectraStage()
        let fits = outputPath.lowercased().hasSuffix(".fits")
        let tmp = AtomicFile.temporaryPath(for: outputPath)
        FileManager.default.createFile(atPath: tmp, contents: nil)
        guard let out = FileHandle(forWritingAtPath: tmp) else { throw SurveyIOError(path: outputPath, reason: "cannot create output") }
        defer { try? out.close(); try? FileManager.default.removeItem(atPath: tmp) }
        if !fits { out.write(Data((try Catalog(columns: columns).csvText()).utf8)) }
        var predicted = 0
        for b in stride(from: 0, to: names.count, by: batchSize) {
            let idx = Array(b..<min(names.count, b + batchSize))
            // Pre-process the batch on all threads, then run the networks on the accepted ones.
            let slots = ParallelWork.map(count: idx.count, threads: threads) { k -> (ImageOutcome, SpectrumOutcome?) in
                let i = idx[k]
                return (predictor.imageStage.process(path: imagesDirectory + "/" + names[i]),
                        specs.map { spectra.process(path: spectraDirectory! + "/" + $0[i]) })
            }
            var unreadable: [Int] = []
            var batchRows = idx.map { i in [names[i], specs?[i] ?? "", "", "", "", "false", ""] }
            var useSpectrum: [Int] = [], useImage: [Int] = []
            var specValues: [Float] = [], imgValues: [UInt8] = []
            for k in idx.indices {
                let (im, sp) = slots[k]
                if im.fileError || (sp?.fileError ?? false) { unreadable.append(k) }
                if let v = sp?.vector { useSpectrum.append(k); specValues += v } else if let o = im.output { useImage.append(k); imgValues += o } else {
                    batchRows[k][6] = ["image: " + (im.rejectReason ?? ""), sp.map { "spectrum: " + ($0.rejectReason ?? "") }].compactMap { $0 }.joined(separator: "; ")
                }
            }
            for (k, p) in zip(useSpectrum, try predictor.predict(spectra: specValues, count: useSpectrum.count)) {
                batchRows[k][2...5] = ["spectra_only", String(format: "%.5f", p[0]), String(format: "%.5f", p[1]), "true"]
            }
            for (k, p) in zip(useImage, predictor.predict(images: imgValues, count: useImage.count)) {
                batchRows[k][2...5] = ["multimodal_\(predictor.fusionMode.rawValue)", String(format: "%.5f", p[0]), String(format: "%.5f", p[1]), "true"]
            }
            predicted += useSpectrum.count + useImage.count
            // Unreadable files are named on stderr; scientific rejections (blends…) only in the output.
            for k in unreadable { printError("predict: \(batchRows[k][0]): \(batchRows[k][6])") }
            if fits { rows += batchRows } else {
                var text = try Catalog(columns: columns, rows: batchRows).csvText()
                text = String(text.drop { $0 != "\n" }.dropFirst())  // header written once
                out.write(Data(text.utf8))
            }
            progress.advance(by: idx.count)
        }
        try out.close()
        if fits {
            try AtomicFile.produce(outputPath) { path in
                let f = try FITSFile(creatingAt: path)
                try f.writeEmptyPrimary(keywords: [("ORIGIN", "galam predict"), ("GALAMVER", GalAMVersion.string)])
                try f.writeBinaryTable(extname: "PREDICTIONS", columns: columns.enumerated().map { j, name in
                    let v = rows.map { $0[j] }
                    if name == "log_age" || name == "mh" { return FITSColumn(name.uppercased(), .float64(v.map { Double($0) ?? .nan }), unit: "dex") }
                    return FITSColumn(name.uppercased(), .string(v, width: max(1, v.map(\.utf8.count).max() ?? 1)))
                })
                try f.close()
            }
        } else {
            guard rename(tmp, outputPath) == 0 else { throw SurveyIOError(path: outputPath, reason: "cannot move the output into place") }
        }
        return Summary(total: names.count, predicted: predicted, seconds: Date().timeIntervalSince(start))
    }
}

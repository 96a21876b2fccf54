import Foundation
import Imaging
import Spectra
import SurveyIO

/// `galam predict`: streams galaxies through the model's pre-processing and networks in
/// batches (constant memory), writing one row per input — prediction or rejection reason —
/// as CSV or a FITS table.
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

    /// One galaxy pre-processed as the training set was: a spectrum that passes the spectra
    /// stage is used (M1), else the image (M2 + M3 + M4).
    struct Outcome: StageOutcome {
        var image: ImageOutcome
        var spectrum: SpectrumOutcome?

        var fate: Fate {
            if spectrum?.accepted == true || image.accepted { return .accepted }
            let reasons = ["image: " + (image.rejectReason ?? "unknown"), spectrum.map { "spectrum: " + ($0.rejectReason ?? "unknown") }]
            return Fate(rejectReason: reasons.compactMap { $0 }.joined(separator: "; "),
                        fileError: image.fileError || (spectrum?.fileError ?? false))
        }
    }

    public static let columns: [ColumnName] = [.imageFile, .specFile, .model, .logAge, .mh, .accepted, .rejectReason, .spectrumReason]

    public func run() throws -> Summary {
        let start = Date()
        let predictor = try Predictor(modelDirectory: modelDirectory, threads: threads)
        let stages = predictor.preprocessing
        let catalog = try Catalog.readOrListing(catalogPath, directory: imagesDirectory, column: ColumnName.imageFile.rawValue,
                                                kind: "images", include: Catalog.isJPEGFile)
        let names = try catalog.column(.imageFile)
        let specs = spectraDirectory != nil ? try catalog.column(.specFile) : nil
        let out = try PredictionWriter(path: outputPath, columns: Self.columns)
        var predicted = 0
        let job = CatalogJob(name: "predict", inputs: "images", threads: threads, showProgress: showProgress, batchSize: batchSize)
        let fates = try job.run(count: names.count, source: catalogPath ?? imagesDirectory, label: { names[$0] }, process: { i in
            Outcome(image: stages.images.process(path: imagesDirectory + "/" + names[i]),
                    spectrum: specs.map { stages.spectra.process(path: spectraDirectory! + "/" + $0[i]) })
        }) { rows, outcomes in
            var batchRows = zip(rows, outcomes).map { i, o in
                [names[i], specs?[i] ?? "", "", "", "", "false", o.fate.rejectReason ?? "",
                 o.spectrum.flatMap { $0.accepted ? nil : $0.rejectReason } ?? ""]
            }
            // The networks run once per batch on the accepted galaxies.
            let bySpectrum = outcomes.indices.filter { outcomes[$0].spectrum?.accepted == true }
            let byImage = outcomes.indices.filter { outcomes[$0].spectrum?.accepted != true && outcomes[$0].image.accepted }
            let fromSpectra = try predictor.predict(spectra: bySpectrum.flatMap { outcomes[$0].spectrum!.vector! }, count: bySpectrum.count)
            let fromImages = predictor.predict(images: byImage.flatMap { outcomes[$0].image.output! }, count: byImage.count)
            for (ks, model, p) in [(bySpectrum, PaperModel.Name.spectraOnly, fromSpectra), (byImage, predictor.imageModel, fromImages)] {
                for (k, v) in zip(ks, p) {
                    batchRows[k][2...5] = [model.rawValue, String(format: "%.5f", v[0]), String(format: "%.5f", v[1]), "true"]
                }
            }
            predicted += bySpectrum.count + byImage.count
            try out.append(batchRows)
        }
        try out.finish()
        return Summary(total: fates.count, predicted: predicted, seconds: Date().timeIntervalSince(start))
    }
}

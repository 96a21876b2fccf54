import ArgumentParser
import Foundation
import SurveyIO
import GalAM
import NeuralNet

/// `galam predict`: ages and metallicities for new galaxies.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict log age and [M/H] from gri images (M2 + M3 + M4), or from spectra where given (M1).",
        discussion: """
        Images and spectra go through exactly the pre-processing of the training set (the \
        dataset's recorded spectra and image stages: cuts, mask, blend check, crop, resize, \
        bands); rejected inputs are listed with the reason, and spectrum_reason says why a \
        galaxy's spectrum was not used. With \
        --spectra, galaxies whose spectrum passes the spectra stage use the spectra-only \
        model. Streams in batches (constant memory); prints images/s at the end. Output: CSV \
        (with OUT.manifest.json), or a FITS table (binary table PREDICTIONS) when --out ends in \
        .fits. Each prediction carries calibrated central 68 % and 95 % intervals \
        (log_age_lo68 … mh_hi95, from the model's calibration.json: `galam calibrate`; fitted \
        on the validation split first when the model has none), ood_score (Mahalanobis \
        distance of the image's M3 features from the training set), ood_flag (score above the \
        calibration set's 99th percentile) and outside_label_range. The intervals use the \
        spectrum's S/N when spectra are given or the catalog has snr_r, and are wider without.

        --jsonl reads galaxies as JSON lines from standard input (a path, or an object with \
        image_file and optionally spec_file, snr_r and keys of your own, which are copied to \
        the answer) and writes one JSON line of predictions per input line, in order, to \
        standard output: for Spark's RDD.pipe, Dask or a shell pipe. Large catalogs: --shard \
        i/N per job of an array, then galam merge.

        Examples:
          galam predict --model model/ --images cutouts/ --out predictions.csv
          galam predict --model model/ --images cutouts/ --out predictions.csv --shard 3/16
          ls cutouts/*.jpg | jq -R . | galam predict --model model/ --jsonl
          echo '{"image_file": "a.jpg", "objid": 42}' | galam predict --model model/ --images cutouts/ --jsonl
          galam predict --model model/ --catalog cat.csv --images images/ \\
              --spectra spectra/ --out predictions.fits
        """)

    @Option(help: "Model folder from `galam train`.") var model: String
    @Option(help: "Folder of JPEG cutouts (with --jsonl: the folder relative paths are read from).") var images: String?
    @Option(help: "Catalog with image_file (and spec_file) columns; default: every JPEG in --images.") var catalog: String?
    @Option(help: "Folder of spec-*.fits files (needs --catalog).") var spectra: String?
    @Option(help: "Output CSV or .fits file (not with --jsonl).") var out: String?
    @Flag(help: "Galaxies as JSON lines on standard input, predictions as JSON lines on standard output.") var jsonl = false
    @Option(name: .customLong("batch-size"), help: "Galaxies per batch.") var batchSize = 256
    @OptionGroup var common: RunOptions
    @OptionGroup var sharding: ShardOption

    func validate() throws {
        if jsonl {
            if out != nil || catalog != nil { throw ValidationError("--jsonl reads standard input and writes standard output: no --out or --catalog") }
        } else {
            if images == nil || out == nil { throw ValidationError("--images and --out are needed (or --jsonl)") }
            if spectra != nil && catalog == nil { throw ValidationError("--spectra needs --catalog (to pair images with spectra)") }
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1") }
    }

    func run() throws {
        if jsonl {
            var stream = PredictStream(modelDirectory: model)
            stream.imagesDirectory = images
            stream.spectraDirectory = spectra
            stream.batchSize = batchSize
            stream.threads = common.threads
            try stream.run()
            return
        }
        guard let images, let out else { return }
        var job = PredictJob(modelDirectory: model, imagesDirectory: images, catalogPath: catalog, spectraDirectory: spectra, outputPath: out)
        job.batchSize = batchSize
        job.threads = common.threads
        job.shard = try sharding.resolve()
        job.showProgress = !common.quiet
        let s = try job.run()
        print(String(format: "predict: %d of %d galaxies predicted in %.1f s (%.1f images/s, pre-processing included) → %@",
                     s.predicted, s.total, s.seconds, s.imagesPerSecond, out))
    }
}

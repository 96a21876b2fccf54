import ArgumentParser
import Foundation
import SurveyIO
import GalAM
import Imaging

/// `galam prepare`: one dataset folder from spectra, images and labels.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Build a training dataset: spectra and image stages, labels, and a fixed 8:1:1 split.",
        discussion: """
        Runs the spectra stage (as prepare-spectra) and the image stage (as prepare-images) on \
        every catalog row, joins them with labels — from `galam fit-labels` (log_age_yr, \
        metallicity_mh), a simulation's truth.csv (log_age_lw, mh_lw) or any CSV keyed by \
        spec_file (--age-column, --mh-column) — and keeps galaxies every stage accepted. \
        The split (80 % train, remainder halved into validation and test) comes from a seeded \
        shuffle and is stored in labels.csv, so every model uses the same split. The image \
        stages take every option of prepare-spectra and prepare-images (defaults: the paper's \
        cuts and the authors' image settings; for a stricter blend check --blend-region, \
        --detect-on, --min-prominence, --npixels). Their whole configuration is recorded in \
        manifest.json, carried into the model by `galam train`, and used by `galam predict`, \
        so new galaxies are pre-processed exactly as the training set was. The image size must \
        be at least 46 px (M2's valid convolutions).

        Outputs: spectra.npy, images.npy, labels.csv, catalog.csv (each galaxy's fate), \
        manifest.json.

        Examples:
          galam prepare --catalog mock/catalog.csv --spectra mock/spectra \\
              --images mock/images --labels mock/truth.csv --out data/
          galam prepare --catalog cat.csv --spectra spectra/ --images images/ \\
              --labels labels.csv --out data/ --image-size 64 --bands gri
        """)

    @Option(help: "Catalog CSV with spec_file and image_file columns.") var catalog: String
    @Option(help: "Folder of spec-*.fits files.") var spectra: String
    @Option(help: "Folder of JPEG cutouts.") var images: String
    @Option(help: "Labels CSV keyed by spec_file.") var labels: String
    @Option(help: "Output dataset folder.") var out: String
    @Option(name: .customLong("age-column"), help: "Label column of log(age/yr).") var ageColumn: String?
    @Option(name: .customLong("mh-column"), help: "Label column of [M/H].") var mhColumn: String?
    @Option(help: "Simulation truth.csv to carry into labels.csv for evaluation.") var truth: String?
    @Option(help: "Seed of the split.") var seed: UInt64 = 42
    @OptionGroup(title: "Spectra stage") var spectraStage: SpectraStageOptions
    @OptionGroup(title: "Image stage") var imageStage: ImageStageOptions
    @OptionGroup var common: RunOptions
    @OptionGroup var sharding: ShardOption

    func validate() throws {
        try validated { try PreprocessingContract(spectra: spectraStage.stage, images: imageStage.stage).validate() }
    }

    func run() throws {
        var job = DatasetBuilder(catalogPath: catalog, spectraDirectory: spectra, imagesDirectory: images, labelsPath: labels, outputDirectory: out)
        job.ageColumn = ageColumn
        job.metallicityColumn = mhColumn
        job.truthPath = truth
        job.spectra = spectraStage.stage
        job.images = imageStage.stage
        job.seed = seed
        job.threads = common.threads
        job.shard = try sharding.resolve()
        job.showProgress = !common.quiet
        let s = try job.run()
        print("prepare: \(s.accepted) of \(s.total) galaxies kept (train \(s.counts[.train] ?? 0), validation \(s.counts[.validation] ?? 0), test \(s.counts[.test] ?? 0)) in \(String(format: "%.1f", s.seconds)) s → \(job.shard.outputDirectory(for: out))" + (job.shard.isWhole ? "" : " (shard \(job.shard); the split is assigned by `galam merge \(out)`)"))
        printRejections(s.rejections)
    }
}

import Foundation
import GalAM
import MockSurvey
import TestSupport

/// A small simulated survey (64 px cutouts) prepared at 48 px — M2's smallest input is 46 px —
/// with the truth as labels (and, with `recordTruth`, as the dataset's truth too), in a fresh
/// scratch folder: `dir/mock` and `dir/data`; `summary` is `prepare`'s.
func smallPreparedSurvey(_ name: String, count: Int = 16, seed: UInt64 = 11, recordTruth: Bool = false) throws
    -> (dir: String, data: LabeledDataset, summary: DatasetBuilder.Summary) {
    let dir = Fixtures.scratchDirectory(name)
    var sim = SimulateJob(count: count, outputDirectory: dir + "/mock", seed: seed)
    sim.imageSize = 64
    sim.showProgress = false
    _ = try sim.run()
    var job = DatasetBuilder(catalogPath: dir + "/mock/catalog.csv", spectraDirectory: dir + "/mock/spectra",
                             imagesDirectory: dir + "/mock/images", labelsPath: dir + "/mock/truth.csv", outputDirectory: dir + "/data")
    job.images.size = 48
    if recordTruth { job.truthPath = dir + "/mock/truth.csv" }
    job.showProgress = false
    let summary = try job.run()
    return (dir, try LabeledDataset(directory: dir + "/data"), summary)
}

/// Trains the paper's model on `data` into `dir/model` — one epoch, the learned fusion alone,
/// one thread, quietly — with `configure`'s changes to that configuration.
func trainSmallModel(_ data: LabeledDataset, in dir: String, onlyStage: PaperPipeline.OnlyStage? = nil,
                     _ configure: (inout TrainingConfig) -> Void = { _ in }) throws -> PaperPipeline.Result {
    var config = TrainingConfig()
    config.epochs = 1
    config.fusions = [.learned]
    configure(&config)
    var pipeline = PaperPipeline(data: data, modelDirectory: dir + "/model", config: config)
    pipeline.showProgress = false
    pipeline.threads = 1
    pipeline.onlyStage = onlyStage
    return try pipeline.run()
}

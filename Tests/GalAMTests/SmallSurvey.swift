import Foundation
import GalAM
import MockSurvey
import TestSupport

/// A 16-galaxy simulated survey (seed 11, 64 px cutouts) prepared at 48 px with the truth as
/// labels, in a fresh scratch folder: `dir/mock` and `dir/data`.
func smallPreparedSurvey(_ name: String) throws -> (dir: String, data: LabeledDataset) {
    let dir = Fixtures.scratchDirectory(name)
    var sim = SimulateJob(count: 16, outputDirectory: dir + "/mock", seed: 11)
    sim.imageSize = 64
    sim.showProgress = false
    _ = try sim.run()
    var job = DatasetBuilder(catalogPath: dir + "/mock/catalog.csv", spectraDirectory: dir + "/mock/spectra",
                             imagesDirectory: dir + "/mock/images", labelsPath: dir + "/mock/truth.csv", outputDirectory: dir + "/data")
    job.images.size = 48
    job.showProgress = false
    _ = try job.run()
    return (dir, try LabeledDataset(directory: dir + "/data"))
}

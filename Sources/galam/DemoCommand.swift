import ArgumentParser
import Foundation
import Spectra
import StellarPops
import SurveyIO

/// `galam demo`: the main job on built-in defaults. For now it runs the spectra stage on the
/// real SDSS fixtures and loads the paper's SSP grid; later stages extend it.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the pipeline on built-in defaults and print where the results are.",
        discussion: """
        Runs the spectra stage on the four real SDSS galaxies shipped beside the project
        (../shared/fixtures/sdss) and checks the paper's 36-SSP template grid in the cache.

        Example:
          galam demo --out out/demo
        """)

    @Option(help: "Folder with catalog.csv and spectra/ (the SDSS fixtures by default).")
    var data = "../shared/fixtures/sdss"

    @Option(help: "Output folder.")
    var out = "out/demo"

    func run() throws {
        let job = PrepareSpectraJob(catalogPath: data + "/catalog.csv", spectraDirectory: data + "/spectra",
                                    outputDirectory: out + "/spectra")
        let s = try job.run()
        print("spectra: \(s.accepted) of \(s.total) accepted → \(out)/spectra/spectra.npy [\(s.accepted) × \(job.stage.preprocessing.grid.count)]")
        let grid = try SSPGrid.load(.miles, selection: .paper)
        print("templates: \(grid.fluxes.count) MILES SSPs (\(grid.agesGyr.count) ages × \(grid.metallicities.count) [M/H]) from the cache")
        print("demo finished; outputs in \(out)/")
    }
}

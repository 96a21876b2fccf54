import SurveyIO
import ArgumentParser
import COpenBLAS

/// The `galam` command line: one small file per subcommand, no pipeline logic of its own.
struct Galam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galam",
        abstract: "Stellar age and metallicity of galaxies from SDSS gri images and spectra (MMLforGalAM).",
        discussion: """
        Typical flow:
          galam templates fetch                     # SSP templates into ~/.cache/galam
          galam fetch-sdss --out sdss --n 1000      # real SDSS galaxies: catalog.csv, spectra/, images/
          galam prepare-spectra --catalog cat.csv --spectra spectra/ --out prepared/
          galam prepare-images --catalog cat.csv --images images/ --out prepared/
        """,
        version: GalAMVersion.string,
        subcommands: [DemoCommand.self, FetchSDSSCommand.self, SimulateCommand.self, PrepareSpectraCommand.self, PrepareImagesCommand.self, PrepareCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
                      FitLabelsCommand.self, TemplatesCommand.self, BenchCommand.self, MontageCommand.self,
                      PlotSpectraCommand.self, VersionCommand.self])
}

// galam parallelises over galaxies on its own threads and its BLAS/LAPACK calls are small
// (ellipse fits, the fitter's normal equations), so OpenBLAS's own thread pool only contends
// with them: on 2 cores the image stage ran 429 images/s on 2 threads with it, 646 without.
openblas_set_num_threads(1)
Galam.main()

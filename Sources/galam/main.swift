import SurveyIO
import ArgumentParser
import COpenBLAS

/// The `galam` command line: one small file per subcommand, no pipeline logic of its own.
struct Galam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galam",
        abstract: "Stellar age and metallicity of galaxies from SDSS gri images and spectra (MMLforGalAM).",
        discussion: """
        From survey files to predictions (each subcommand has --help with examples):
          galam templates fetch                  # SSP templates into ~/.cache/galam
          galam fetch-sdss --out sdss --n 1000   # real SDSS galaxies: catalog.csv, spectra/, images/
          galam simulate --n 5000 --out mock     # or a simulated survey with known truth
          galam fit-labels --catalog mock/catalog.csv --spectra mock/spectra \\
              --out mock/labels.csv              # labels by full-spectrum fitting
          galam prepare --catalog mock/catalog.csv --spectra mock/spectra \\
              --images mock/images --labels mock/labels.csv --out data \\
              --image-size 64                    # spectra + image stages, 8:1:1 split
          galam train --data data --out model    # M1 → M2 → M3 → M4
          galam evaluate --model model           # metrics, figures, report.html
          galam predict --model model --images cutouts/ --out predictions.csv

        Single stages: prepare-spectra, prepare-images; per-galaxy stages take --shard i/N \
        (Slurm arrays) and galam merge joins the shards. Everything at once on a small \
        simulated survey: galam demo. Benchmarks: galam bench nn|images|fit.
        """,
        version: GalAMVersion.string,
        // In the order of the data's journey, then the tools.
        subcommands: [TemplatesCommand.self, FetchSDSSCommand.self, SimulateCommand.self, FitLabelsCommand.self, PrepareSpectraCommand.self,
                      PrepareImagesCommand.self, PrepareCommand.self, MergeCommand.self, TrainCommand.self, CalibrateCommand.self, EvaluateCommand.self, PredictCommand.self,
                      DemoCommand.self, BenchCommand.self, MontageCommand.self, PlotSpectraCommand.self, CorruptCutoutsCommand.self, VersionCommand.self])
}

// galam parallelises over galaxies on its own threads and its BLAS/LAPACK calls are small
// (ellipse fits, the fitter's normal equations), so OpenBLAS's own thread pool only contends
// with them: on 2 cores the image stage ran 429 images/s on 2 threads with it, 646 without.
openblas_set_num_threads(1)
Galam.main()

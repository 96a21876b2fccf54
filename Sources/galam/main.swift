import SurveyIO
import ArgumentParser

/// The `galam` command line: one small file per subcommand, no pipeline logic of its own.
struct Galam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galam",
        abstract: "Stellar age and metallicity of galaxies from SDSS gri images and spectra (MMLforGalAM).",
        discussion: """
        Typical flow:
          galam templates fetch                     # SSP templates into ~/.cache/galam
          galam prepare-spectra --catalog cat.csv --spectra spectra/ --out prepared/
          galam prepare-images --catalog cat.csv --images images/ --out prepared/
        """,
        version: GalAMVersion.string,
        subcommands: [DemoCommand.self, SimulateCommand.self, PrepareSpectraCommand.self, PrepareImagesCommand.self, PrepareCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
                      FitLabelsCommand.self, TemplatesCommand.self, BenchCommand.self, MontageCommand.self,
                      PlotSpectraCommand.self, VersionCommand.self])
}

Galam.main()

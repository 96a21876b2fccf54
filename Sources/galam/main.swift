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
        """,
        version: GalAMVersion.string,
        subcommands: [BenchCommand.self, DemoCommand.self, PrepareSpectraCommand.self, TemplatesCommand.self, VersionCommand.self])
}

Galam.main()

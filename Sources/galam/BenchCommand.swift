import ArgumentParser

/// `galam bench`: benchmarks that print figures (never timed unit tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of the pipeline's stages; each prints its figures.",
        discussion: """
        Examples:
          galam bench nn
          galam bench images --count 400 --threads 1,2
          galam bench fit --spectra ../shared/fixtures/sdss/spectra --repeats 10 \\
              --mc 50
          galam bench fetch --galaxies 300 --connections 1,8,32
        """,
        subcommands: [BenchNNCommand.self, BenchImagesCommand.self, BenchFitCommand.self, BenchFetchCommand.self])
}

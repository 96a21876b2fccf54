import ArgumentParser
import Reports
import SurveyIO

/// `galam plot-spectra`: SDSS spec files in one SVG figure.
struct PlotSpectraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot-spectra",
        abstract: "Plot SDSS spec FITS files (rest frame, median-normalised, offset) into an SVG.",
        discussion: """
        Examples:
          galam plot-spectra --out spectra.svg mock/spectra/spec-3000-54000-0001.fits \\
              ../shared/fixtures/sdss/spectra/spec-0389-51795-0269.fits
        """)

    @Option(help: "Output SVG file.")
    var out: String

    @Option(help: "Figure title.")
    var title = "SDSS spectra"

    @Argument(help: "spec-*.fits files.")
    var files: [String]

    func run() throws {
        let spectra = try files.map { (label: String($0.split(separator: "/").last ?? ""), spectrum: try SDSSSpectrum(contentsOf: $0)) }
        try AtomicFile.write(SpectrumFigure.svg(spectra, title: title), to: out)
        print("plot-spectra: \(files.count) spectra → \(out)")
    }
}

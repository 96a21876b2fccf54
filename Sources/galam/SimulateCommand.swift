import ArgumentParser
import Foundation
import MockSurvey

/// `galam simulate`: a mock SDSS survey with known ages and metallicities.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate an SDSS-like survey (spec FITS, gri JPEG cutouts, catalog) with known truth.",
        discussion: """
        Each galaxy has a delayed-τ star-formation history (plus bursts) with a metallicity \
        spread, built from the 150 E-MILES SSPs; a bulge (older) and a disk (younger) share it. \
        Its fibre spectrum is redshifted, dust-attenuated (Calzetti), broadened to its σ and SDSS \
        resolution, put on the SDSS log-λ grid with sky, throughput and noise; its cutout is \
        the two Sérsic components in g, r, i (SDSS filter curves) with PSF, sky noise and random \
        neighbours (a quarter overlapping), mapped to RGB with the Lupton et al. (2004) asinh \
        stretch. truth.csv holds the luminosity-weighted log age and [M/H] of the population \
        the fibre sees (log_age_lw, mh_lw) and of the whole galaxy. Needs `galam templates fetch`.

        Examples:
          galam simulate --n 2000 --out mock/ --seed 1
          galam simulate --n 200 --out mock64/ --image-size 64 --scale 0.792
        """)

    @Option(help: "Number of galaxies.")
    var n: Int

    @Option(help: "Output folder (spectra/, images/, catalog.csv, truth.csv).")
    var out: String

    @Option(help: "Random seed: the same seed gives identical files.")
    var seed: UInt64 = 1

    @Option(name: .customLong("image-size"), help: "Cutout size in pixels.")
    var imageSize = 128

    @Option(help: "Pixel scale in arcsec per pixel (SDSS: 0.396).")
    var scale = 0.396

    @Flag(name: .customLong("emission-lines"), help: "Add nebular emission lines (Hα EW ∝ light of stars < 0.3 Gyr).")
    var emissionLines = false

    @OptionGroup var common: RunOptions

    func run() throws {
        var job = SimulateJob(count: n, outputDirectory: out, seed: seed)
        job.imageSize = imageSize
        job.arcsecPerPixel = scale
        job.threads = common.threads
        job.showProgress = !common.quiet
        job.emissionLines = emissionLines
        let seconds = try job.run()
        print(String(format: "simulate: %d galaxies in %.1f s (%.1f ms each) → %@", n, seconds, 1000 * seconds / Double(n), out))
    }
}

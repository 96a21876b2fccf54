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

        Observing conditions (defaults: the original simulator, byte-identical files): --psf \
        gaussian|moffat with --moffat-beta LO-HI, --seeing LO-HI (FWHM in arcsec), --neighbours \
        random with --neighbour-density, --max-neighbours and --star-fraction, --sky-noise, \
        --stretch and --asinh-q. Each is written to truth.csv, with the blend truth: \
        blend_ratio_max (the largest ratio of one neighbour's noiseless r light to the galaxy's \
        inside the galaxy's 1.5σ isophote) and blended (that ratio ≥ 0.5).

        Examples:
          galam simulate --n 2000 --out mock/ --seed 1
          galam simulate --n 200 --out mock64/ --image-size 64 --scale 0.792
          galam simulate --n 600 --out moffat/ --seed 21 --psf moffat \\
              --moffat-beta 2.5-4.5 --seeing 1.0-2.0 --neighbours random \\
              --neighbour-density 1.5 --star-fraction 0.3
          galam simulate --n 600 --out noisy/ --seed 22 --sky-noise 2 --stretch 0.6
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

    @OptionGroup(title: "Observing conditions") var conditions: ImageConditionsOptions

    @OptionGroup var common: RunOptions

    func run() throws {
        var job = SimulateJob(count: n, outputDirectory: out, seed: seed)
        job.imageSize = imageSize
        job.arcsecPerPixel = scale
        job.threads = common.threads
        job.showProgress = !common.quiet
        job.emissionLines = emissionLines
        job.conditions = conditions.conditions
        let seconds = try job.run()
        print(String(format: "simulate: %d galaxies in %.1f s (%.1f ms each) → %@", n, seconds, 1000 * seconds / Double(n), out))
    }
}

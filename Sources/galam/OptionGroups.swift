import ArgumentParser
import Foundation
import GalAM
import Imaging
import MockSurvey
import NeuralNet
import Spectra
import StellarPops
import SurveyIO

/// `--threads` and `--quiet`, for every subcommand that works through many galaxies.
struct RunOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores; under mpirun or srun, the cores shared among the processes on each machine).")
    var threads = max(1, ProcessInfo.processInfo.activeProcessorCount / processesOnThisMachine())

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
    }
}

/// `--shard i/N` for the per-galaxy stages (a Slurm job array, GNU parallel): rows i, i + N, …
/// of the catalog, written under a name with the shard in it; `galam merge` joins the shards.
struct ShardOption: ParsableArguments {
    @Option(help: "Take rows i, i+N, … of the catalog (0 ≤ i < N) and write this shard's output (OUT/shard-i-of-N/, or NAME.shard-i-of-N.EXT); default from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT. Join with `galam merge`.")
    var shard: String?

    func validate() throws {
        do { _ = try resolve() } catch let e as SurveyIOError { throw ValidationError(e.reason) }
    }

    func resolve() throws -> Shard { try Shard.resolve(shard) }
}

/// Library validation errors, shown as argument errors (usage and exit status 64).
func validated(_ check: () throws -> Void) throws {
    do { try check() } catch let e as InvalidSetting { throw ValidationError(e.description) }
}

/// The image stage's settings, shared by `prepare-images` and `prepare` so a training set and
/// a catalogue can be built with the same check (docs/prepare-images.md). Defaults are the
/// authors'.
struct ImageStageOptions: ParsableArguments {
    @Option(name: .customLong("image-size"), help: "Output side in pixels.")
    var imageSize = 128

    @Option(help: "Bands to keep: g, r, i, gr, gi, ri or gri.")
    var bands = Bands.gri

    @Option(name: .customLong("threshold-tolerance"), help: "Iterative threshold stops when it moves less than this (0–255 grey scale).")
    var thresholdTolerance = 36.0

    @Option(name: .customLong("ellipse-scale"), help: "Factor on the central ellipse's axes before masking.")
    var ellipseScale = 1.5

    @Option(name: .customLong("box-size"), help: "Background box side at 128 px (scaled with the image size).")
    var boxSize = 50

    @Option(help: "Detection threshold in background RMS units.")
    var nsigma = 1.5

    @Option(help: "Smallest source in connected pixels (the authors: 10).")
    var npixels = 10

    @Option(help: "Deblending threshold levels.")
    var nlevels = 90

    @Option(help: "Deblending contrast (fraction of the source flux a piece must hold).")
    var contrast = 1e-6

    @Option(name: .customLong("detection-noise"), help: "Background and RMS for blend detection from the 'unmasked' cutout or the 'masked' image (the authors' script).")
    var detectionNoise = ImageStage.DetectionNoise.unmasked

    @Option(help: "Already-masked input: 'keep' (only crop and resize) or 'remask'.")
    var premasked = ImageStage.PremaskedInput.keep

    @Option(name: .customLong("blend-region"), help: "Where a second source makes a blend: 'mask' (within the kept ellipse, the authors) or 'footprint' (within the central galaxy's detection footprint on the whole cutout, SExtractor's definition; docs/prepare-images.md).")
    var blendRegion = ImageStage.BlendRegion.mask

    @Option(name: .customLong("detect-on"), help: "Images blend detection looks at: 'grey' (the authors) or 'grey+bands' (also each colour channel: catches neighbours of another colour, more isolated galaxies rejected; docs/prepare-images.md).")
    var detectOn = ImageStage.DetectionImages.grey

    @Option(name: .customLong("min-prominence"), help: "Beyond photutils: a deblended piece must rise this many σ of the smoothed sky noise above its saddle (0: no test, as the authors; docs/prepare-images.md).")
    var minProminence = 0.0

    @Option(name: .customLong("deblend-mode"), help: "Spacing of the deblending levels: exponential (photutils' default) or linear.")
    var deblendMode = Deblender.Mode.exponential

    @Flag(help: "Run Canny edge detection (30, 90) on the binary image before tracing contours, as the authors' script (docs/prepare-images.md: more \"no central ellipse\" on noisy cutouts).")
    var canny = false

    /// The stage these options describe.
    var stage: ImageStage {
        var s = ImageStage(
            threshold: IterativeThreshold(tolerance: Float(thresholdTolerance / 255)), ellipseScale: ellipseScale,
            detector: SourceDetector(background: BackgroundEstimator(boxSizeAt128: boxSize), nSigma: nsigma, minPixels: npixels,
                                     deblender: Deblender(nlevels: nlevels, contrast: contrast, minPixels: npixels)),
            size: imageSize, bands: bands, detectionNoise: detectionNoise, premaskedInput: premasked)
        s.blendRegion = blendRegion
        s.detectionImages = detectOn
        s.detector.minProminenceSigma = minProminence
        s.detector.deblender.mode = deblendMode
        if canny { s.edgeDetector = .paper }
        return s
    }

    func validate() throws { try validated { try stage.validate() } }
}

/// `galam simulate`'s observing conditions (`ImageConditions`): what decides whether a blend
/// check works. Defaults are the original simulator, whose files they leave byte-identical.
struct ImageConditionsOptions: ParsableArguments {
    @Option(help: "PSF family: gaussian (the original) or moffat (power-law wings).")
    var psf = ImageConditions.PSFFamily.gaussian

    @Option(name: .customLong("moffat-beta"), help: "Range LO-HI of the Moffat β, drawn uniformly per cutout.")
    var moffatBeta = NumberRange(2.5, 4.5)

    @Option(help: "Seeing FWHM range LO-HI in arcsec, drawn uniformly per cutout (default: normal 1.4″ ± 0.2″, ≥ 0.9″).")
    var seeing: NumberRange?

    @Option(help: "Neighbour layout: planted (a quarter of cutouts with one overlapping galaxy, others far away) or random (see --neighbour-density).")
    var neighbours = ImageConditions.NeighbourLayout.planted

    @Option(name: .customLong("neighbour-density"), help: "With --neighbours random: mean neighbours per cutout (Poisson, at most --max-neighbours), at positions uniform over the cutout.")
    var neighbourDensity = 1.0

    @Option(name: .customLong("max-neighbours"), help: "With --neighbours random: most neighbours in one cutout.")
    var maxNeighbours = 3

    @Option(name: .customLong("star-fraction"), help: "With --neighbours random: share of neighbours that are stars.")
    var starFraction = 0.3

    @Option(name: .customLong("sky-noise"), help: "Factor on the SDSS sky noise per pixel.")
    var skyNoise = 1.0

    @Option(help: "Softening of the Lupton asinh JPEG stretch (smaller: faint light brighter).")
    var stretch = 0.35

    @Option(name: .customLong("asinh-q"), help: "Non-linearity Q of the Lupton asinh stretch.")
    var asinhQ = 8.0

    /// The conditions these options describe.
    var conditions: ImageConditions {
        var c = ImageConditions()
        c.psfFamily = psf
        c.moffatBeta = moffatBeta.range
        c.seeingFWHMArcsec = seeing?.range
        c.neighbourLayout = neighbours
        c.neighbourDensity = neighbourDensity
        c.maxNeighbours = maxNeighbours
        c.starFraction = starFraction
        c.skyNoiseScale = skyNoise
        c.stretch = stretch
        c.asinhQ = asinhQ
        return c
    }

    func validate() throws {
        do { try conditions.validate() } catch let e as InvalidConditions { throw ValidationError(e.description) }
    }
}

/// A range written LO-HI (`2.5-4.5`), or one number for a single value.
struct NumberRange: ExpressibleByArgument {
    var range: ClosedRange<Double>

    init(_ lo: Double, _ hi: Double) { range = lo...hi }

    init?(argument: String) {
        // Split at a '-' that follows a digit or '.', so a leading minus is not a separator.
        let chars = Array(argument)
        var cut: Int?
        for k in 1..<max(1, chars.count) where chars[k] == "-" && (chars[k - 1].isNumber || chars[k - 1] == ".") { cut = k; break }
        let parts = cut.map { [String(chars[..<$0]), String(chars[($0 + 1)...])] } ?? [argument]
        let values = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == parts.count, let lo = values.first, let hi = values.last, lo <= hi, lo.isFinite, hi.isFinite else { return nil }
        range = lo...hi
    }

    var defaultValueDescription: String { "\(range.lowerBound)-\(range.upperBound)" }
}

/// The spectra stage's settings, shared by `prepare-spectra` and `prepare`. Defaults are the
/// paper's cuts.
struct SpectraStageOptions: ParsableArguments {
    @Option(name: .customLong("min-z"), help: "Minimum redshift.")
    var minZ = 0.002

    @Option(name: .customLong("max-z"), help: "Maximum redshift.")
    var maxZ = 0.3

    @Option(name: .customLong("min-snr"), help: "Minimum r-band median S/N per pixel (SN_MEDIAN[2]).")
    var minSNR = 5.0

    @Flag(name: .customLong("allow-zwarning"), help: "Keep objects with ZWARNING ≠ 0.")
    var allowZWarning = false

    @Option(name: .customLong("max-bad-fraction"), help: "Largest fraction of bad pixels (in the grid range) to bridge.")
    var maxBadFraction = 0.5

    @Option(name: .customLong("bad-mask-bits"), help: "and_mask bits (an integer bit mask) that mark a pixel bad; -1 = any bit.")
    var badMaskBits = Int(SpectrumPreprocessing.noDataBits)

    /// The stage these options describe.
    var stage: SpectraStage {
        var s = SpectraStage(cuts: SelectionCuts(minRedshift: minZ, maxRedshift: maxZ, requireZWarningZero: !allowZWarning, minSNR: minSNR))
        s.preprocessing.maxBadFraction = maxBadFraction
        s.preprocessing.badAndMaskBits = Int32(truncatingIfNeeded: badMaskBits)
        return s
    }

    func validate() throws { try validated { try stage.validate() } }
}

/// Prints a stage's counts and its rejections, most frequent first.
func printRejections(_ rejections: [String: Int]) {
    for (reason, n) in rejections.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { print("  rejected \(n): \(reason)") }
}

extension Bands: ExpressibleByArgument {}
extension ImageStage.DetectionImages: ExpressibleByArgument {}
extension ImageStage.BlendRegion: ExpressibleByArgument {}
extension ImageStage.DetectionNoise: ExpressibleByArgument {}
extension ImageStage.PremaskedInput: ExpressibleByArgument {}
extension Deblender.Mode: ExpressibleByArgument {}
extension ImageConditions.PSFFamily: ExpressibleByArgument {}
extension ImageConditions.NeighbourLayout: ExpressibleByArgument {}
extension GasTreatment: ExpressibleByArgument {}
extension MonteCarloMode: ExpressibleByArgument {}

/// A comma-separated option value (`--fusion learned,frozen`, `--lr-grid 1e-3,1e-4`), each
/// element parsed by its own type, so a wrong element is an argument error naming the option.
struct CommaList<Element: ExpressibleByArgument>: ExpressibleByArgument {
    var values: [Element]

    init(_ values: [Element]) { self.values = values }

    init?(argument: String) {
        var out: [Element] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Element(argument: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.append(v)
        }
        guard !out.isEmpty else { return nil }
        values = out
    }

    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

extension PaperModel.Fusion: ExpressibleByArgument {}

import ArgumentParser
import Imaging

/// The blend-check options beyond the paper, shared by `prepare-images` and `prepare` so a
/// training set can be built with the same check as a catalogue (docs/prepare-images.md).
struct BlendCheckOptions: ParsableArguments {
    @Option(name: .customLong("blend-region"), help: "Where a second source makes a blend: 'mask' (within the kept ellipse, the authors) or 'footprint' (within the central galaxy's detection footprint on the whole cutout, SExtractor's definition; docs/prepare-images.md).")
    var blendRegion = ImageStage.BlendRegion.mask

    @Option(name: .customLong("detect-on"), help: "Images blend detection looks at: 'grey' (the authors) or 'grey+bands' (also each colour channel: catches neighbours of another colour, more isolated galaxies rejected; docs/prepare-images.md).")
    var detectOn = ImageStage.DetectionImages.grey

    @Option(name: .customLong("min-prominence"), help: "Beyond photutils: a deblended piece must rise this many σ of the smoothed sky noise above its saddle (0: no test, as the authors; docs/prepare-images.md).")
    var minProminence = 0.0

    func validate() throws {
        guard minProminence >= 0 else { throw ValidationError("--min-prominence must be ≥ 0") }
    }

    /// Sets these options on `stage`.
    func apply(to stage: inout ImageStage) {
        stage.blendRegion = blendRegion
        stage.detectionImages = detectOn
        stage.detector.minProminenceSigma = minProminence
    }
}

extension ImageStage.DetectionImages: ExpressibleByArgument {}
extension ImageStage.BlendRegion: ExpressibleByArgument {}

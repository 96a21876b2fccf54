import COpenBLAS
import Foundation
import SurveyIO

/// The fate of one image in the image stage, with the intermediate products a debug panel
/// shows.
public struct ImageOutcome: Sendable {
    /// size × size × channels bytes when accepted.
    public var output: [UInt8]?
    /// Why the image was rejected ("empty", "no central ellipse", "blended", "no source",
    /// "deblending failed: …" or a file problem).
    public var rejectReason: String?
    /// True when the image file could not be read.
    public var fileError = false
    public var threshold: Float?
    /// True when the input was recognised as already masked (`ImageStage.looksPremasked`) and
    /// therefore not masked again.
    public var premasked = false
    /// The fitted central ellipse (before scaling by `ellipseScale`).
    public var ellipse: Ellipse?
    public var masked: RGBImage?
    public var sources: LabelMap?
    /// The accepted image before band selection, size × size RGB.
    public var final: RGBImage?

    public var accepted: Bool { output != nil }

    /// File problems and failures of the deblender are worth a line on standard error;
    /// blends and other scientific rejections only go to the catalog.
    public var fate: Fate {
        guard output == nil else { return .accepted }
        let reason = rejectReason ?? "unknown"
        return Fate(rejectReason: reason, fileError: fileError, isNotable: fileError || reason.hasPrefix("deblending failed"))
    }
}

extension ImageOutcome: StageOutcome {}

/// The paper's image pre-processing (Sect. 2.2.2): mask everything outside the central
/// galaxy's ellipse, reject blends, crop to the galaxy and resize. Images that are already
/// masked (`looksPremasked`) are not masked again unless `premaskedInput` is `.remask`.
public struct ImageStage: Codable, Equatable, Sendable {
    public var threshold: IterativeThreshold
    /// Axes of the fitted ellipse are multiplied by this before masking (the authors: 1.5).
    public var ellipseScale: Double
    /// Contours with fewer points are not fitted (an ellipse needs 5).
    public var minContourPoints: Int
    /// Edge detection on the binary image before contour tracing, as the authors did
    /// (`cv2.Canny(binary, 30, 90)`); nil (default) traces the binary image's objects
    /// directly. On noisy simulated cutouts the edges of the ragged binary border break into
    /// fragments and "no central ellipse" rises from 0.4 % to 14 % (docs/prepare-images.md),
    /// far above the 0.58 % the authors lost at this step, so the default skips it.
    public var edgeDetector: CannyEdges?
    public var detector: SourceDetector
    /// Output side in pixels.
    public var size: Int
    public var bands: Bands
    /// Where blend detection takes its background and RMS from. `.unmasked` (default): the
    /// cutout before masking, detection then runs on the masked pixels only. `.masked`: the
    /// masked image itself, as the authors' script did; its boxes are mostly black, so the
    /// RMS (and the detection threshold) is 0 and deblending levels start near 0.
    public var detectionNoise: DetectionNoise

    public enum DetectionNoise: String, Codable, Sendable, CaseIterable { case unmasked, masked }

    /// What to do with input that is already masked (black corners, as in the authors' output):
    /// `.keep` (default) skips the threshold, the ellipse mask and blend detection and only
    /// crops to the non-black box and resizes, so re-processing pre-processed images returns
    /// them unchanged; `.remask` treats them like raw cutouts.
    public var premaskedInput: PremaskedInput

    public enum PremaskedInput: String, Codable, Sendable, CaseIterable { case keep, remask }

    /// Which images blend detection looks at. `.grey` (default): the greyscale image only, as
    /// the authors. `.greyAndBands`: also each colour channel on its own (with `.unmasked`
    /// noise), so a neighbour of another colour whose nucleus is only a shoulder in grey
    /// still shows up as a peak in the band where it is relatively brighter.
    public var detectionImages: DetectionImages = .grey

    public enum DetectionImages: String, Codable, Sendable, CaseIterable { case grey, greyAndBands = "grey+bands" }

    /// Where a second source makes a blend. `.mask` (default): within the kept region (the
    /// fitted ellipse × `ellipseScale`), as the authors. `.footprint`: within the central
    /// galaxy's detection footprint on the whole cutout (the segment of pixels above the
    /// detection threshold that holds the ellipse's centre), SExtractor's definition of a
    /// blend, so a neighbour whose light joins the galaxy's is caught even when its centre
    /// lies outside the mask.
    public var blendRegion: BlendRegion = .mask

    public enum BlendRegion: String, Codable, Sendable, CaseIterable { case mask, footprint }

    public init(threshold: IterativeThreshold = .paper, ellipseScale: Double = 1.5, minContourPoints: Int = 5,
                edgeDetector: CannyEdges? = nil, detector: SourceDetector = .paper, size: Int = 128, bands: Bands = .gri,
                detectionNoise: DetectionNoise = .unmasked, premaskedInput: PremaskedInput = .keep) {
        self.detectionNoise = detectionNoise
        self.premaskedInput = premaskedInput
        self.threshold = threshold
        self.ellipseScale = ellipseScale
        self.minContourPoints = minContourPoints
        self.edgeDetector = edgeDetector
        self.detector = detector
        self.size = size
        self.bands = bands
    }

    public static let paper = ImageStage()

    /// Throws `InvalidSetting` for settings that cannot work, naming the command-line option.
    public func validate() throws {
        guard size >= 8 else { throw InvalidSetting("--image-size", "must be at least 8 px, not \(size)") }
        guard detector.deblender.nlevels >= 1 else { throw InvalidSetting("--nlevels", "must be ≥ 1") }
        guard detector.minPixels >= 1, detector.deblender.minPixels >= 1 else { throw InvalidSetting("--npixels", "must be ≥ 1") }
        guard detector.background.boxSizeAt128 >= 3 else { throw InvalidSetting("--box-size", "must be ≥ 3") }
        guard ellipseScale > 0 else { throw InvalidSetting("--ellipse-scale", "must be > 0") }
        guard (0...1).contains(detector.deblender.contrast) else { throw InvalidSetting("--contrast", "must lie in [0, 1]") }
        guard detector.minProminenceSigma >= 0 else { throw InvalidSetting("--min-prominence", "must be ≥ 0") }
        guard detector.nSigma > 0 else { throw InvalidSetting("--nsigma", "must be > 0") }
        guard threshold.tolerance > 0 else { throw InvalidSetting("--threshold-tolerance", "must be > 0") }
        if detectionNoise == .masked && detectionImages != .grey {
            throw InvalidSetting("--detect-on", "grey+bands needs --detection-noise unmasked")
        }
        if detectionNoise == .masked && blendRegion != .mask {
            throw InvalidSetting("--blend-region", "footprint needs --detection-noise unmasked")
        }
    }

    /// Reads and processes one file; an unreadable file is a rejection with its reason.
    public func process(path: String) -> ImageOutcome {
        do {
            return process(try JPEG.read(path, requireColour: true))
        } catch let e as SurveyIOError {
            return ImageOutcome(rejectReason: e.reason, fileError: true)
        } catch {
            return ImageOutcome(rejectReason: "\(error)", fileError: true)
        }
    }

    /// Processes one decoded image.
    public func process(_ image: RGBImage) -> ImageOutcome {
        var outcome = ImageOutcome()
        do {
            try Self.checkSize(image)
            let grey = Greyscale.convert(image)
            let masked: RGBImage
            if premaskedInput == .keep && Self.looksPremasked(image) {
                // Already masked, cropped and resized (the authors' output, or ours): its
                // non-black region is the kept galaxy, and it passed a blend check at its
                // original scale. Blend detection is not repeated: on the magnified image,
                // nearest-neighbour blocks of ≥ 9 pixels make noise peaks look like sources.
                outcome.premasked = true
                masked = image
            } else {
                let t = try threshold.threshold(of: grey)
                outcome.threshold = t
                let ellipse = try centralEllipse(grey, threshold: t)
                outcome.ellipse = ellipse
                masked = mask(image, outside: ellipse)
                outcome.masked = masked
                let found: SourceDetector.Result
                switch detectionNoise {
                case .masked:
                    found = try detector.detect(Greyscale.convert(masked))
                case .unmasked:
                    // Where to look, set up once for grey and the bands.
                    let detect: (SourceDetector, GreyImage) throws -> SourceDetector.Result
                    switch blendRegion {
                    case .mask:
                        let kept = inside(ellipse, width: grey.width, height: grey.height)
                        detect = { try $0.detect($1, inside: kept) }
                    case .footprint:
                        // Clamped as Double first: a centre far outside the image (a huge
                        // ellipse that still contains the centre) would trap in Int().
                        let cx = Int(min(max(ellipse.centerX.rounded(), 0), Double(grey.width - 1)))
                        let cy = Int(min(max(ellipse.centerY.rounded(), 0), Double(grey.height - 1)))
                        detect = { try $0.detectFootprint($1, containingX: cx, y: cy) }
                    }
                    found = try detect(detector, grey)
                    if detectionImages == .greyAndBands && found.sourceCount == 1 {
                        var bandDetector = detector
                        bandDetector.deblender.contrast = max(detector.deblender.contrast, Self.bandContrast)
                        for c in 0..<3 {
                            let inBand = try detect(bandDetector, Self.channel(c, of: image))
                            // The debug panel shows the band's sources: grey found only one.
                            if inBand.sourceCount > 1 { outcome.sources = inBand.sources; throw ImagingRejection.blended }
                        }
                    }
                }
                outcome.sources = found.sources
                if found.sourceCount == 0 { throw ImagingRejection.noSource }
                if found.sourceCount > 1 { throw ImagingRejection.blended }
            }
            outcome.masked = masked
            guard let b = CropResize.nonBlackBounds(masked) else { throw ImagingRejection.empty }
            let final = CropResize.resizeNearest(CropResize.crop(masked, x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1),
                                                 width: size, height: size)
            outcome.final = final
            outcome.output = bands.extract(final)
        } catch let r as ImagingRejection {
            outcome.rejectReason = r.reason
        } catch {
            outcome.rejectReason = "\(error)"
        }
        return outcome
    }

    /// Smallest side (px) of an input image. The stage's assumptions start here: the corner
    /// blocks of `looksPremasked` are ≥ 4 px, the background estimator's boxes ≥ 3 px in a grid
    /// that its median filter needs several of, and the ellipse needs a contour of ≥ 5 points
    /// around the centre. Placeholders that image services return for failed fields (1×1,
    /// 2×2) or strips (1×1000) are rejected here with their size rather than trapping later.
    public static let minimumSide = 16

    /// Throws an `ImagingRejection` naming the size when the image is too small for the stage.
    static func checkSize(_ image: RGBImage) throws {
        guard min(image.width, image.height) >= minimumSide else {
            throw ImagingRejection.tooSmall(width: image.width, height: image.height, minimum: minimumSide)
        }
    }

    /// Smallest deblending contrast in single bands. JPEG stores colour at half resolution
    /// (4:2:0), so a band carries blocky chroma noise that grey (≈ luma) does not; with the
    /// authors' 1e-6 it splits off tiny pieces (1000 simulated cutouts: 4.8 % of galaxies
    /// without an overlap rejected; with 1e-2: 2.7 %, and the same neighbours caught).
    static let bandContrast = 1e-2

    /// One colour channel on the [0, 1] scale.
    static func channel(_ c: Int, of image: RGBImage) -> GreyImage {
        var out = [Float](repeating: 0, count: image.width * image.height)
        for i in out.indices { out[i] = Float(image.pixels[3 * i + c]) / 255 }
        return GreyImage(width: image.width, height: image.height, pixels: out)
    }

    /// Level (each channel, 0-255) up to which a pixel of a masked JPEG counts as black:
    /// JPEG compression leaves a few levels of ringing in masked regions.
    public static let premaskedBlackLevel: UInt8 = 4

    /// True when the image looks like the authors' output: both corner blocks (side 1/10 of
    /// the image) of at least one diagonal have at least half of their pixels black. Their crop
    /// to the masked ellipse's bounding box leaves the corners outside the ellipse black (a
    /// thin ellipse along one diagonal still leaves the other diagonal's corners black); raw
    /// cutouts have sky noise there (simulated cutouts: at most 16 % black pixels in a corner
    /// block; the four fixtures: at least 76 % in every corner). A diagonal pair is required
    /// so that a raw cutout with one black side (edge of the survey footprint) is not taken
    /// for a masked one.
    public static func looksPremasked(_ image: RGBImage) -> Bool {
        let k = max(4, min(image.width, image.height) / 10)
        func blackCorner(_ x0: Int, _ y0: Int) -> Bool {
            var black = 0
            for y in y0..<(y0 + k) {
                for x in x0..<(x0 + k) {
                    let i = (y * image.width + x) * 3
                    if max(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) <= premaskedBlackLevel { black += 1 }
                }
            }
            return 2 * black >= k * k
        }
        let right = image.width - k, bottom = image.height - k
        return (blackCorner(0, 0) && blackCorner(right, bottom)) || (blackCorner(right, 0) && blackCorner(0, bottom))
    }

    /// The ellipse fitted to an outer contour of the thresholded image (of its edges, with
    /// `edgeDetector`) that contains the image centre; when several do, the one whose centre
    /// lies nearest the image centre.
    public func centralEllipse(_ grey: GreyImage, threshold t: Float) throws -> Ellipse {
        var binary = grey.pixels.map { $0 > t }
        if let edgeDetector { binary = edgeDetector.edges(binary: binary, width: grey.width, height: grey.height) }
        let cx = Double(grey.width / 2), cy = Double(grey.height / 2)
        var best: Ellipse? = nil
        var bestDistance = Double.infinity
        for contour in Contours.external(binary, width: grey.width, height: grey.height)
        where contour.count >= minContourPoints {
            // A degenerate fit (collinear points give axes of 0 or 10¹⁵) is no galaxy.
            guard let e = EllipseFit.fit(contour), e.isUsable(within: grey.width, grey.height), e.contains(x: cx, y: cy) else { continue }
            let d = (e.centerX - cx) * (e.centerX - cx) + (e.centerY - cy) * (e.centerY - cy)
            if d < bestDistance { bestDistance = d; best = e }
        }
        guard let best else { throw ImagingRejection.noCentralEllipse }
        return best
    }

    /// The image with every pixel outside the ellipse (axes × `ellipseScale`) set to black.
    public func mask(_ image: RGBImage, outside e: Ellipse) -> RGBImage {
        var out = image
        for (i, keep) in inside(e, width: image.width, height: image.height).enumerated() where !keep {
            out.pixels[3 * i] = 0; out.pixels[3 * i + 1] = 0; out.pixels[3 * i + 2] = 0
        }
        return out
    }

    /// Per pixel, row-major: inside the ellipse with axes × `ellipseScale`.
    public func inside(_ e: Ellipse, width: Int, height: Int) -> [Bool] {
        var inside = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            for x in 0..<width { inside[y * width + x] = e.contains(x: Double(x), y: Double(y), scale: ellipseScale) }
        }
        return inside
    }

    /// Processes many files on `threads` threads; results in input order.
    /// Parallelism is over images; OpenBLAS's own threads (the ellipse fit's LAPACK calls)
    /// would only contend with it, so BLAS is set to one thread when `threads` > 1.
    public func process(paths: [String], threads: Int, progress: ProgressReporter? = nil) -> [ImageOutcome] {
        if threads > 1 { openblas_set_num_threads(1) }
        return ParallelWork.map(count: paths.count, threads: threads, progress: progress) { process(path: paths[$0]) }
    }
}

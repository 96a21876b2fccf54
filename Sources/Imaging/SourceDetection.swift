/// Source detection on a greyscale image as photutils' image segmentation does it: subtract
/// a box-median background, smooth with a Gaussian kernel, keep 8-connected groups of at
/// least `minPixels` pixels above `nSigma` × the background RMS, then deblend.
public struct SourceDetector: Codable, Equatable, Sendable {
    public var background: BackgroundEstimator
    public var kernel: GaussianKernel
    /// Detection threshold in units of the background RMS (the authors used 1.5).
    public var nSigma: Double
    /// Smallest source, in connected pixels (the authors used 10).
    public var minPixels: Int
    public var deblender: Deblender

    public init(background: BackgroundEstimator = .paper, kernel: GaussianKernel = GaussianKernel(),
                nSigma: Double = 1.5, minPixels: Int = 10, deblender: Deblender = .paper) {
        self.background = background
        self.kernel = kernel
        self.nSigma = nSigma
        self.minPixels = minPixels
        self.deblender = deblender
    }

    public static let paper = SourceDetector()

    /// What detection found.
    public struct Result: Sendable {
        /// Sources before deblending.
        public var detected: LabelMap
        /// Sources after deblending (equal to `detected` when nothing was split).
        public var sources: LabelMap
        /// Background-subtracted, smoothed image the thresholds apply to.
        public var smoothed: GreyImage
        public var sourceCount: Int { sources.count }
    }

    /// Detects the sources before deblending (background, smoothing, threshold, labelling).
    public func detectWithoutDeblending(_ image: GreyImage) -> (segmentation: LabelMap, smoothed: GreyImage) {
        detectWithoutDeblending(image, maps: background.estimate(image), inside: nil)
    }

    /// Detection with given background and RMS maps; pixels where `inside` is false are not
    /// data (masked) and count as background (residual 0).
    public func detectWithoutDeblending(_ image: GreyImage, maps: BackgroundEstimator.Maps,
                                        inside: [Bool]?) -> (segmentation: LabelMap, smoothed: GreyImage) {
        var residual = image
        for i in 0..<residual.count {
            residual.pixels[i] = inside?[i] == false ? 0 : residual.pixels[i] - maps.background.pixels[i]
        }
        let smoothed = kernel.convolve(residual)
        let k = Float(nSigma)
        var mask = [Bool](repeating: false, count: image.count)
        for i in 0..<mask.count { mask[i] = smoothed.pixels[i] > k * maps.rms.pixels[i] }
        let segmentation = ConnectedComponents.label(mask, width: image.width, height: image.height, minPixels: minPixels)
        return (segmentation, smoothed)
    }

    /// Detects and deblends. Throws `DeblendingError` when deblending fails.
    public func detect(_ image: GreyImage) throws -> Result {
        try deblended(detectWithoutDeblending(image))
    }

    /// Detects and deblends within a mask, with the background and its RMS estimated on the
    /// whole, unmasked `image`: the sky noise is a property of the cutout, while the statistics
    /// of a masked image (mostly exact zeros) give an RMS of 0, i.e. a threshold at 0. Pixels
    /// where `inside` is false are treated as background.
    public func detect(_ image: GreyImage, inside: [Bool]) throws -> Result {
        precondition(inside.count == image.count)
        return try deblended(detectWithoutDeblending(image, maps: background.estimate(image), inside: inside))
    }

    func deblended(_ found: (segmentation: LabelMap, smoothed: GreyImage)) throws -> Result {
        var deblender = self.deblender
        deblender.minPixels = minPixels
        let sources = try deblender.deblend(found.smoothed, found.segmentation)
        return Result(detected: found.segmentation, sources: sources, smoothed: found.smoothed)
    }
}

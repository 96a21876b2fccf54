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
        let maps = background.estimate(image)
        var residual = image
        for i in 0..<residual.count { residual.pixels[i] -= maps.background.pixels[i] }
        let smoothed = kernel.convolve(residual)
        let k = Float(nSigma)
        var mask = [Bool](repeating: false, count: image.count)
        for i in 0..<mask.count { mask[i] = smoothed.pixels[i] > k * maps.rms.pixels[i] }
        let segmentation = ConnectedComponents.label(mask, width: image.width, height: image.height, minPixels: minPixels)
        return (segmentation, smoothed)
    }

    /// Detects and deblends. Throws `DeblendingError` when deblending fails.
    public func detect(_ image: GreyImage) throws -> Result {
        let (segmentation, smoothed) = detectWithoutDeblending(image)
        var deblender = self.deblender
        deblender.minPixels = minPixels
        let sources = try deblender.deblend(smoothed, segmentation)
        return Result(detected: segmentation, sources: sources, smoothed: smoothed)
    }
}

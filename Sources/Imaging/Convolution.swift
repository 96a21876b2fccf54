import Foundation

/// Smoothing before source detection: a normalised 2D Gaussian kernel, applied separably.
public struct GaussianKernel: Codable, Equatable, Sendable {
    /// Full width at half maximum in pixels (σ = FWHM / 2√(2 ln 2)).
    public var fwhmPixels: Double
    /// Kernel side in pixels (odd).
    public var size: Int

    public init(fwhmPixels: Double = 3, size: Int = 5) {
        self.fwhmPixels = fwhmPixels
        self.size = size
    }

    public var sigmaPixels: Double { fwhmPixels / (2 * (2 * log(2.0)).squareRoot()) }

    /// The 1D factor: exp(-x²/2σ²) sampled at pixel centres, summing to 1. The 2D kernel is
    /// its outer product with itself, which is exactly the sampled 2D Gaussian normalised to 1.
    public func weights1D() -> [Float] {
        let h = size / 2, s = sigmaPixels
        let w = (-h...h).map { exp(-Double($0 * $0) / (2 * s * s)) }
        let total = w.reduce(0, +)
        return w.map { Float($0 / total) }
    }

    /// The 2D kernel, row-major size × size.
    public func weights2D() -> [Float] {
        let w = weights1D()
        return w.flatMap { a in w.map { a * $0 } }
    }

    /// Convolves with zeros outside the image (astropy `convolve`'s default boundary).
    public func convolve(_ image: GreyImage) -> GreyImage {
        let w = weights1D(), h = size / 2
        let W = image.width, H = image.height
        var tmp = [Float](repeating: 0, count: image.count)
        var out = [Float](repeating: 0, count: image.count)
        image.pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                for y in 0..<H {
                    let row = y &* W
                    for x in 0..<W {
                        var s: Float = 0
                        for k in -h...h {
                            let xx = x &+ k
                            if xx >= 0 && xx < W { s += w[k &+ h] * src[row &+ xx] }
                        }
                        t[row &+ x] = s
                    }
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<H {
                    for x in 0..<W {
                        var s: Float = 0
                        for k in -h...h {
                            let yy = y &+ k
                            if yy >= 0 && yy < H { s += w[k &+ h] * t[yy &* W &+ x] }
                        }
                        o[y &* W &+ x] = s
                    }
                }
            }
        }
        return GreyImage(width: W, height: H, pixels: out)
    }
}

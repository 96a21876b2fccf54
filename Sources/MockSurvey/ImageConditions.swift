import Foundation

/// The observing conditions and crowding of a simulated survey's cutouts: what decides whether
/// a blend check works (PSF family and width, neighbours, sky noise, the JPEG stretch). The
/// defaults are the simulator as it was before these became options, and with them every
/// image, spectrum and catalog byte is unchanged (no extra random draws are made), so surveys
/// and figures measured earlier stay reproducible. Every setting is written to truth.csv.
public struct ImageConditions: Codable, Equatable, Sendable {
    /// The PSF profile of a survey's cutouts.
    public enum PSFFamily: String, Codable, Sendable, CaseIterable {
        /// A circular Gaussian (the simulator's original PSF).
        case gaussian
        /// A circular Moffat profile (1 + r²/α²)^−β, whose power-law wings carry light much
        /// further out than a Gaussian of the same FWHM (real seeing looks like this, β ≈ 2.5–4.5).
        case moffat
    }

    /// How neighbours are placed.
    public enum NeighbourLayout: String, Codable, Sendable, CaseIterable {
        /// The original scheme: a quarter of cutouts get one galaxy planted 1.2–2.5 R_c away
        /// (`overlapping_neighbour`), plus Poisson(0.8) galaxies well separated from the centre.
        case planted
        /// `neighbourDensity` neighbours on average (Poisson, at most `maxNeighbours`), each a
        /// star with probability `starFraction`, at positions uniform over the cutout (chance
        /// projections): overlaps arise by chance, at every separation.
        case random
    }

    public var psfFamily: PSFFamily = .gaussian
    /// Moffat β is drawn uniformly from this range per cutout.
    public var moffatBeta: ClosedRange<Double> = 2.5...4.5
    /// Seeing FWHM (arcsec) drawn uniformly from this range per cutout; nil keeps the
    /// original draw (normal, 1.4″ ± 0.2″, at least 0.9″).
    public var seeingFWHMArcsec: ClosedRange<Double>?
    public var neighbourLayout: NeighbourLayout = .planted
    /// Mean number of neighbours per cutout in the `.random` layout.
    public var neighbourDensity = 1.0
    /// Most neighbours in one cutout in the `.random` layout.
    public var maxNeighbours = 3
    /// Share of `.random` neighbours that are stars (point sources).
    public var starFraction = 0.3
    /// Factor on the sky noise per pixel (1: SDSS sky brightness and gains).
    public var skyNoiseScale = 1.0
    /// The Lupton asinh mapping's softening (`LuptonRGB.stretch`) and non-linearity (`q`).
    public var stretch = 0.35
    public var asinhQ = 8.0

    public init() {}

    /// The conditions before they became options.
    public static let original = ImageConditions()

    /// Mean neighbours per cutout: for `.planted` the overlap probability plus the mean of the
    /// separated ones; for `.random` the Poisson mean (before the cap).
    public var meanNeighbours: Double {
        neighbourLayout == .planted ? MockGalaxy.overlapProbability + MockGalaxy.meanSeparatedNeighbours : neighbourDensity
    }

    /// Throws `InvalidConditions` naming the `galam simulate` option of a setting that cannot work.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ why: String) throws { if !ok { throw InvalidConditions(option: option, reason: why) } }
        try check(moffatBeta.lowerBound > 1, "--moffat-beta", "β must be > 1 (a Moffat profile with β ≤ 1 has infinite flux)")
        if let s = seeingFWHMArcsec { try check(s.lowerBound > 0, "--seeing", "the FWHM must be > 0 arcsec") }
        try check(neighbourDensity >= 0 && neighbourDensity <= 20, "--neighbour-density", "must lie in 0–20 per cutout")
        try check(maxNeighbours >= 0 && maxNeighbours <= 20, "--max-neighbours", "must lie in 0–20")
        try check((0...1).contains(starFraction), "--star-fraction", "must lie in [0, 1]")
        try check(skyNoiseScale > 0, "--sky-noise", "must be > 0")
        try check(stretch > 0, "--stretch", "must be > 0")
        try check(asinhQ > 0, "--asinh-q", "must be > 0")
    }
}

/// A `galam simulate` setting that cannot work, naming its option.
public struct InvalidConditions: Error, CustomStringConvertible {
    public var option: String
    public var reason: String
    public var description: String { "\(option): \(reason)" }
}

/// The PSF of one cutout, in pixels.
public enum PSFModel: Sendable, Equatable {
    /// σ in pixels (FWHM = 2.3548 σ).
    case gaussian(sigmaPixels: Double)
    case moffat(fwhmPixels: Double, beta: Double)

    /// Full width at half maximum in pixels.
    public var fwhmPixels: Double {
        switch self {
        case .gaussian(let s): return 2.354820045 * s
        case .moffat(let f, _): return f
        }
    }

    /// β of a Moffat PSF, nil for a Gaussian.
    public var beta: Double? {
        if case .moffat(_, let b) = self { return b }
        return nil
    }

    /// Moffat core width α from the FWHM: FWHM = 2α √(2^{1/β} − 1).
    static func moffatAlpha(fwhm: Double, beta: Double) -> Double { fwhm / (2 * (pow(2, 1 / beta) - 1).squareRoot()) }

    /// Moffat kernel radius holding 99.8 % of the light: the flux outside r is
    /// (1 + r²/α²)^{1−β}, set to 0.002.
    static func moffatRadius(alpha: Double, beta: Double) -> Double { alpha * (pow(0.002, 1 / (1 - beta)) - 1).squareRoot() }

    /// Unit-flux PSF surface brightness at offset (dx, dy) pixels from its centre.
    func profile(dx: Double, dy: Double) -> Double {
        let r2 = dx * dx + dy * dy
        switch self {
        case .gaussian(let s):
            return exp(-0.5 * r2 / (s * s)) / (2 * Double.pi * s * s)
        case .moffat(let f, let b):
            let a = Self.moffatAlpha(fwhm: f, beta: b)
            return (b - 1) / (Double.pi * a * a) * pow(1 + r2 / (a * a), -b)
        }
    }

    /// The PSF-convolved image (zero outside the image). The Gaussian is the separable
    /// convolution the simulator always used (`convolveGaussianPSF`); the Moffat kernel is
    /// the profile integrated over each kernel pixel (3×3 samples) out to the radius holding
    /// 99.8 % of the light, not renormalised, so the far wings' light is lost as it would be
    /// below any real image's noise.
    public func convolve(_ img: [Double], size: Int) -> [Double] {
        switch self {
        case .gaussian(let s):
            return convolveGaussianPSF(img, size: size, sigmaPixels: s)
        case .moffat(let f, let b):
            let a = Self.moffatAlpha(fwhm: f, beta: b)
            let r = max(1, min(size - 1, Int(Self.moffatRadius(alpha: a, beta: b).rounded(.up))))
            var taps: [(dx: Int, dy: Int, w: Double)] = []
            for dy in -r...r {
                for dx in -r...r where dx * dx + dy * dy <= r * r {
                    taps.append((dx, dy, pixelIntegral(x: Double(dx), y: Double(dy))))
                }
            }
            return convolveWithTaps(img, size: size, taps: taps)
        }
    }

    /// A unit-flux point source centred at (x, y), each pixel the PSF integrated over it (3×3
    /// samples; 7×7 within 2 FWHM of the centre, where the profile is steep).
    public func pointSource(x: Double, y: Double, size: Int) -> [Double] {
        var img = [Double](repeating: 0, count: size * size)
        let near = 4 * fwhmPixels * fwhmPixels
        for py in 0..<size {
            for px in 0..<size {
                let dx = Double(px) - x, dy = Double(py) - y
                img[py * size + px] = pixelIntegral(x: dx, y: dy, samples: dx * dx + dy * dy < near ? 7 : 3)
            }
        }
        return img
    }

    /// Mean of the profile over the pixel centred at offset (x, y) (pixel area 1).
    func pixelIntegral(x: Double, y: Double, samples n: Int = 3) -> Double {
        var acc = 0.0
        for sy in 0..<n {
            for sx in 0..<n {
                acc += profile(dx: x + (Double(sx) + 0.5) / Double(n) - 0.5, dy: y + (Double(sy) + 0.5) / Double(n) - 0.5)
            }
        }
        return acc / Double(n * n)
    }
}

/// out(p) = Σ_taps w · img(p + (dx, dy)), zero outside the image; loops run over contiguous rows
/// for each tap so the inner loop vectorises.
func convolveWithTaps(_ img: [Double], size: Int, taps: [(dx: Int, dy: Int, w: Double)]) -> [Double] {
    var out = [Double](repeating: 0, count: img.count)
    img.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for t in taps {
                let y0 = max(0, -t.dy), y1 = min(size, size - t.dy)
                let x0 = max(0, -t.dx), x1 = min(size, size - t.dx)
                guard y0 < y1, x0 < x1 else { continue }
                for y in y0..<y1 {
                    let o = y * size, i = (y + t.dy) * size + t.dx
                    for x in x0..<x1 { dst[o + x] += t.w * src[i + x] }
                }
            }
        }
    }
    return out
}

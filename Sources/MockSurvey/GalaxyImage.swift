import Foundation
import SurveyIO

/// One Sérsic component to draw: total flux per band (nanomaggies), shape, position.
public struct SersicComponent: Sendable {
    public var sersicIndex: Double
    public var halfLightRadiusPixels: Double
    public var axisRatio: Double
    public var positionAngleDeg: Double
    public var centre: (x: Double, y: Double)
    /// Total flux in g, r, i (nanomaggies).
    public var fluxNanomaggies: [Double]

    public init(sersicIndex: Double, halfLightRadiusPixels: Double, axisRatio: Double, positionAngleDeg: Double,
                centre: (x: Double, y: Double), fluxNanomaggies: [Double]) {
        self.sersicIndex = sersicIndex
        self.halfLightRadiusPixels = halfLightRadiusPixels
        self.axisRatio = axisRatio
        self.positionAngleDeg = positionAngleDeg
        self.centre = centre
        self.fluxNanomaggies = fluxNanomaggies
    }

    /// b_n of the Sérsic profile (Ciotti & Bertin 1999 expansion).
    static func bn(_ n: Double) -> Double { 2 * n - 1.0 / 3 + 4 / (405 * n) + 46 / (25515 * n * n) }

    /// Unit-flux profile rendered on a `size`×`size` grid with 3×3 sub-pixel sampling
    /// (5×5 within 2 pixels of the centre, where a de Vaucouleurs cusp varies fastest).
    /// Normalised by the analytic total 2π n q Rₑ² e^{b} Γ(2n)/b^{2n}, so light falling
    /// outside the stamp is lost, as in a real cutout.
    public func unitImage(size: Int) -> [Double] {
        let n = sersicIndex, re = max(halfLightRadiusPixels, 0.3), q = max(axisRatio, 0.05), b = Self.bn(n)
        let total = 2 * Double.pi * n * q * re * re * exp(b) * tgamma(2 * n) / pow(b, 2 * n)
        let th = positionAngleDeg * Double.pi / 180, c = cos(th), s = sin(th)
        var img = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let dx0 = Double(x) - centre.x, dy0 = Double(y) - centre.y
                let sub = (dx0 * dx0 + dy0 * dy0) < 4 ? 5 : 3
                var acc = 0.0
                for sy in 0..<sub {
                    for sx in 0..<sub {
                        let dx = dx0 + (Double(sx) + 0.5) / Double(sub) - 0.5
                        let dy = dy0 + (Double(sy) + 0.5) / Double(sub) - 0.5
                        let u = dx * c + dy * s, v = -dx * s + dy * c
                        let r = (u * u + (v / q) * (v / q)).squareRoot()
                        acc += exp(-b * (pow(r / re, 1 / n) - 1))
                    }
                }
                img[y * size + x] = acc / Double(sub * sub) / total
            }
        }
        return img
    }
}

/// Separable Gaussian PSF convolution (σ in pixels), zero outside the image.
public func convolveGaussianPSF(_ img: [Double], size: Int, sigmaPixels: Double) -> [Double] {
    let r = max(1, Int((4 * sigmaPixels).rounded(.up)))
    var k = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigmaPixels * sigmaPixels)) }
    let s = k.reduce(0, +)
    k = k.map { $0 / s }
    var tmp = [Double](repeating: 0, count: img.count), out = tmp
    for y in 0..<size {
        for x in 0..<size {
            var acc = 0.0
            for t in -r...r where x + t >= 0 && x + t < size { acc += k[t + r] * img[y * size + x + t] }
            tmp[y * size + x] = acc
        }
    }
    for y in 0..<size {
        for x in 0..<size {
            var acc = 0.0
            for t in -r...r where y + t >= 0 && y + t < size { acc += k[t + r] * tmp[(y + t) * size + x] }
            out[y * size + x] = acc
        }
    }
    return out
}

/// The Lupton et al. (2004) asinh colour mapping used for SDSS colour JPEGs: i, r, g images
/// (nanomaggies) scaled per band become R, G, B; the common intensity I = (R+G+B)/3 is
/// stretched by asinh(Q·I/stretch)/Q and each channel keeps its ratio to I, so colours are
/// preserved even where the stretch saturates (then all channels are scaled down together).
public struct LuptonRGB: Sendable {
    /// Multipliers for i, r, g (→ R, G, B).
    public var bandScales: [Double]
    public var q: Double
    public var stretch: Double

    public init(bandScales: [Double] = [1.0, 1.25, 2.1], q: Double = 8, stretch: Double = 0.35) {
        self.bandScales = bandScales
        self.q = q
        self.stretch = stretch
    }

    /// Maps i, r, g images to an 8-bit RGB image.
    public func render(i: [Double], r: [Double], g: [Double], width: Int, height: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        for p in 0..<(width * height) {
            let ch = [max(0, i[p] * bandScales[0]), max(0, r[p] * bandScales[1]), max(0, g[p] * bandScales[2])]
            let intensity = (ch[0] + ch[1] + ch[2]) / 3
            guard intensity > 0 else { continue }
            let f = asinh(q * intensity / stretch) / q / intensity
            var v = ch.map { $0 * f }
            let m = v.max()!
            if m > 1 { v = v.map { $0 / m } }
            for c in 0..<3 { img.pixels[p * 3 + c] = UInt8(min(255, max(0, (v[c] * 255).rounded()))) }
        }
        return img
    }
}

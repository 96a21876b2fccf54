import Foundation

/// A Gauss–Hermite line-of-sight velocity distribution (van der Marel & Franx 1993) in pixel
/// units of a ln λ grid: centre `centre` and dispersion `sigma` (pixels; velocity = pixels ×
/// velocity scale), and h₃, h₄ (zero for a pure Gaussian).
///
/// L(y) = exp(−y²/2)/(σ√2π) · [1 + h₃H₃(y) + h₄H₄(y)], y = (x − centre)/σ, with
/// H₃(y) = (2y³ − 3y)/√3 and H₄(y) = (4y⁴ − 12y² + 3)/√24.
///
/// Templates are broadened by multiplying their Fourier transforms with the analytic transform
/// of L (Cappellari 2017, Sect. 3), exact also when σ is below a pixel, where a sampled kernel
/// fails. With X_f = Σ x_k e^{−iωk}: L̂(ω) = exp(−iω·centre − ω²σ²/2)·[1 + i·h₃H₃(ωσ) + h₄H₄(ωσ)]
/// — the m-th term carries (−i)^m, since the transform of H_m(y)e^{−y²/2} is
/// (−i)^m H_m(ω)e^{−ω²/2} for these polynomials (write H_m in the probabilists' He_k, whose
/// transforms are (−iω)^k e^{−ω²/2}). A test checks this against a direct convolution.
public struct GaussHermiteLOSVD: Sendable, Equatable {
    public var centre: Double
    public var sigma: Double
    public var h3: Double
    public var h4: Double

    public init(centre: Double, sigma: Double, h3: Double = 0, h4: Double = 0) {
        self.centre = centre
        self.sigma = sigma
        self.h3 = h3
        self.h4 = h4
    }

    static let r3 = 3.0.squareRoot(), r24 = 24.0.squareRoot()
    @inline(__always) static func hermite3(_ y: Double) -> Double { (2 * y * y * y - 3 * y) / r3 }
    @inline(__always) static func hermite4(_ y: Double) -> Double { (4 * y * y * y * y - 12 * y * y + 3) / r24 }
    @inline(__always) static func hermite3Prime(_ y: Double) -> Double { (6 * y * y - 3) / r3 }
    @inline(__always) static func hermite4Prime(_ y: Double) -> Double { (16 * y * y * y - 24 * y) / r24 }

    /// The transform at every frequency of `fft` into `re`, `im`.
    public func transform(_ fft: RealFFT, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        var e = GaussianPhaseFactor(fft, centre: centre, sigma: sigma)
        for f in 0..<fft.frequencyCount {
            let (er, ei) = e.next()
            if er == 0 && ei == 0 { re[f] = 0; im[f] = 0; continue }
            let y = fft.omega(f) * sigma
            let br = 1 + h4 * Self.hermite4(y), bi = h3 * Self.hermite3(y)
            re[f] = er * br - ei * bi
            im[f] = er * bi + ei * br
        }
    }

    /// Derivatives of the transform with respect to (centre, sigma[, h3, h4]): parameter p at
    /// `re[p·nf + f]`, `im[p·nf + f]`, nf = `fft.frequencyCount`.
    public func derivatives(_ fft: RealFFT, moments: Int, re rp: UnsafeMutablePointer<Double>, im ip: UnsafeMutablePointer<Double>) {
        let nf = fft.frequencyCount
        let re = (0..<moments).map { rp + $0 * nf }, im = (0..<moments).map { ip + $0 * nf }
        var e = GaussianPhaseFactor(fft, centre: centre, sigma: sigma)
        for f in 0..<nf {
            let w = fft.omega(f), y = w * sigma
            let (er, ei) = e.next()
            let br = 1 + h4 * Self.hermite4(y), bi = h3 * Self.hermite3(y)
            let lr = er * br - ei * bi, li = er * bi + ei * br
            // ∂/∂centre = −iω L̂
            re[0][f] = w * li
            im[0][f] = -w * lr
            // ∂/∂σ = −ω²σ L̂ + E·ω·(h₄H₄′ + i h₃H₃′)
            let dr = w * h4 * Self.hermite4Prime(y), di = w * h3 * Self.hermite3Prime(y)
            re[1][f] = -w * w * sigma * lr + (er * dr - ei * di)
            im[1][f] = -w * w * sigma * li + (er * di + ei * dr)
            if moments >= 4 {
                let h3v = Self.hermite3(y), h4v = Self.hermite4(y)
                re[2][f] = -ei * h3v       // E · i H₃
                im[2][f] = er * h3v
                re[3][f] = er * h4v        // E · H₄
                im[3][f] = ei * h4v
            }
        }
    }
}

/// E(ω_f) = exp(−ω_f²σ²/2 − iω_f·centre) at f = 0, 1, 2, … by recurrences instead of one
/// exp, sin and cos per frequency (they dominated the cost of the transform): the phase turns
/// by a fixed rotation, and the Gaussian's ratio between neighbours, exp(−Δω²σ²(2f−1)/2),
/// itself shrinks by the fixed factor exp(−Δω²σ²). The relative error grows like f·ε
/// (≈ 10⁻¹³ at 4096 frequencies). Once the Gaussian is below 10⁻²⁰⁰ it is returned as 0,
/// which also keeps the products out of the slow subnormal range.
struct GaussianPhaseFactor {
    private var gauss = 1.0, ratio: Double, ratioStep: Double
    private var cr = 1.0, ci = 0.0
    private let rotR: Double, rotI: Double

    init(_ fft: RealFFT, centre: Double, sigma: Double) {
        let dw = fft.omega(1)
        let a = dw * dw * sigma * sigma
        ratio = exp(-0.5 * a)
        ratioStep = exp(-a)
        rotR = cos(dw * centre)
        rotI = -sin(dw * centre)
    }

    /// (Re, Im) of E at the next frequency.
    mutating func next() -> (Double, Double) {
        let out = (gauss * cr, gauss * ci)
        if gauss > 0 {
            gauss *= ratio
            ratio *= ratioStep
            if gauss < 1e-200 { gauss = 0 }
            let r = cr * rotR - ci * rotI
            ci = cr * rotI + ci * rotR
            cr = r
        }
        return out
    }
}

/// Gaussian smoothing whose dispersion changes from pixel to pixel: the quadratic difference
/// between the galaxy's instrumental dispersion and the templates' own, per template pixel.
public enum VariableGaussianSmoothing {
    /// out_j = Σ_k x_{j+k} g_j(k) / Σ_k g_j(k), g_j(k) = exp(−k²/2s_j²), indices clamped at
    /// the ends. Pixels with s_j < 0.05 are copied (the kernel would be a delta).
    public static func smooth(_ x: [Double], sigmaPixels s: [Double]) -> [Double] {
        smooth([x], sigmaPixels: s)[0]
    }

    /// The same smoothing of several spectra on one grid; the kernels, which depend only on
    /// s_j, are computed once for all of them.
    public static func smooth(_ xs: [[Double]], sigmaPixels s: [Double]) -> [[Double]] {
        let n = s.count
        precondition(xs.allSatisfy { $0.count == n })
        let maxS = s.max() ?? 0
        guard maxS >= 0.05 else { return xs }
        let half = Int(ceil(4 * maxS)), width = 2 * half + 1
        // Normalised kernel of pixel j at kernels[j·width + half + k], zero beyond its own ±4s_j.
        var kernels = [Double](repeating: 0, count: n * width)
        for j in 0..<n where s[j] >= 0.05 {
            let h = min(half, Int(ceil(4 * s[j])))
            var norm = 0.0
            for k in -h...h {
                let v = exp(-0.5 * Double(k * k) / (s[j] * s[j]))
                kernels[j * width + k + half] = v
                norm += v
            }
            for k in -h...h { kernels[j * width + k + half] /= norm }
        }
        return xs.map { x in
            var out = x
            kernels.withUnsafeBufferPointer { kp in x.withUnsafeBufferPointer { xp in
                for j in 0..<n where s[j] >= 0.05 {
                    let h = min(half, Int(ceil(4 * s[j])))
                    let kj = kp.baseAddress! + (j &* width &+ half)
                    var sum = 0.0
                    if j - h >= 0 && j + h < n {
                        for k in -h...h { sum += xp[j &+ k] * kj[k] }
                    } else {
                        for k in -h...h { sum += xp[min(max(j + k, 0), n - 1)] * kj[k] }
                    }
                    out[j] = sum
                }
            } }
            return out
        }
    }
}

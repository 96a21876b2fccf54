import Foundation

/// Discrete Fourier transform of a real sequence of power-of-two length `n`, through a
/// complex radix-2 FFT of length n/2 (the standard even/odd packing, e.g. Press et al.,
/// Numerical Recipes §12.3). The system has no FFT library (OpenBLAS/LAPACK have none), and
/// the fitter needs only this one transform size per galaxy.
///
/// Convention: X_f = Σ_k x_k e^{−2πi f k / n} for f = 0…n/2 (n/2+1 values); `inverse` undoes
/// `forward` exactly (it includes the 1/n). Holds scratch space: one instance per thread.
public final class RealFFT {
    public let n: Int
    private let m: Int
    private let cosTable: [Double], sinTable: [Double]   // e^{-2πi k/m}, k < m/2
    private let cosHalf: [Double], sinHalf: [Double]     // e^{-2πi f/n}, f ≤ m
    private let bitReverse: [Int]
    private var zr: [Double], zi: [Double]

    public init(n: Int) {
        precondition(n >= 4 && n & (n - 1) == 0, "RealFFT length must be a power of two ≥ 4")
        self.n = n
        m = n / 2
        let m = n / 2
        cosTable = (0..<max(m / 2, 1)).map { cos(-2 * Double.pi * Double($0) / Double(m)) }
        sinTable = (0..<max(m / 2, 1)).map { sin(-2 * Double.pi * Double($0) / Double(m)) }
        cosHalf = (0...m).map { cos(-2 * Double.pi * Double($0) / Double(n)) }
        sinHalf = (0...m).map { sin(-2 * Double.pi * Double($0) / Double(n)) }
        var bits = 0
        while 1 << bits < m { bits += 1 }
        bitReverse = (0..<m).map { i in
            var r = 0, v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            return r
        }
        zr = [Double](repeating: 0, count: m)
        zi = [Double](repeating: 0, count: m)
    }

    /// Number of frequencies, n/2 + 1.
    public var frequencyCount: Int { m + 1 }

    /// Angular frequency (radians per pixel) of index f: 2πf/n.
    public func omega(_ f: Int) -> Double { 2 * Double.pi * Double(f) / Double(n) }

    /// Forward transform of `x` (count ≤ n, zero-padded) into `re`, `im` (n/2+1 each).
    public func forward(_ x: UnsafePointer<Double>, count: Int, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        zr.withUnsafeMutableBufferPointer { zrp in
            zi.withUnsafeMutableBufferPointer { zip in
                let zr = zrp.baseAddress!, zi = zip.baseAddress!
                for k in 0..<m {
                    let a = 2 &* k, b = a &+ 1
                    zr[k] = a < count ? x[a] : 0
                    zi[k] = b < count ? x[b] : 0
                }
                transform(zr, zi, inverse: false)
                for f in 0...m {
                    let f1 = f == m ? 0 : f, f2 = f == 0 ? 0 : m &- f
                    let er = 0.5 * (zr[f1] + zr[f2]), ei = 0.5 * (zi[f1] - zi[f2])
                    // (Z_f − conj Z_{m−f}) / 2i
                    let or = 0.5 * (zi[f1] + zi[f2]), oi = -0.5 * (zr[f1] - zr[f2])
                    let c = cosHalf[f], s = sinHalf[f]
                    re[f] = er + c * or - s * oi
                    im[f] = ei + c * oi + s * or
                }
            }
        }
    }

    /// Inverse transform of the half spectrum `re`, `im` (n/2+1 values) into `x` (n values).
    public func inverse(re: UnsafePointer<Double>, im: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>) {
        zr.withUnsafeMutableBufferPointer { zrp in
            zi.withUnsafeMutableBufferPointer { zip in
                let zr = zrp.baseAddress!, zi = zip.baseAddress!
                for f in 0..<m {
                    let g = m &- f
                    let er = 0.5 * (re[f] + re[g]), ei = 0.5 * (im[f] - im[g])
                    let dr = 0.5 * (re[f] - re[g]), di = 0.5 * (im[f] + im[g])
                    // O = d · e^{+2πi f/n}
                    let c = cosHalf[f], s = -sinHalf[f]
                    let or = dr * c - di * s, oi = dr * s + di * c
                    zr[f] = er - oi
                    zi[f] = ei + or
                }
                transform(zr, zi, inverse: true)
                let scale = 1 / Double(m)
                for k in 0..<m {
                    x[2 &* k] = zr[k] * scale
                    x[2 &* k &+ 1] = zi[k] * scale
                }
            }
        }
    }

    /// In-place iterative radix-2 complex FFT of length m (unnormalised).
    private func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        for i in 0..<m {
            let j = bitReverse[i]
            if j > i {
                let tr = re[i]; re[i] = re[j]; re[j] = tr
                let ti = im[i]; im[i] = im[j]; im[j] = ti
            }
        }
        let sign: Double = inverse ? -1 : 1
        cosTable.withUnsafeBufferPointer { ct in
            sinTable.withUnsafeBufferPointer { st in
                var len = 2
                while len <= m {
                    let half = len / 2, stride = m / len
                    var start = 0
                    while start < m {
                        for k in 0..<half {
                            let wr = ct[k &* stride], wi = sign * st[k &* stride]
                            let a = start &+ k, b = a &+ half
                            let xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr
                            re[b] = re[a] - xr; im[b] = im[a] - xi
                            re[a] += xr; im[a] += xi
                        }
                        start &+= len
                    }
                    len <<= 1
                }
            }
        }
    }
}

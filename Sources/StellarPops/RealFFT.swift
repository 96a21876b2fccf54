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
    /// Twiddles e^{−2πik/len}, k < len/2, of every radix-2 stage len = 8, 16, …, m, one stage
    /// after the other (stages 2 and 4 need none: they are done together as radix 4).
    private let twiddleRe: [Double], twiddleIm: [Double]
    private let cosHalf: [Double], sinHalf: [Double]     // e^{-2πi f/n}, f ≤ m
    /// Index pairs (i, j), i < j, swapped by the bit-reversal permutation.
    private let swaps: [(Int, Int)]
    private var zr: [Double], zi: [Double]

    public init(n: Int) {
        precondition(n >= 4 && n & (n - 1) == 0, "RealFFT length must be a power of two ≥ 4")
        self.n = n
        m = n / 2
        let m = n / 2
        var twr: [Double] = [], twi: [Double] = []
        var len = 8
        while len <= m {
            for k in 0..<(len / 2) {
                twr.append(cos(-2 * Double.pi * Double(k) / Double(len)))
                twi.append(sin(-2 * Double.pi * Double(k) / Double(len)))
            }
            len <<= 1
        }
        twiddleRe = twr
        twiddleIm = twi
        cosHalf = (0...m).map { cos(-2 * Double.pi * Double($0) / Double(n)) }
        sinHalf = (0...m).map { sin(-2 * Double.pi * Double($0) / Double(n)) }
        var bits = 0
        while 1 << bits < m { bits += 1 }
        var pairs: [(Int, Int)] = []
        for i in 0..<m {
            var r = 0, v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            if r > i { pairs.append((i, r)) }
        }
        swaps = pairs
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

    /// In-place iterative complex FFT of length m (unnormalised), decimation in time after a
    /// bit-reversal permutation: the first two radix-2 stages as one radix-4 pass without
    /// multiplications, then radix-2 stages with contiguous twiddles. The inverse transform is
    /// the forward one with real and imaginary parts exchanged (swap ∘ DFT ∘ swap = m·IDFT).
    private func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        let (re, im) = inverse ? (im, re) : (re, im)
        for (i, j) in swaps {
            let tr = re[i]; re[i] = re[j]; re[j] = tr
            let ti = im[i]; im[i] = im[j]; im[j] = ti
        }
        let m = self.m
        if m == 2 {
            let r = re[1], i = im[1]
            re[1] = re[0] - r; im[1] = im[0] - i
            re[0] += r; im[0] += i
            return
        }
        var s = 0
        while s < m {
            // (a0, a1, a2, a3) → X_q = Σ_p a_p (−i)^{pq} after the bit reversal's order.
            let s0r = re[s] + re[s &+ 1], s0i = im[s] + im[s &+ 1]
            let d0r = re[s] - re[s &+ 1], d0i = im[s] - im[s &+ 1]
            let s1r = re[s &+ 2] + re[s &+ 3], s1i = im[s &+ 2] + im[s &+ 3]
            let d1r = re[s &+ 2] - re[s &+ 3], d1i = im[s &+ 2] - im[s &+ 3]
            re[s] = s0r + s1r; im[s] = s0i + s1i
            re[s &+ 2] = s0r - s1r; im[s &+ 2] = s0i - s1i
            re[s &+ 1] = d0r + d1i; im[s &+ 1] = d0i - d1r
            re[s &+ 3] = d0r - d1i; im[s &+ 3] = d0i + d1r
            s &+= 4
        }
        twiddleRe.withUnsafeBufferPointer { twr in
            twiddleIm.withUnsafeBufferPointer { twi in
                var len = 8, offset = 0
                while len <= m {
                    let half = len / 2
                    let wr = twr.baseAddress! + offset, wi = twi.baseAddress! + offset
                    var start = 0
                    while start < m {
                        let ar = re + start, ai = im + start, br = ar + half, bi = ai + half
                        for k in 0..<half {
                            let xr = br[k] * wr[k] - bi[k] * wi[k], xi = br[k] * wi[k] + bi[k] * wr[k]
                            br[k] = ar[k] - xr; bi[k] = ai[k] - xi
                            ar[k] += xr; ai[k] += xi
                        }
                        start &+= len
                    }
                    offset &+= half
                    len <<= 1
                }
            }
        }
    }
}

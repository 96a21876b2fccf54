import COpenBLAS
import Foundation

/// Non-negative least squares by the active-set method of Lawson & Hanson (1974, ch. 23),
/// worked on the normal equations: min ‖Ax − b‖² subject to x_j ≥ 0 for j not in `free`
/// (variables in `free`, e.g. additive-polynomial coefficients, are unconstrained).
///
/// The fitter forms G = AᵀA (K×K, cblas_dsyrk) and h = Aᵀb once per model, so every
/// inner least-squares solve is a small K×K Cholesky (LAPACK dposv) instead of a pass over
/// thousands of pixels. Templates are normalised to unit mean, which keeps G well scaled.
public enum NNLS {
    public struct Solution: Sendable {
        public var x: [Double]
        /// ‖Ax − b‖² − ‖b‖² = xᵀGx − 2hᵀx (add ‖b‖² for the residual sum of squares).
        public var objectiveOffset: Double
        public var iterations: Int
    }

    /// Solves for A (n×k, column-major, `a[j*n + i]`) and b.
    public static func solve(a: [Double], rows n: Int, columns k: Int, b: [Double], free: Set<Int> = []) -> Solution {
        var g = [Double](repeating: 0, count: k * k), h = [Double](repeating: 0, count: k)
        gram(a: a, rows: n, columns: k, b: b, g: &g, h: &h)
        return solve(gram: g, atb: h, count: k, free: free)
    }

    /// G = AᵀA (full symmetric, column-major) and h = Aᵀb.
    public static func gram(a: [Double], rows n: Int, columns k: Int, b: [Double], g: inout [Double], h: inout [Double]) {
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(k), Int32(n), 1, a, Int32(n), 0, &g, Int32(k))
        for j in 0..<k { for i in (j + 1)..<max(k, j + 1) { g[j * k + i] = g[i * k + j] } }
        cblas_dgemv(CblasColMajor, CblasTrans, Int32(n), Int32(k), 1, a, Int32(n), b, 1, 0, &h, 1)
    }

    /// Solves min xᵀGx − 2hᵀx with x_j ≥ 0 outside `free`; G is K×K symmetric positive
    /// (semi-)definite, column-major.
    public static func solve(gram g: [Double], atb h: [Double], count k: Int, free: Set<Int> = []) -> Solution {
        var x = [Double](repeating: 0, count: k)
        var passive = [Bool](repeating: false, count: k)
        for j in free { passive[j] = true }
        // A gradient component below this is rounding noise, not a reason to free a variable.
        let tol = 1e-12 * max(h.map(abs).max() ?? 0, 1e-300)
        var iterations = 0
        // Start with the free variables alone (an unconstrained solve), then add constrained ones.
        if !free.isEmpty, let z = subsolve(g, h, k, passive) {
            for j in 0..<k where passive[j] { x[j] = z[j] }
        }
        let maxIterations = 3 * k + 10
        outer: while iterations < maxIterations {
            // Gradient of the negative objective: w = h − Gx.
            var best = -1, bestW = tol
            for j in 0..<k where !passive[j] {
                var w = h[j]
                for i in 0..<k { w -= g[j * k + i] * x[i] }
                if w > bestW { bestW = w; best = j }
            }
            if best < 0 { break }
            passive[best] = true
            iterations += 1
            while true {
                guard let z = subsolve(g, h, k, passive) else { passive[best] = false; break outer }
                var alpha = 1.0, blocked = false
                for j in 0..<k where passive[j] && !free.contains(j) && z[j] <= 0 {
                    let denom = x[j] - z[j]
                    let a = denom > 0 ? x[j] / denom : 0
                    if a < alpha { alpha = a }
                    blocked = true
                }
                if !blocked {
                    x = z
                    break
                }
                for j in 0..<k where passive[j] { x[j] += alpha * (z[j] - x[j]) }
                var removed = false
                for j in 0..<k where passive[j] && !free.contains(j) && x[j] <= 1e-14 * max(1, abs(z[j])) {
                    passive[j] = false
                    x[j] = 0
                    removed = true
                }
                if !removed { x = z; break }   // numerical safety: never loop without progress
                iterations += 1
                if iterations >= maxIterations { break outer }
            }
        }
        for j in 0..<k where !free.contains(j) && x[j] < 0 { x[j] = 0 }
        var obj = 0.0
        for j in 0..<k where x[j] != 0 {
            var gx = 0.0
            for i in 0..<k { gx += g[j * k + i] * x[i] }
            obj += x[j] * gx - 2 * h[j] * x[j]
        }
        return Solution(x: x, objectiveOffset: obj, iterations: iterations)
    }

    /// Unconstrained solve of G_PP z_P = h_P on the passive set (Cholesky; a minimum-norm
    /// least-squares solve if G_PP is singular). Entries outside P are 0.
    static func subsolve(_ g: [Double], _ h: [Double], _ k: Int, _ passive: [Bool]) -> [Double]? {
        let idx = (0..<k).filter { passive[$0] }
        let p = idx.count
        guard p > 0 else { return [Double](repeating: 0, count: k) }
        var sub = [Double](repeating: 0, count: p * p), rhs = idx.map { h[$0] }
        for (c, j) in idx.enumerated() { for (r, i) in idx.enumerated() { sub[c * p + r] = g[j * k + i] } }
        let saved = sub, savedRHS = rhs
        var info = LAPACKE_dposv(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(p), 1, &sub, Int32(p), &rhs, Int32(p))
        if info != 0 {
            sub = saved
            rhs = savedRHS
            var sv = [Double](repeating: 0, count: p)
            var rank: Int32 = 0
            info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, Int32(p), Int32(p), 1, &sub, Int32(p), &rhs, Int32(p), &sv, 1e-12, &rank)
            if info != 0 { return nil }
        }
        var z = [Double](repeating: 0, count: k)
        for (c, j) in idx.enumerated() { z[j] = rhs[c] }
        return z.allSatisfy(\.isFinite) ? z : nil
    }
}

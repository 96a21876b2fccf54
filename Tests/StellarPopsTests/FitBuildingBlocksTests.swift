import Foundation
import StellarPops
import XCTest

/// The pieces of the fitter, each against an independent reference.
final class FitBuildingBlocksTests: XCTestCase {
    func testNNLSMatchesExhaustiveSearch() {
        // 8×4 problem whose unconstrained solution has negative entries; the true NNLS
        // solution is the best of the unconstrained solves over all 2⁴ supports that are feasible.
        var rng = GaussianRandom(seed: 7)
        for trial in 0..<20 {
            let n = 8, k = 4
            let a = (0..<(n * k)).map { _ in rng.nextGaussian() }
            let b = (0..<n).map { _ in rng.nextGaussian() }
            let free: Set<Int> = trial % 2 == 0 ? [] : [3]
            let sol = NNLS.solve(a: a, rows: n, columns: k, b: b, free: free)
            var best = Double.infinity, bestX: [Double] = []
            for support in 0..<(1 << k) {
                if free.contains(where: { support & (1 << $0) != 0 }) { continue }   // free ones are always in
                let cols = (0..<k).filter { support & (1 << $0) != 0 || free.contains($0) }
                // Normal equations on the support, solved by Gaussian elimination (no LAPACK).
                let p = cols.count
                var m = [[Double]](repeating: [Double](repeating: 0, count: p + 1), count: p)
                for (r, i) in cols.enumerated() {
                    for (c, j) in cols.enumerated() { m[r][c] = (0..<n).reduce(0) { $0 + a[i * n + $1] * a[j * n + $1] } }
                    m[r][p] = (0..<n).reduce(0) { $0 + a[i * n + $1] * b[$1] }
                }
                for c in 0..<p {
                    let piv = (c..<p).max { abs(m[$0][c]) < abs(m[$1][c]) }!
                    m.swapAt(c, piv)
                    for r in 0..<p where r != c {
                        let f = m[r][c] / m[c][c]
                        for q in c...p { m[r][q] -= f * m[c][q] }
                    }
                }
                var x = [Double](repeating: 0, count: k)
                for (r, j) in cols.enumerated() { x[j] = m[r][p] / m[r][r] }
                if (0..<k).contains(where: { !free.contains($0) && x[$0] < 0 }) { continue }
                let rss = (0..<n).reduce(0.0) { s, i in let e = (0..<k).reduce(0.0) { $0 + a[$1 * n + i] * x[$1] } - b[i]; return s + e * e }
                if rss < best { best = rss; bestX = x }
            }
            for j in 0..<k { XCTAssertEqual(sol.x[j], bestX[j], accuracy: 1e-9, "trial \(trial) x[\(j)]") }
        }
    }

    func testLogRebinningConservesFlux() {
        // A spectrum with lines on a 0.9 Å linear grid, rebinned to 69 km/s log pixels.
        let centres = (0..<2000).map { 4000 + 0.9 * Double($0) }
        let flux = centres.map { 1 + 0.5 * sin($0 / 7) + exp(-pow(($0 - 4700) / 2, 2)) }
        let edges = LogRebinning.edges(ofCentres: centres)
        let step = log(10.0) * 1e-4
        let lnStart = log(4010.0)
        let count = Int((log(5780.0) - lnStart) / step)
        let out = LogRebinning.rebin(edges: edges, flux: flux, lnStart: lnStart, lnStep: step, count: count)
        let lo = exp(lnStart), hi = exp(lnStart + Double(count) * step)
        var outIntegral = 0.0
        for j in 0..<count { outIntegral += out[j] * (exp(lnStart + Double(j + 1) * step) - exp(lnStart + Double(j) * step)) }
        // The input integral over [lo, hi] by summing whole and partial input pixels.
        var inIntegral = 0.0
        for i in 0..<flux.count { inIntegral += flux[i] * max(0, min(hi, edges[i + 1]) - max(lo, edges[i])) }
        XCTAssertEqual(outIntegral, inIntegral, accuracy: 1e-9 * inIntegral)
        // A constant stays constant.
        let flat = LogRebinning.rebin(edges: edges, flux: [Double](repeating: 3, count: 2000), lnStart: lnStart, lnStep: step, count: count)
        XCTAssertTrue(flat.allSatisfy { abs($0 - 3) < 1e-12 })
    }

    func testLegendreBasisOrthogonalOnTheFittedRange() {
        let b = LegendreBasis(degree: 10, count: 3000)
        let n = Double(b.count)
        // P₂ by hand at x = −1 + 2·1000/2999.
        let x = -1 + 2 * 1000 / 2999.0
        XCTAssertEqual(b.values[2][1000], (3 * x * x - 1) / 2, accuracy: 1e-12)
        for m in 0...10 {
            let norm = b.values[m].reduce(0) { $0 + $1 * $1 } / n
            XCTAssertEqual(norm, 1 / Double(2 * m + 1), accuracy: 0.01 / Double(2 * m + 1), "⟨P\(m),P\(m)⟩")
            for l in 0..<m {
                let dot = zip(b.values[m], b.values[l]).reduce(0) { $0 + $1.0 * $1.1 } / n
                XCTAssertLessThan(abs(dot), 1e-3, "⟨P\(m),P\(l)⟩")
            }
        }
    }

    func testRealFFTAgainstNaiveDFT() {
        var rng = GaussianRandom(seed: 3)
        for n in [4, 8, 16, 64, 512] {
        let x = (0..<n).map { _ in rng.nextGaussian() }
        let fft = RealFFT(n: n)
        var re = [Double](repeating: 0, count: n / 2 + 1), im = re
        fft.forward(x, count: n, re: &re, im: &im)
        for f in 0...(n / 2) {
            var r = 0.0, i = 0.0
            for k in 0..<n { let a = -2 * Double.pi * Double(f * k) / Double(n); r += x[k] * cos(a); i += x[k] * sin(a) }
            XCTAssertEqual(re[f], r, accuracy: 1e-10)
            XCTAssertEqual(im[f], i, accuracy: 1e-10)
        }
        var back = [Double](repeating: 0, count: n)
        fft.inverse(re: re, im: im, into: &back)
        for k in 0..<n { XCTAssertEqual(back[k], x[k], accuracy: 1e-12) }
        }
    }

    func testFourierLOSVDMatchesDirectGaussHermiteConvolution() {
        // A spectrum with narrow lines, broadened by a Gauss–Hermite LOSVD (σ = 4 px, well
        // sampled) through the analytic transform, against the sampled kernel in pixel space.
        let n = 256
        let spec: [Double] = (0..<n).map { i in
            let a: Double = exp(-pow((Double(i) - 100) / 1.2, 2))
            let b: Double = exp(-pow((Double(i) - 150) / 0.8, 2))
            return 1 - 0.8 * a - 0.5 * b
        }
        let l = GaussHermiteLOSVD(centre: 2.3, sigma: 4, h3: 0.08, h4: -0.06)
        let fft = RealFFT(n: n)
        var sre = [Double](repeating: 0, count: n / 2 + 1), sim = sre, lre = sre, lim = sre
        fft.forward(spec, count: n, re: &sre, im: &sim)
        l.transform(fft, re: &lre, im: &lim)
        var pr = sre, pi = sim
        for f in 0...(n / 2) { pr[f] = sre[f] * lre[f] - sim[f] * lim[f]; pi[f] = sre[f] * lim[f] + sim[f] * lre[f] }
        var out = [Double](repeating: 0, count: n)
        fft.inverse(re: pr, im: pi, into: &out)
        func kernel(_ k: Double) -> Double {
            let y = (k - 2.3) / 4
            let h3 = (2 * y * y * y - 3 * y) / 3.0.squareRoot(), h4 = (4 * pow(y, 4) - 12 * y * y + 3) / 24.0.squareRoot()
            return exp(-y * y / 2) / (4 * (2 * Double.pi).squareRoot()) * (1 + 0.08 * h3 - 0.06 * h4)
        }
        for j in 40..<216 {
            var direct = 0.0
            for k in -40...40 { direct += spec[j - k] * kernel(Double(k)) }
            XCTAssertEqual(out[j], direct, accuracy: 1e-6, "pixel \(j)")
        }
        // The σ and centre derivatives against central differences of the transform.
        var dre = [Double](repeating: 0, count: 2 * (n / 2 + 1)), dim = dre
        l.derivatives(fft, moments: 2, re: &dre, im: &dim)
        let e = 1e-6
        var up = lre, upi = lim, dn = lre, dni = lim
        GaussHermiteLOSVD(centre: 2.3, sigma: 4 + e, h3: 0.08, h4: -0.06).transform(fft, re: &up, im: &upi)
        GaussHermiteLOSVD(centre: 2.3, sigma: 4 - e, h3: 0.08, h4: -0.06).transform(fft, re: &dn, im: &dni)
        for f in stride(from: 0, through: n / 2, by: 7) {
            XCTAssertEqual(dre[n / 2 + 1 + f], (up[f] - dn[f]) / (2 * e), accuracy: 1e-6)
            XCTAssertEqual(dim[n / 2 + 1 + f], (upi[f] - dni[f]) / (2 * e), accuracy: 1e-6)
        }
    }

    func testAirToVacuum() {
        // Hα: 6562.80 Å in air is 6564.61 Å in vacuum; [O III] 5006.84 → 5008.24 (NIST/SDSS line lists).
        XCTAssertEqual(AirVacuum.vacuum(fromAir: 6562.80), 6564.61, accuracy: 0.01)
        XCTAssertEqual(AirVacuum.vacuum(fromAir: 5006.84), 5008.24, accuracy: 0.01)
    }
}

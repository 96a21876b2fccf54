import Foundation
import StellarPops

/// The E-MILES SSPs prepared once for simulation: resampled onto a fine rest-frame log-λ grid
/// (Δlog10 λ = 2.5e-5, a quarter of an SDSS pixel) over 2700–9700 Å, which covers the SDSS
/// spectrograph (3800–9200 Å observed) for 0 ≤ z ≤ 0.35 and the g, r, i filters.
public struct TemplateLibrary: @unchecked Sendable {
    public let grid: SSPGrid
    public let log10Start: Double
    public let log10Step = 2.5e-5
    /// Fine-grid spectra, SSP-major, `count` values each.
    public let fine: [Float]
    public let count: Int
    /// Rest-frame window over which labels are luminosity-weighted (the MILES range inside
    /// which the paper's pPXF fits lie).
    public static let labelWindowAngstrom: ClosedRange<Double> = 3540...7400

    /// Wavelength (Å) of fine pixel `i`.
    public func wavelength(_ i: Int) -> Double { pow(10, log10Start + Double(i) * log10Step) }

    /// Prepares the library. 26 young E-MILES SSPs are exactly zero beyond 8950 Å; there the
    /// spectrum of the youngest SSP of the same [M/H] that has data is used, scaled to match
    /// over 8800–8940 Å, so red-end fluxes of young populations stay continuous.
    public init(grid: SSPGrid, minAngstrom: Double = 2700, maxAngstrom: Double = 9700) {
        self.grid = grid
        log10Start = log10(minAngstrom)
        count = Int((log10(maxAngstrom) - log10Start) / log10Step) + 1
        let w = grid.wavelengthAngstrom
        let step = w[1] - w[0]
        let nZ = grid.metallicities.count
        let match = w.indices.filter { w[$0] >= 8800 && w[$0] <= 8940 }
        var fluxes = grid.fluxes
        for j in fluxes.indices where fluxes[j].last == 0 {
            guard let donor = stride(from: j % nZ, to: fluxes.count, by: nZ).first(where: { grid.fluxes[$0].last! > 0 }) else { continue }
            let a = match.reduce(0.0) { $0 + Double(fluxes[j][$1]) }, b = match.reduce(0.0) { $0 + Double(grid.fluxes[donor][$1]) }
            let s = Float(a / b)
            for i in w.indices where w[i] > 8940 { fluxes[j][i] = grid.fluxes[donor][i] * s }
        }
        var fine = [Float](repeating: 0, count: fluxes.count * count)
        let start = log10Start, dlog = log10Step, n = count
        for (j, f) in fluxes.enumerated() {
            for i in 0..<n {
                let lam = pow(10, start + Double(i) * dlog)
                let x = (lam - w[0]) / step
                let k = max(0, min(w.count - 2, Int(x)))
                let t = Float(x - Double(k))
                fine[j * n + i] = f[k] + t * (f[k + 1] - f[k])
            }
        }
        self.fine = fine
    }

    /// Rest-frame spectrum of a population on the fine grid.
    public func spectrum(_ p: StellarPopulation) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        let n = count
        fine.withUnsafeBufferPointer { f in
            out.withUnsafeMutableBufferPointer { o in
                for (j, m) in p.massWeights.enumerated() where m > 0 {
                    let base = j &* n
                    for i in 0..<n { o[i] += m * Double(f[base &+ i]) }
                }
            }
        }
        return out
    }
}

/// Gaussian convolution along a log-λ grid (a constant velocity dispersion), kernel ±4σ,
/// normalised to unit sum so flux is conserved; edges are clamped.
public func gaussianSmooth(_ v: [Double], sigmaPixels: Double) -> [Double] {
    guard sigmaPixels > 0.05 else { return v }
    let r = Int((4 * sigmaPixels).rounded(.up))
    var k = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigmaPixels * sigmaPixels)) }
    let s = k.reduce(0, +)
    k = k.map { $0 / s }
    let n = v.count
    var out = [Double](repeating: 0, count: n)
    v.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<n {
                var acc = 0.0
                for t in -r...r {
                    let j = min(n - 1, max(0, i &+ t))
                    acc += k[t &+ r] * src[j]
                }
                dst[i] = acc
            }
        }
    }
    return out
}

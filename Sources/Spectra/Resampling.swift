import Foundation
import SurveyIO

/// The 1 Å observed-frame grid the networks read: integer wavelengths 3830 … 8000 Å
/// (4171 values), as in the paper (Sect. 2.2.1) and its authors' code.
public struct WavelengthGrid: Codable, Equatable, Sendable {
    public var startAngstrom: Double
    public var stopAngstrom: Double
    public var stepAngstrom: Double

    public init(startAngstrom: Double = 3830, stopAngstrom: Double = 8000, stepAngstrom: Double = 1) {
        self.startAngstrom = startAngstrom
        self.stopAngstrom = stopAngstrom
        self.stepAngstrom = stepAngstrom
    }

    public static let paper = WavelengthGrid()

    /// Number of grid points (both ends included).
    public var count: Int { Int(((stopAngstrom - startAngstrom) / stepAngstrom).rounded()) + 1 }

    /// Wavelength of point `i` in Å.
    public func wavelength(_ i: Int) -> Double { startAngstrom + Double(i) * stepAngstrom }

    /// All wavelengths in Å.
    public var wavelengths: [Double] { (0..<count).map(wavelength) }
}

/// Options of spectral pre-processing.
public struct SpectrumPreprocessing: Codable, Equatable, Sendable {
    public var grid: WavelengthGrid
    /// `and_mask` bits that make a pixel bad. Default `SpectrumPreprocessing.noDataBits`:
    /// only bits saying the pixel holds no valid measurement. Informational bits such as
    /// NEARBADPIXEL (16), BRIGHTSKY (23) or MANYBADCOLUMNS (4) are set on up to half the
    /// pixels of good SDSS spectra (45 % of spec-0389-51795-0269) with ivar > 0, so masking
    /// every bit would discard sound data.
    public var badAndMaskBits: Int32

    /// SDSS and_mask bits NOPLUG (0), BADTRACE (1), BADFLAT (2), BADARC (3), FULLREJECT (18),
    /// NODATA (24) and COMBINEREJ (25).
    public static let noDataBits: Int32 = 0b1111 | (1 << 18) | (1 << 24) | (1 << 25)
    /// Largest fraction of bad pixels (ivar = 0, masked, non-finite) allowed inside the grid's
    /// range; above it the spectrum is rejected rather than mostly interpolated.
    public var maxBadFraction: Double

    public init(grid: WavelengthGrid = .paper, badAndMaskBits: Int32 = SpectrumPreprocessing.noDataBits, maxBadFraction: Double = 0.5) {
        self.grid = grid
        self.badAndMaskBits = badAndMaskBits
        self.maxBadFraction = maxBadFraction
    }

    public static let paper = SpectrumPreprocessing()
}

/// Why a spectrum could not be pre-processed.
public struct PreprocessingRejection: Error, Equatable, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}

extension SpectrumPreprocessing {
    /// Bad-pixel flags: ivar ≤ 0 or non-finite, flux non-finite, or a bad `and_mask` bit.
    public func badPixels(of s: SDSSSpectrum) -> [Bool] {
        (0..<s.count).map { i in
            !(s.ivar[i] > 0) || !s.ivar[i].isFinite || !s.flux[i].isFinite || (s.andMask[i] & badAndMaskBits) != 0
        }
    }

    /// The spectrum on the grid, min–max normalised to [0, 1].
    ///
    /// Steps: observed wavelength 10^loglam; reject if the grid is not covered; bad pixels are
    /// bridged by linear interpolation between the nearest good pixels (held constant beyond
    /// the last good pixel) so they neither propagate NaN nor pull the normalisation; linear
    /// interpolation onto the grid (NumPy `interp` semantics); min–max normalisation.
    public func resample(_ s: SDSSSpectrum) throws -> [Float] {
        let wave = s.wavelengthAngstrom
        guard let first = wave.first, let last = wave.last, wave.allSatisfy({ $0.isFinite }) else {
            throw PreprocessingRejection(reason: "wavelength axis (loglam) is empty or not finite")
        }
        for i in 1..<wave.count where !(wave[i] > wave[i - 1]) {
            throw PreprocessingRejection(reason: "wavelength axis (loglam) is not increasing at pixel \(i)")
        }
        guard first <= grid.startAngstrom, last >= grid.stopAngstrom else {
            throw PreprocessingRejection(reason: String(
                format: "spectrum covers %.1f–%.1f Å, not the whole %.0f–%.0f Å range",
                first, last, grid.startAngstrom, grid.stopAngstrom))
        }
        let bad = badPixels(of: s)
        // Bad-pixel fraction counted over the pixels that feed the grid.
        let inRange = wave.indices.filter { wave[$0] >= grid.startAngstrom - 1 && wave[$0] <= grid.stopAngstrom + 1 }
        let nBad = inRange.reduce(0) { $0 + (bad[$1] ? 1 : 0) }
        guard nBad < inRange.count else {
            throw PreprocessingRejection(reason: "no valid pixels in \(Int(grid.startAngstrom))–\(Int(grid.stopAngstrom)) Å (all ivar = 0, masked or non-finite)")
        }
        let badFraction = Double(nBad) / Double(max(inRange.count, 1))
        guard badFraction <= maxBadFraction else {
            throw PreprocessingRejection(reason: String(format: "%.0f%% of pixels are bad (ivar = 0, masked or non-finite); limit %.0f%%",
                                                        100 * badFraction, 100 * maxBadFraction))
        }
        let flux = Self.bridge(flux: s.flux.map(Double.init), wave: wave, bad: bad)
        let resampled = Self.interpolate(x: wave, y: flux, at: grid.wavelengths)
        return try Self.minMaxNormalised(resampled)
    }

    /// Replaces bad samples by linear interpolation (in wavelength) between the nearest good
    /// neighbours; leading and trailing bad runs take the nearest good value.
    public static func bridge(flux: [Double], wave: [Double], bad: [Bool]) -> [Double] {
        var out = flux
        var prevGood = -1
        var i = 0
        let n = flux.count
        while i < n {
            if !bad[i] { prevGood = i; i += 1; continue }
            var j = i
            while j < n && bad[j] { j += 1 }  // [i, j) is a bad run
            for k in i..<j {
                switch (prevGood >= 0, j < n) {
                case (true, true):
                    let t = (wave[k] - wave[prevGood]) / (wave[j] - wave[prevGood])
                    out[k] = flux[prevGood] + t * (flux[j] - flux[prevGood])
                case (true, false): out[k] = flux[prevGood]
                case (false, true): out[k] = flux[j]
                case (false, false): out[k] = 0
                }
            }
            i = j
        }
        return out
    }

    /// Piecewise-linear interpolation of (x, y) at increasing points `at` (x increasing);
    /// points outside [x₀, xₙ] take the end values, as NumPy's `interp` does.
    public static func interpolate(x: [Double], y: [Double], at points: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: points.count)
        var j = 0
        let n = x.count
        for (k, p) in points.enumerated() {
            if p <= x[0] { out[k] = y[0]; continue }
            if p >= x[n - 1] { out[k] = y[n - 1]; continue }
            while x[j + 1] < p { j += 1 }  // x[j] < p ≤ x[j+1]
            let t = (p - x[j]) / (x[j + 1] - x[j])
            out[k] = y[j] + t * (y[j + 1] - y[j])
        }
        return out
    }

    /// (v − min) / (max − min) as Float32; a flat spectrum cannot be normalised.
    public static func minMaxNormalised(_ v: [Double]) throws -> [Float] {
        guard let lo = v.min(), let hi = v.max(), hi > lo, lo.isFinite, hi.isFinite else {
            throw PreprocessingRejection(reason: "flat or non-finite spectrum: min–max normalisation undefined")
        }
        let scale = 1 / (hi - lo)
        return v.map { Float(($0 - lo) * scale) }
    }
}

import Foundation
import MockSurvey
import SurveyIO

/// A simulated survey's observing conditions as its truth.csv records them (`ImageConditions`
/// per row), summarised for the blend tables. Surveys written before the conditions were
/// recorded read as the original simulator's (Gaussian PSF, planted neighbours, SDSS sky).
public struct SurveyConditions: Sendable, Equatable, CustomStringConvertible {
    public var psfFamily = ImageConditions.PSFFamily.gaussian.rawValue
    /// Median PSF FWHM (arcsec) and the range of Moffat β over the cutouts (nil for a Gaussian).
    public var medianFWHMArcsec: Double?
    public var betaRange: ClosedRange<Double>?
    public var neighbourLayout = ImageConditions.NeighbourLayout.planted.rawValue
    public var neighbourDensity: Double?
    public var starFraction: Double?
    public var skyNoiseScale: Double?
    public var stretch: Double?
    /// Share of the survey's galaxies that are blends by the truth, when it records them.
    public var blendShare: Double?

    public init() {}

    /// Reads the conditions columns of `truth` where present.
    public init(truth: Catalog) {
        func values(_ c: ColumnName) -> [String]? { truth.has(c) ? try? truth.column(c) : nil }
        func numbers(_ c: ColumnName) -> [Double] { (values(c) ?? []).compactMap(Double.init) }
        func median(_ x: [Double]) -> Double? { x.isEmpty ? nil : x.sorted()[x.count / 2] }
        if let f = values(.psfFamily)?.first { psfFamily = f }
        if let l = values(.neighbourLayout)?.first { neighbourLayout = l }
        medianFWHMArcsec = median(numbers(.psfFWHMArcsec))
        let betas = numbers(.psfBeta)
        if let lo = betas.min(), let hi = betas.max() { betaRange = lo...hi }
        neighbourDensity = numbers(.neighbourDensity).first
        starFraction = numbers(.starFraction).first
        skyNoiseScale = numbers(.skyNoiseScale).first
        stretch = numbers(.asinhStretch).first
        if let b = values(.blended), !b.isEmpty { blendShare = Double(b.filter { $0.lowercased() == "true" }.count) / Double(b.count) }
    }

    /// One line: "moffat β 2.5–4.5, FWHM 1.52″; random 1.5/cutout, 30 % stars; sky ×2; stretch 0.35".
    public var description: String {
        var s = psfFamily
        if let b = betaRange { s += String(format: " β %.1f–%.1f", b.lowerBound, b.upperBound) }
        if let f = medianFWHMArcsec { s += String(format: ", FWHM %.2f″", f) }
        s += "; " + neighbourLayout
        if let d = neighbourDensity { s += String(format: " %.2g/cutout", d) }
        if let f = starFraction, f > 0 { s += String(format: ", %.0f %% stars", 100 * f) }
        if let n = skyNoiseScale { s += String(format: "; sky ×%.3g", n) }
        if let t = stretch { s += String(format: "; stretch %.3g", t) }
        return s
    }
}

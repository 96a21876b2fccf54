import SurveyIO

/// The paper's sample cuts (Sect. 2.1): 0.002 ≤ z ≤ 0.3, ZWARNING = 0, r-band median S/N ≥ 5.
/// Every threshold can be changed; `reason(for:)` says why an object fails.
public struct SelectionCuts: Codable, Equatable, Sendable {
    public var minRedshift: Double
    public var maxRedshift: Double
    /// Objects with any ZWARNING bit set are rejected when true.
    public var requireZWarningZero: Bool
    /// Minimum of `SN_MEDIAN[2]`, the r-band median S/N per pixel.
    public var minSNR: Double

    public init(minRedshift: Double = 0.002, maxRedshift: Double = 0.3,
                requireZWarningZero: Bool = true, minSNR: Double = 5) {
        self.minRedshift = minRedshift
        self.maxRedshift = maxRedshift
        self.requireZWarningZero = requireZWarningZero
        self.minSNR = minSNR
    }

    /// The paper's thresholds.
    public static let paper = SelectionCuts()

    /// Why `object` fails the cuts, or nil when it passes. A NaN value fails.
    public func reason(for object: SpecObject) -> String? {
        let z = object.z
        if !(z >= minRedshift) { return "redshift z = \(fmt(z)) below \(fmt(minRedshift))" }
        if !(z <= maxRedshift) { return "redshift z = \(fmt(z)) above \(fmt(maxRedshift))" }
        if requireZWarningZero && object.zWarning != 0 { return "ZWARNING = \(object.zWarning) (not 0)" }
        let sn = object.snMedianR
        if !(sn >= minSNR) { return "r-band S/N = \(fmt(sn)) below \(fmt(minSNR))" }
        return nil
    }

    private func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
}

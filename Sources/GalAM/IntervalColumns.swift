import Foundation
import SurveyIO

/// The calibrated columns of `galam predict`'s output and of `intervals.csv` (`evaluate`):
/// central 68 % and 95 % intervals per parameter, the OOD score and flags.
extension ColumnName {
    public static let logAgeLo68 = ColumnName("log_age_lo68"), logAgeHi68 = ColumnName("log_age_hi68")
    public static let logAgeLo95 = ColumnName("log_age_lo95"), logAgeHi95 = ColumnName("log_age_hi95")
    public static let mhLo68 = ColumnName("mh_lo68"), mhHi68 = ColumnName("mh_hi68")
    public static let mhLo95 = ColumnName("mh_lo95"), mhHi95 = ColumnName("mh_hi95")
    /// Mahalanobis distance of the image's M3 features from the training set.
    public static let oodScore = ColumnName("ood_score")
    /// "true" when `ood_score` exceeds the calibration set's 99th percentile.
    public static let oodFlag = ColumnName("ood_flag")
    /// "true" when a predicted value lies outside the training labels' range.
    public static let outsideLabelRange = ColumnName("outside_label_range")
    /// The angular size the image stage cropped to (`DifficultyDescriptors.cropSize`), px.
    public static let cropSize = ColumnName("crop_size_px")

    /// The eight interval columns in output order: log age lo68, hi68, lo95, hi95, then [M/H].
    public static let intervalColumns: [ColumnName] = [.logAgeLo68, .logAgeHi68, .logAgeLo95, .logAgeHi95, .mhLo68, .mhHi68, .mhLo95, .mhHi95]
}

/// The per-model columns of `intervals.csv`.
public enum IntervalColumns {
    static let suffixes = ["lo68", "hi68", "lo95", "hi95"]
    /// `<model>_<parameter>_<bound>`, bound one of lo68, hi68, lo95, hi95.
    public static func bound(_ model: PaperModel.Name, parameter k: Int, _ bound: String) -> ColumnName {
        ColumnName("\(model.rawValue)_\(k == 0 ? "log_age" : "mh")_\(bound)")
    }
    /// The four bounds of a parameter of a model.
    public static func bounds(_ model: PaperModel.Name, parameter k: Int) -> [ColumnName] { suffixes.map { bound(model, parameter: k, $0) } }
    /// σ(x) of the difficulty model, with S/N among the descriptors (`_sigma`) and without (`_sigma_nosnr`).
    public static func sigma(_ model: PaperModel.Name, parameter k: Int, snr: Bool) -> ColumnName {
        ColumnName("\(model.rawValue)_\(k == 0 ? "log_age" : "mh")_sigma" + (snr ? "" : "_nosnr"))
    }
    public static func outsideLabelRange(_ model: PaperModel.Name) -> ColumnName { ColumnName("\(model.rawValue)_outside_label_range") }

    /// What a FITS table says about a column (TTYPEn comment) and its unit (TUNITn). Log
    /// quantities have no FITS unit, so they get none and a comment instead (astropy then
    /// reads the table without a unit warning). Comments are kept short: a card leaves 47
    /// characters after a short column name (longer names of intervals.fits shorten them).
    public static func fitsDescription(_ name: String) -> (unit: String, comment: String)? {
        let n = name.lowercased()
        if n.hasPrefix("log_age") || n.contains("_log_age") { return ("", "log10(age/yr) light-weighted" + boundNote(n)) }
        if n == "mh" || n.hasPrefix("mh_") || n.hasSuffix("_mh") || n.contains("_mh_") { return ("", "[M/H] log10(Z/Zsun) light-weighted" + boundNote(n)) }
        if n == "ood_score" { return ("", "Mahalanobis dist. of M3 features to training") }
        if n == "crop_size_px" { return ("pixel", "galaxy crop size in the raw cutout") }
        if n.hasPrefix("snr") { return ("", "r-band median S/N per pixel") }
        return nil
    }

    static func boundNote(_ n: String) -> String {
        for (s, t) in [("lo68", ", 68% low"), ("hi68", ", 68% high"), ("lo95", ", 95% low"), ("hi95", ", 95% high")] where n.hasSuffix(s) { return t }
        if n.hasSuffix("_sigma") || n.hasSuffix("_sigma_nosnr") { return ", sigma(x)" }
        return ""
    }
}

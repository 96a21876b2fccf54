import Foundation
import SurveyIO

/// A dataset folder written by `galam prepare`: spectra.npy (N × 4171 float32), images.npy
/// (N × S × S × C uint8), labels.csv (one row per galaxy, in array order, with its split).
/// Arrays are memory-mapped, so large datasets are paged in as training reads them.
public final class LabeledDataset {
    public static let labelColumns = ["index", "spec_file", "image_file", "log_age", "mh", "snr_r", "z", "split",
                                      "truth_log_age", "truth_mh"]

    public let directory: String
    public let spectra: MappedNPY<Float>
    public let images: MappedNPY<UInt8>
    public let labels: Catalog
    /// (log age, [M/H]) per galaxy.
    public let targets: [[Double]]
    public let splits: [Split]
    public let snr: [Double]
    /// Simulation truth when the dataset was prepared with `--truth`.
    public let truth: [[Double]]?
    /// Bands kept by the image stage (from manifest.json), e.g. "gri".
    public let bands: String

    public init(directory: String) throws {
        self.directory = directory
        spectra = try MappedNPY<Float>(path: directory + "/spectra.npy")
        images = try MappedNPY<UInt8>(path: directory + "/images.npy")
        labels = try Catalog(contentsOf: directory + "/labels.csv")
        let age = try labels.column("log_age").map { Double($0) ?? .nan }, mh = try labels.column("mh").map { Double($0) ?? .nan }
        targets = zip(age, mh).map { [$0, $1] }
        splits = try labels.column("split").map { s in
            guard let v = Split(rawValue: s) else { throw SurveyIOError(path: directory + "/labels.csv", reason: "unknown split '\(s)'") }
            return v
        }
        snr = try labels.column("snr_r").map { Double($0) ?? .nan }
        let ta = try labels.column("truth_log_age"), tm = try labels.column("truth_mh")
        truth = ta.allSatisfy({ !$0.isEmpty }) ? zip(ta, tm).map { [Double($0) ?? .nan, Double($1) ?? .nan] } : nil
        let manifest = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json")))) as? [String: Any]
        bands = manifest?["bands"] as? String ?? "gri"
        guard spectra.shape.first == labels.count, images.shape.first == labels.count, images.shape.count == 4 else {
            throw SurveyIOError(path: directory, reason: "spectra.npy \(spectra.shape), images.npy \(images.shape) and labels.csv (\(labels.count) rows) disagree")
        }
    }

    public var count: Int { labels.count }
    public var imageSize: Int { images.shape[1] }
    public var channels: Int { images.shape[3] }
    public var spectrumLength: Int { spectra.shape[1] }

    /// Indices of one split, in dataset order.
    public func indices(_ s: Split) -> [Int] { splits.indices.filter { splits[$0] == s } }

    /// Spectra of `rows`, back to back.
    public func spectra(_ rows: [Int]) -> [Float] {
        var out = [Float](); out.reserveCapacity(rows.count * spectrumLength)
        for r in rows { out.append(contentsOf: spectra.row(r)) }
        return out
    }

    /// Images of `rows` scaled to [0, 1] (uint8 / 255, as the authors' code), H × W × C each.
    public func images(_ rows: [Int]) -> [Float] {
        var out = [Float](); out.reserveCapacity(rows.count * images.rowLength)
        for r in rows { out.append(contentsOf: images.row(r).map { Float($0) / 255 }) }
        return out
    }
}

import Foundation
import SurveyIO

/// A dataset folder written by `galam prepare`: spectra.npy (N × 4171 float32), images.npy
/// (N × S × S × C uint8), labels.csv (one row per galaxy, in array order, with its split).
/// Arrays are memory-mapped, so large datasets are paged in as training reads them.
public final class LabeledDataset {
    /// The columns of `labels.csv`, in order.
    public static let labelColumns: [ColumnName] = [.index, .specFile, .imageFile, .logAge, .mh, .snrR, .redshift, .split,
                                                    .truthLogAge, .truthMH]

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

    public init(directory: String) throws {
        self.directory = directory
        spectra = try MappedNPY<Float>(path: directory + "/spectra.npy")
        images = try MappedNPY<UInt8>(path: directory + "/images.npy")
        labels = try Catalog(contentsOf: directory + "/labels.csv")
        targets = zip(try labels.doubles(.logAge), try labels.doubles(.mh)).map { [$0, $1] }
        splits = try labels.column(.split).map { s in
            guard let v = Split(rawValue: s) else { throw SurveyIOError(path: directory + "/labels.csv", reason: "unknown split '\(s)'") }
            return v
        }
        snr = try labels.doubles(.snrR)
        let ta = try labels.column(.truthLogAge), tm = try labels.column(.truthMH)
        truth = ta.allSatisfy({ !$0.isEmpty }) ? zip(ta, tm).map { [Double($0) ?? .nan, Double($1) ?? .nan] } : nil
        guard spectra.shape.first == labels.count, images.shape.first == labels.count, images.shape.count == 4 else {
            throw SurveyIOError(path: directory, reason: "spectra.npy \(spectra.shape), images.npy \(images.shape) and labels.csv (\(labels.count) rows) disagree")
        }
    }

    public var count: Int { labels.count }

    /// The pre-processing the dataset was prepared with (its manifest), checked against the
    /// arrays it holds.
    public func preprocessing() throws -> PreprocessingContract {
        let contract = try PreprocessingContract.of(datasetDirectory: directory)
        guard contract.images.size == imageSize, contract.images.bands.channels.count == channels else {
            throw SurveyIOError(path: directory + "/manifest.json", reason: "records \(contract.images.size) px \(contract.images.bands.rawValue) images, images.npy holds \(images.shape)")
        }
        return contract
    }
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

/// `labels.csv` of a dataset folder, beside the survey catalog's `spec_file`, `image_file`,
/// `snr_r` and `z`.
extension ColumnName {
    /// Row of the galaxy in the dataset's arrays.
    public static let index = ColumnName("index")
    /// The label: light-weighted log(age/yr).
    public static let logAge = ColumnName("log_age")
    /// The label: light-weighted [M/H] in dex.
    public static let mh = ColumnName("mh")
    /// train, validation or test.
    public static let split = ColumnName("split")
    /// The simulation truth, when the dataset was prepared with `--truth`.
    public static let truthLogAge = ColumnName("truth_log_age")
    public static let truthMH = ColumnName("truth_mh")
}

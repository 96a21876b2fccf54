/// The name of a catalog column. GalAM's own columns are static members, declared once beside
/// the file format they belong to (the survey catalog and the stage fates here; `labels.csv`
/// and the predictions in GalAM; `truth.csv` in MockSurvey), so a typo is a compile error
/// rather than a "missing column" at the end of a long run. Columns a user names on the
/// command line (`--image-column`) are made with `ColumnName(_:)`.
public struct ColumnName: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public var description: String { rawValue }
}

/// The survey catalog (`catalog.csv`) every stage reads: one row per galaxy, files named
/// relative to the spectra and images folders.
extension ColumnName {
    /// `spec-PLATE-MJD-FIBER.fits`, relative to the spectra folder.
    public static let specFile = ColumnName("spec_file")
    /// The gri JPEG cutout, relative to the images folder.
    public static let imageFile = ColumnName("image_file")
    public static let objectID = ColumnName("objid")
    public static let ra = ColumnName("ra")
    public static let dec = ColumnName("dec")
    public static let redshift = ColumnName("z")
    /// `SN_MEDIAN[2]`, the r-band median S/N per pixel.
    public static let snrR = ColumnName("snr_r")
    public static let petroMagR = ColumnName("petroMag_r")
    public static let plate = ColumnName("plate")
    public static let mjd = ColumnName("mjd")
    public static let fiberID = ColumnName("fiberid")
}

/// The fate columns a per-galaxy stage adds to the catalog it read (`CatalogJob`).
extension ColumnName {
    /// "true" or "false".
    public static let accepted = ColumnName("accepted")
    /// Why the galaxy was rejected; empty when accepted.
    public static let rejectReason = ColumnName("reject_reason")
    /// Row of the galaxy in `spectra.npy` of `prepare-spectra` (-1: rejected).
    public static let spectrumIndex = ColumnName("spectrum_index")
    /// Row of the galaxy in `images.npy` of `prepare-images` (-1: rejected).
    public static let imageIndex = ColumnName("image_index")
    /// Row of the galaxy in the arrays of a `prepare` dataset (-1: rejected).
    public static let datasetIndex = ColumnName("dataset_index")
    /// The image was recognised as already masked and only cropped and resized.
    public static let premasked = ColumnName("premasked")
    /// The SPECOBJ values the spectra stage read.
    public static let redshiftSpecObj = ColumnName("z_specobj")
    public static let zWarningSpecObj = ColumnName("zwarning_specobj")
    public static let snrRSpecObj = ColumnName("snr_r_specobj")
}

extension Catalog {
    /// Index of `column`, or an error naming the file and the missing column.
    public func columnIndex(_ column: ColumnName) throws -> Int { try columnIndex(column.rawValue) }

    /// All values of `column`.
    public func column(_ column: ColumnName) throws -> [String] { try self.column(column.rawValue) }

    /// Numbers of `column`; empty or unparsable fields are NaN.
    public func doubles(_ column: ColumnName) throws -> [Double] { try self.column(column.rawValue).map { Double($0) ?? .nan } }

    /// Appends (or overwrites) `column`.
    public mutating func setColumn(_ column: ColumnName, _ values: [String]) { setColumn(column.rawValue, values) }

    /// True when the catalog has `column`.
    public func has(_ column: ColumnName) -> Bool { columns.contains(column.rawValue) }

    /// A catalog with these columns.
    public init(columns: [ColumnName], rows: [[String]] = [], path: String = "<memory>") {
        self.init(columns: columns.map(\.rawValue), rows: rows, path: path)
    }
}

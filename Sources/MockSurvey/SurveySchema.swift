import SurveyIO

/// The columns of a simulated survey's `truth.csv`, in the order `galam simulate` writes them.
/// Readers of the truth (the survey blend check, the demo) name columns through this type
/// rather than copying strings, so a renamed or dropped column fails to compile, not to join.
public enum TruthColumn: String, CaseIterable, Sendable {
    case specFile = "spec_file"
    case imageFile = "image_file"
    /// Luminosity-weighted log age [yr] and [M/H] of the light in the fibre spectrum.
    case logAgeLW = "log_age_lw"
    case metallicityLW = "mh_lw"
    /// The same over the whole galaxy.
    case logAgeLWTotal = "log_age_lw_total"
    case metallicityLWTotal = "mh_lw_total"
    /// Mass-weighted log age and [M/H].
    case logAgeMW = "log_age_mw"
    case metallicityMW = "mh_mw"
    case redshift = "z"
    case zWarning = "zwarning"
    /// The r-band S/N the spectrum was simulated to reach.
    case snrTarget = "snr_r_target"
    case sigmaKms = "sigma_kms"
    case ebv = "ebv"
    case petroMagR = "petroMag_r"
    /// Bulge-to-total light in r.
    case bulgeToTotalR = "bt_r"
    case halfLightRadiusArcsec = "re_arcsec"
    /// Share of the r-band light inside the fibre.
    case fiberFractionR = "fiber_fraction_r"
    case neighbours = "n_neighbours"
    /// "true" when a neighbour overlaps the central galaxy (the blend check's truth).
    case overlappingNeighbour = "overlapping_neighbour"
    /// Whether the paper's spectral cuts would keep the galaxy, from the intended z, ZWARNING and S/N.
    case intendedSelected = "intended_selected"
    case centralRePixels = "central_re_px"
    /// The nearest neighbour (empty when there is none): separation, Δmag in r, size, centre.
    case nearestNeighbourSeparationPixels = "nearest_neighbour_sep_px"
    case nearestNeighbourDeltaMagR = "nearest_neighbour_dmag_r"
    case nearestNeighbourRePixels = "nearest_neighbour_re_px"
    case nearestNeighbourXPixels = "nearest_neighbour_x_px"
    case nearestNeighbourYPixels = "nearest_neighbour_y_px"

    /// This column's values in a catalog read from `truth.csv`.
    public func values(in catalog: Catalog) throws -> [String] { try catalog.column(rawValue) }

    /// Whether `catalog` has this column (surveys written before a column was added lack it).
    public func isPresent(in catalog: Catalog) -> Bool { catalog.columns.contains(rawValue) }
}

/// The columns of a simulated survey's `catalog.csv` (what SDSS would publish: no truth), in
/// the order `galam simulate` writes them.
public enum SimulatedCatalogColumn: String, CaseIterable, Sendable {
    case objid, specFile = "spec_file", imageFile = "image_file", ra, dec, redshift = "z"
    case snrR = "snr_r", petroMagR = "petroMag_r", plate, mjd, fiberid

    /// This column's values in a catalog read from the survey's `catalog.csv`.
    public func values(in catalog: Catalog) throws -> [String] { try catalog.column(rawValue) }
}

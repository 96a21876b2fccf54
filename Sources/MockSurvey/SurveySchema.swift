import SurveyIO

/// The columns of a simulated survey's `truth.csv`, in the order `galam simulate` writes them.
/// Readers of the truth (`prepare --truth`, the survey blend check, the demo) name columns
/// through these names rather than copying strings, so a renamed or dropped column fails to
/// compile, not to join. `spec_file`, `image_file`, `z` and `petroMag_r` are the survey
/// catalog's own names (SurveyIO).
public let truthColumns: [ColumnName] = [
    .specFile, .imageFile, .logAgeLW, .metallicityLW, .logAgeLWTotal, .metallicityLWTotal, .logAgeMW, .metallicityMW,
    .redshift, .zWarning, .snrTarget, .sigmaKms, .ebv, .petroMagR, .bulgeToTotalR, .halfLightRadiusArcsec,
    .fiberFractionR, .neighbours, .overlappingNeighbour, .intendedSelected, .centralRePixels,
    .nearestNeighbourSeparationPixels, .nearestNeighbourDeltaMagR, .nearestNeighbourRePixels,
    .nearestNeighbourXPixels, .nearestNeighbourYPixels,
    // The observing conditions (`ImageConditions`) and the blend truth (`BlendTruth`),
    // appended so the columns above keep their places.
    .psfFamily, .psfFWHMArcsec, .psfBeta, .neighbourLayout, .neighbourDensity, .starFraction, .skyNoiseScale,
    .asinhStretch, .asinhQ, .stars, .blendRatioMax, .blended,
]

/// The truth of a simulated galaxy (`truth.csv`).
extension ColumnName {
    /// Luminosity-weighted log age [yr] and [M/H] of the light in the fibre spectrum.
    public static let logAgeLW = ColumnName("log_age_lw")
    public static let metallicityLW = ColumnName("mh_lw")
    /// The same over the whole galaxy.
    public static let logAgeLWTotal = ColumnName("log_age_lw_total")
    public static let metallicityLWTotal = ColumnName("mh_lw_total")
    /// Mass-weighted log age and [M/H].
    public static let logAgeMW = ColumnName("log_age_mw")
    public static let metallicityMW = ColumnName("mh_mw")
    public static let zWarning = ColumnName("zwarning")
    /// The r-band S/N the spectrum was simulated to reach.
    public static let snrTarget = ColumnName("snr_r_target")
    public static let sigmaKms = ColumnName("sigma_kms")
    public static let ebv = ColumnName("ebv")
    /// Bulge-to-total light in r.
    public static let bulgeToTotalR = ColumnName("bt_r")
    public static let halfLightRadiusArcsec = ColumnName("re_arcsec")
    /// Share of the r-band light inside the fibre.
    public static let fiberFractionR = ColumnName("fiber_fraction_r")
    public static let neighbours = ColumnName("n_neighbours")
    /// "true" when a neighbour overlaps the central galaxy (the blend check's truth).
    public static let overlappingNeighbour = ColumnName("overlapping_neighbour")
    /// Whether the paper's spectral cuts would keep the galaxy, from the intended z, ZWARNING and S/N.
    public static let intendedSelected = ColumnName("intended_selected")
    public static let centralRePixels = ColumnName("central_re_px")
    /// The nearest neighbour (empty when there is none): separation, Δmag in r, size, centre.
    public static let nearestNeighbourSeparationPixels = ColumnName("nearest_neighbour_sep_px")
    public static let nearestNeighbourDeltaMagR = ColumnName("nearest_neighbour_dmag_r")
    public static let nearestNeighbourRePixels = ColumnName("nearest_neighbour_re_px")
    public static let nearestNeighbourXPixels = ColumnName("nearest_neighbour_x_px")
    public static let nearestNeighbourYPixels = ColumnName("nearest_neighbour_y_px")
    /// The cutout's PSF: "gaussian" or "moffat", its FWHM (arcsec) and Moffat β (empty for a Gaussian).
    public static let psfFamily = ColumnName("psf_family")
    public static let psfFWHMArcsec = ColumnName("psf_fwhm_arcsec")
    public static let psfBeta = ColumnName("psf_beta")
    /// The survey's neighbour layout ("planted" or "random"), mean neighbours per cutout and
    /// share of stars among them (`galam simulate --neighbours`, `--neighbour-density`, `--star-fraction`).
    public static let neighbourLayout = ColumnName("neighbour_layout")
    public static let neighbourDensity = ColumnName("neighbour_density")
    public static let starFraction = ColumnName("star_fraction")
    /// Factor on the SDSS sky noise (`--sky-noise`) and the asinh mapping's stretch and Q.
    public static let skyNoiseScale = ColumnName("sky_noise_scale")
    public static let asinhStretch = ColumnName("asinh_stretch")
    public static let asinhQ = ColumnName("asinh_q")
    /// How many of the neighbours are stars.
    public static let stars = ColumnName("n_stars")
    /// The largest ratio of one neighbour's noiseless r light to the central galaxy's inside the
    /// central galaxy's 1.5σ isophote, and whether it reaches one half (`BlendTruth`): the
    /// detector-independent blend truth.
    public static let blendRatioMax = ColumnName("blend_ratio_max")
    public static let blended = ColumnName("blended")
}

/// The columns of a simulated survey's `catalog.csv` (what SDSS would publish: no truth), in
/// the order `galam simulate` writes them: the survey catalog's names every stage reads.
public let simulatedCatalogColumns: [ColumnName] = [.objectID, .specFile, .imageFile, .ra, .dec, .redshift, .snrR, .petroMagR,
                                                    .plate, .mjd, .fiberID]

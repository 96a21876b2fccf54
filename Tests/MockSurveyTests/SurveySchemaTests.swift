import MockSurvey
import XCTest

/// The schema types are the file format: their order is the column order of every simulated
/// survey already on disk, so it is pinned here against the names as first published.
final class SurveySchemaTests: XCTestCase {
    func testTruthColumnsInTheirWrittenOrder() {
        XCTAssertEqual(truthColumns.map(\.rawValue), [
            "spec_file", "image_file", "log_age_lw", "mh_lw", "log_age_lw_total", "mh_lw_total", "log_age_mw", "mh_mw",
            "z", "zwarning", "snr_r_target", "sigma_kms", "ebv", "petroMag_r", "bt_r", "re_arcsec", "fiber_fraction_r",
            "n_neighbours", "overlapping_neighbour", "intended_selected", "central_re_px", "nearest_neighbour_sep_px",
            "nearest_neighbour_dmag_r", "nearest_neighbour_re_px", "nearest_neighbour_x_px", "nearest_neighbour_y_px",
            "psf_family", "psf_fwhm_arcsec", "psf_beta", "neighbour_layout", "neighbour_density", "star_fraction",
            "sky_noise_scale", "asinh_stretch", "asinh_q", "n_stars", "blend_ratio_max", "blended",
        ])
    }

    func testCatalogColumnsInTheirWrittenOrder() {
        XCTAssertEqual(simulatedCatalogColumns.map(\.rawValue),
                       ["objid", "spec_file", "image_file", "ra", "dec", "z", "snr_r", "petroMag_r", "plate", "mjd", "fiberid"])
    }
}

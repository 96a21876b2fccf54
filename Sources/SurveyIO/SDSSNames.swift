import Foundation

/// The file names SDSS and GalAM give spectra and cutouts, built only from numbers (never
/// from text a server sent), so a name can hold no path separator or other surprise.
public enum SDSSNames {
    /// `spec-PLATE-MJD-FIBER.fits` with SDSS's zero padding (4, 5 and 4 digits; wider
    /// numbers keep all their digits, as SDSS's own BOSS plates above 9999 do).
    public static func spectrum(plate: Int, mjd: Int, fiber: Int) -> String {
        String(format: "spec-%04d-%05d-%04d.fits", plate, mjd, fiber)
    }

    /// `RA_DEC.jpg`, seven significant digits each (`galam simulate` names its cutouts so too).
    public static func image(ra: Double, dec: Double) -> String {
        String(format: "%.7g_%.7g.jpg", ra, dec)
    }
}

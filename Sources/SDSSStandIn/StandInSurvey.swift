import Foundation
import SurveyIO

/// One galaxy the stand-in serves: its SpecObj row, spectrum file and cutout.
public struct StandInGalaxy: Sendable {
    public var plate: Int, mjd: Int, fiber: Int
    public var run2d: String
    public var ra: Double, dec: Double
    public var z: Double
    public var snMedianR: Double
    public var petroR90r: Double?
    public var spectrum: Data?
    public var image: Data?

    public init(plate: Int, mjd: Int, fiber: Int, run2d: String = "26", ra: Double, dec: Double, z: Double = 0.1,
                snMedianR: Double = 20, petroR90r: Double? = nil, spectrum: Data? = nil, image: Data? = nil) {
        self.plate = plate; self.mjd = mjd; self.fiber = fiber; self.run2d = run2d
        self.ra = ra; self.dec = dec; self.z = z; self.snMedianR = snMedianR; self.petroR90r = petroR90r
        self.spectrum = spectrum; self.image = image
    }

    /// DR8+ specObjID bit layout (plate, fibre, MJD − 50000, run2d), so paging by specObjID
    /// orders as SkyServer does.
    public var specObjID: UInt64 {
        let run = UInt64(Int(run2d) ?? 0) & 0x3FFF
        return UInt64(plate) << 50 | UInt64(fiber) << 38 | UInt64(max(0, mjd - 50000)) << 24 | run << 10
    }

    public var specFile: String { SDSSNames.spectrum(plate: plate, mjd: mjd, fiber: fiber) }

    /// The SAS tree the spectrum sits under for its run2d.
    var tree: String { run2d.allSatisfy(\.isNumber) ? "sdss" : "eboss" }

    /// The row of the SQL answer, in `SelectionQuery.paperColumns` order.
    var sqlRow: String {
        [String(specObjID), String(plate), String(mjd), String(fiber), run2d, "\(ra)", "\(dec)", "\(z)", "0", "\(snMedianR)",
         petroR90r.map { "\($0)" } ?? "-9999"].joined(separator: ",")
    }
}

public enum StandInSurvey {
    /// The galaxies of a survey folder (the SDSS fixtures or `galam simulate` output): a catalog
    /// with `spec_file`, `image_file`, `ra`, `dec` (and `z`, `snr_r` when present); plate, MJD
    /// and fibre come from the spectrum's name. `run2d` picks each galaxy's reduction.
    public static func load(folder: String, catalog: String? = nil,
                            run2d: (Int) -> String = { _ in "26" }) throws -> [StandInGalaxy] {
        let cat = try Catalog(contentsOf: catalog ?? folder + "/catalog.csv")
        let spec = try cat.column("spec_file"), image = try cat.column("image_file")
        let ra = try cat.column("ra"), dec = try cat.column("dec")
        let z = (try? cat.column("z")) ?? Array(repeating: "0.1", count: cat.count)
        let snr = (try? cat.column("snr_r")) ?? Array(repeating: "20", count: cat.count)
        return try (0..<cat.count).map { i in
            let parts = spec[i].replacingOccurrences(of: ".fits", with: "").split(separator: "-")
            guard parts.count == 4, let plate = Int(parts[1]), let mjd = Int(parts[2]), let fiber = Int(parts[3]),
                  let r = Double(ra[i]), let d = Double(dec[i]) else {
                throw SurveyIOError(path: cat.path, reason: "row \(i + 2): cannot read plate/mjd/fiber from '\(spec[i])' or ra/dec")
            }
            return StandInGalaxy(plate: plate, mjd: mjd, fiber: fiber, run2d: run2d(i), ra: r, dec: d, z: Double(z[i]) ?? 0.1,
                                 snMedianR: Double(snr[i]) ?? 20, petroR90r: 4 + Double(i % 5),
                                 spectrum: FileManager.default.contents(atPath: folder + "/spectra/" + spec[i]),
                                 image: FileManager.default.contents(atPath: folder + "/images/" + image[i]))
        }
    }
}

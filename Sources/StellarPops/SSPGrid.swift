import Foundation
import SurveyIO

/// A grid of single stellar population (SSP) spectra on one linear wavelength axis.
/// Spectra are stored age-major: `flux(age: a, metallicity: m)` for `a` in `agesGyr`,
/// `m` in `metallicities`.
public struct SSPGrid: Sendable {
    /// Which SSP library.
    public enum Library: String, Codable, Sendable, CaseIterable {
        /// Vazdekis et al. (2010) MILES, 3540.5–7409.6 Å, FWHM 2.51 Å (pPXF 7.4.5).
        case miles
        /// Vazdekis et al. (2016) E-MILES, 1680.2–49999.4 Å, variable resolution (pPXF 8.2.6).
        case eMiles = "e-miles"
    }

    /// Which SSPs of a library.
    public enum Selection: Sendable, Equatable {
        /// The paper's 36: 9 ages × 4 metallicities (DEVELOPERS.md, Sect. 2.3 of the paper).
        case paper
        /// All 150 (25 ages × 6 metallicities).
        case all
    }

    public static let paperAgesGyr = [0.0631, 0.1259, 0.2512, 0.5012, 1.0000, 1.9953, 3.9811, 7.9433, 15.8489]
    public static let paperMetallicities = [-1.71, -0.71, 0.00, 0.22]

    public var library: Library
    /// Wavelength of each pixel in Å (from CRVAL1, CDELT1, CRPIX1 of the files).
    public var wavelengthAngstrom: [Double]
    /// Ages in Gyr, increasing.
    public var agesGyr: [Double]
    /// [M/H] in dex, increasing.
    public var metallicities: [Double]
    /// Fluxes, `agesGyr.count × metallicities.count` spectra of `wavelengthAngstrom.count` values.
    public var fluxes: [[Float]]

    /// The spectrum of age index `a` and metallicity index `m`.
    public func flux(age a: Int, metallicity m: Int) -> [Float] { fluxes[a * metallicities.count + m] }

    /// Spectral resolution (FWHM, Å) of the library at `wavelength` Å.
    ///
    /// MILES: 2.51 Å everywhere (Falcón-Barroso et al. 2011). E-MILES (Vazdekis et al. 2016):
    /// 3.0 Å below 3541.4 Å (NGSL), 2.51 Å up to 8950 Å (MILES and CaT), then a constant
    /// σ = 60 km/s (IRTF), i.e. FWHM = 2.3548·60/c·λ — 23.57 Å at 50000 Å, the range the
    /// E-MILES file headers state.
    public func fwhmAngstrom(at wavelength: Double) -> Double {
        switch library {
        case .miles: return 2.51
        case .eMiles:
            if wavelength < 3541.4 { return 3.0 }
            if wavelength <= 8950 { return 2.51 }
            return 2.354820045 * 60 / 299_792.458 * wavelength
        }
    }

    /// Loads SSPs from the cache. A missing cache is an error naming `galam templates fetch`.
    public static func load(_ library: Library, selection: Selection = .paper,
                            cache: TemplateCache = TemplateCache()) throws -> SSPGrid {
        let dist = library == .miles ? TemplateCache.miles : TemplateCache.eMiles
        guard cache.isComplete(dist) else { throw cache.missingError(dist) }
        let dir = cache.modelsDirectory(of: dist)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix(dist.sspPrefix) && $0.hasSuffix(".fits") }
        var entries: [(age: Double, mh: Double, file: String)] = []
        for f in files {
            let (mh, age) = try parseName(f, path: dir)
            entries.append((age, mh, f))
        }
        if selection == .paper {
            entries = entries.filter { e in
                paperAgesGyr.contains { abs($0 - e.age) < 1e-6 } && paperMetallicities.contains { abs($0 - e.mh) < 1e-6 }
            }
        }
        let ages = Array(Set(entries.map(\.age))).sorted()
        let mhs = Array(Set(entries.map(\.mh))).sorted()
        guard entries.count == ages.count * mhs.count, !entries.isEmpty else {
            throw SurveyIOError(path: dir, reason: "SSP files do not form a full age × [M/H] grid (\(entries.count) files, \(ages.count) ages, \(mhs.count) [M/H])")
        }
        entries.sort { ($0.age, $0.mh) < ($1.age, $1.mh) }
        var wave: [Double] = []
        var fluxes: [[Float]] = []
        for e in entries {
            let (w, f) = try readSSP(dir + "/" + e.file)
            if wave.isEmpty { wave = w } else if w.count != wave.count || abs(w[0] - wave[0]) > 1e-6 {
                throw SurveyIOError(path: dir + "/" + e.file, reason: "wavelength axis differs from the other SSPs")
            }
            fluxes.append(f)
        }
        return SSPGrid(library: library, wavelengthAngstrom: wave, agesGyr: ages, metallicities: mhs, fluxes: fluxes)
    }

    /// [M/H] and age (Gyr) from a MILES file name such as
    /// `Mun1.30Zm0.40T00.0631_iPp0.00_baseFe_linear_FWHM_2.51.fits` (Zm = minus, Zp = plus).
    public static func parseName(_ name: String, path: String = "") throws -> (metallicity: Double, ageGyr: Double) {
        guard let z = name.range(of: "Z"), let t = name.range(of: "T", range: z.upperBound..<name.endIndex),
              let u = name.range(of: "_", range: t.upperBound..<name.endIndex) else {
            throw SurveyIOError(path: path + "/" + name, reason: "file name does not follow the MILES pattern Z[mp]<M/H>T<age>_")
        }
        let zText = name[z.upperBound..<t.lowerBound]
        let sign: Double = zText.first == "m" ? -1 : 1
        guard let mh = Double(zText.dropFirst()), let age = Double(name[t.upperBound..<u.lowerBound]),
              zText.first == "m" || zText.first == "p" else {
            throw SurveyIOError(path: path + "/" + name, reason: "cannot parse [M/H] and age from the file name")
        }
        return (sign * mh, age)
    }

    /// Reads one SSP FITS file: the linear wavelength axis from CRVAL1, CDELT1, CRPIX1
    /// (λ_i = CRVAL1 + (i + 1 − CRPIX1)·CDELT1 for 0-based i) and the flux.
    public static func readSSP(_ path: String) throws -> (wavelength: [Double], flux: [Float]) {
        let f = try FITSFile(readingAt: path)
        defer { try? f.close() }
        let flux = try f.readImage1D()
        guard let crval = try f.keywordDouble("CRVAL1"), let cdelt = try f.keywordDouble("CDELT1") else {
            throw SurveyIOError(path: path, reason: "missing CRVAL1/CDELT1 wavelength keywords")
        }
        let crpix = try f.keywordDouble("CRPIX1") ?? 1
        let wave = (0..<flux.count).map { crval + (Double($0) + 1 - crpix) * cdelt }
        return (wave, flux)
    }
}

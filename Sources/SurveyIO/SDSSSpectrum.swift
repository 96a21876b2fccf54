import Foundation

/// One SDSS `spec-PLATE-MJD-FIBER.fits` file: the co-added spectrum (HDU `COADD`) and the
/// pipeline's measurements of the object (HDU `SPECOBJ`), with the columns GalAM uses.
public struct SDSSSpectrum: Sendable {
    /// log10 of the observed vacuum wavelength in Å, per pixel.
    public var loglam: [Double]
    /// Flux density in 1e-17 erg s⁻¹ cm⁻² Å⁻¹.
    public var flux: [Float]
    /// Inverse variance of `flux`; 0 marks a pixel without a usable measurement.
    public var ivar: [Float]
    /// Pixel mask bits set in every exposure (SDSS `and_mask`).
    public var andMask: [Int32]
    /// Instrumental dispersion, in units of log-lambda pixels (Δloglam = 1e-4).
    public var wdisp: [Float]
    /// The object's measurements from `SPECOBJ`.
    public var object: SpecObject

    public init(loglam: [Double], flux: [Float], ivar: [Float], andMask: [Int32], wdisp: [Float], object: SpecObject) {
        self.loglam = loglam
        self.flux = flux
        self.ivar = ivar
        self.andMask = andMask
        self.wdisp = wdisp
        self.object = object
    }

    /// Observed vacuum wavelength of each pixel in Å (10^loglam).
    public var wavelengthAngstrom: [Double] { loglam.map { pow(10, $0) } }

    /// Number of pixels.
    public var count: Int { flux.count }
}

/// The `SPECOBJ` measurements GalAM reads.
public struct SpecObject: Sendable, Equatable {
    public var z: Double
    public var zWarning: Int32
    /// Median S/N per pixel in the u, g, r, i, z bands (the paper's cut uses r, index 2).
    public var snMedian: [Double]
    public var snMedianAll: Double
    public var plugRA: Double
    public var plugDec: Double
    /// Velocity dispersion in km/s from the SDSS pipeline.
    public var vdispKms: Double
    /// GALAXY, QSO or STAR.
    public var objectClass: String

    public init(z: Double, zWarning: Int32, snMedian: [Double], snMedianAll: Double,
                plugRA: Double, plugDec: Double, vdispKms: Double, objectClass: String) {
        self.z = z
        self.zWarning = zWarning
        self.snMedian = snMedian
        self.snMedianAll = snMedianAll
        self.plugRA = plugRA
        self.plugDec = plugDec
        self.vdispKms = vdispKms
        self.objectClass = objectClass
    }

    /// Median S/N in the r band, `SN_MEDIAN[2]`.
    public var snMedianR: Double { snMedian.count > 2 ? snMedian[2] : .nan }
}

extension SDSSSpectrum {
    /// Reads a `spec` file. Every failure — missing file, truncated or corrupt FITS, a missing
    /// HDU or column, columns of unequal length, sizes or wavelengths no SDSS spectrum has — is
    /// a `SurveyIOError` naming the file.
    public init(contentsOf path: String) throws {
        let f = try FITSFile(readingAt: path)
        defer { try? f.close() }
        try self.init(fits: f)
    }

    /// Most COADD rows accepted: SDSS spectra have ≈ 3,850 (SDSS-I/II) to ≈ 4,650 (BOSS)
    /// pixels; a corrupted NAXIS2 must not turn into a multi-terabyte allocation.
    public static let maxPixels = 20_000
    /// Plausible range of log₁₀(λ/Å): 1,000–31,600 Å, far around the spectrographs' 3,600–10,400 Å.
    public static let plausibleLoglam = 3.0...4.5

    init(fits f: FITSFile) throws {
        let path = f.path
        try f.moveToHDU(named: "COADD")
        let n = try f.rowCount()
        guard n <= Self.maxPixels else {
            throw SurveyIOError(path: path, reason: "COADD has \(n) rows, more than any SDSS spectrum (limit \(Self.maxPixels))")
        }
        guard n > 1 else { throw SurveyIOError(path: path, reason: "COADD has \(n) rows; a spectrum needs at least 2") }
        // One value per row each: a repeat count > 1 (a corrupted TFORM) would misalign pixels.
        for name in ["loglam", "flux", "ivar", "and_mask", "wdisp"] where try f.columnRepeat(name) != 1 {
            throw SurveyIOError(path: path, reason: "COADD column \(name) has \(try f.columnRepeat(name)) values per row, expected 1")
        }
        let loglam: [Double] = try f.readColumn("loglam", rows: n)
        let flux: [Float] = try f.readColumn("flux", rows: n)
        let ivar: [Float] = try f.readColumn("ivar", rows: n)
        let andMask: [Int32] = try f.readColumn("and_mask", rows: n)
        let wdisp: [Float] = try f.readColumn("wdisp", rows: n)
        try Self.checkWavelengths(loglam, path: path)
        try f.moveToHDU(named: "SPECOBJ")
        guard try f.rowCount() >= 1 else { throw SurveyIOError(path: path, reason: "SPECOBJ has no rows") }
        // Only the first row is the object; reading one row keeps a corrupted NAXIS2 harmless.
        let sn: [Double] = try f.readColumn("SN_MEDIAN", rows: 1)
        guard sn.count >= 5 else {
            throw SurveyIOError(path: path, reason: "SN_MEDIAN has \(sn.count) values, expected 5 (ugriz)")
        }
        func scalar(_ name: String) throws -> Double {
            guard let v = try f.readColumn(name, as: Double.self, rows: 1).first else {
                throw SurveyIOError(path: path, reason: "SPECOBJ column \(name) has no values")
            }
            return v
        }
        guard let zWarning = try f.readColumn("ZWARNING", as: Int32.self, rows: 1).first else {
            throw SurveyIOError(path: path, reason: "SPECOBJ column ZWARNING has no values")
        }
        let object = SpecObject(
            z: try scalar("Z"), zWarning: zWarning,
            snMedian: Array(sn.prefix(5)), snMedianAll: try scalar("SN_MEDIAN_ALL"),
            plugRA: try scalar("PLUG_RA"), plugDec: try scalar("PLUG_DEC"),
            vdispKms: try scalar("VDISP"), objectClass: try f.readString("CLASS"))
        self.init(loglam: loglam, flux: flux, ivar: ivar, andMask: andMask, wdisp: wdisp, object: object)
    }

    /// Every stage indexes pixels by wavelength: loglam must be finite, strictly increasing and
    /// inside `plausibleLoglam`.
    static func checkWavelengths(_ loglam: [Double], path: String) throws {
        for (i, l) in loglam.enumerated() {
            guard l.isFinite, Self.plausibleLoglam.contains(l) else {
                throw SurveyIOError(path: path, reason: "loglam \(l) at row \(i + 1) is outside the plausible \(Self.plausibleLoglam) (log₁₀ Å)")
            }
            if i > 0 && !(l > loglam[i - 1]) {
                throw SurveyIOError(path: path, reason: "loglam not strictly increasing at row \(i + 1)")
            }
        }
    }

    /// Writes the spectrum in the SDSS `spec` layout (empty primary, `COADD`, `SPECOBJ`),
    /// atomically. Column names, order and types follow SDSS DR8+ (`loglam` and `flux` as
    /// float32, `and_mask` as int32), so SDSS readers and GalAM read it alike.
    public func write(to path: String, primaryKeywords: [(String, String)] = []) throws {
        try AtomicFile.produce(path) { tmp in
            let f = try FITSFile(creatingAt: tmp)
            try f.writeEmptyPrimary(keywords: primaryKeywords)
            try f.writeBinaryTable(extname: "COADD", columns: [
                FITSColumn("flux", .float32(flux), unit: "1e-17 erg/s/cm2/Angstrom"),
                FITSColumn("loglam", .float32(loglam.map { Float($0) }), unit: "log10(Angstrom)"),
                FITSColumn("ivar", .float32(ivar)),
                FITSColumn("and_mask", .int32(andMask)),
                FITSColumn("or_mask", .int32(andMask)),
                FITSColumn("wdisp", .float32(wdisp), unit: "log10(Angstrom) pixels"),
            ])
            let o = object
            try f.writeBinaryTable(extname: "SPECOBJ", columns: [
                FITSColumn("PLUG_RA", .float64([o.plugRA]), unit: "deg"),
                FITSColumn("PLUG_DEC", .float64([o.plugDec]), unit: "deg"),
                FITSColumn("CLASS", .string([o.objectClass], width: 6)),
                FITSColumn("Z", .float32([Float(o.z)])),
                FITSColumn("VDISP", .float32([Float(o.vdispKms)]), unit: "km/s"),
                FITSColumn("ZWARNING", .int32([o.zWarning])),
                FITSColumn("SN_MEDIAN_ALL", .float32([Float(o.snMedianAll)])),
                FITSColumn("SN_MEDIAN", .float32(o.snMedian.map { Float($0) }), elementsPerRow: 5),
            ])
            try f.close()
        }
    }
}

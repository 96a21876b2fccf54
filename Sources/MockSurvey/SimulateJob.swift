import Foundation
import SurveyIO

/// `galam simulate`: a mock SDSS survey with known truth, written exactly as SDSS data are
/// (spec FITS files, gri JPEG cutouts, a catalog) plus `truth.csv` kept apart.
public struct SimulateJob {
    public var count: Int
    public var outputDirectory: String
    public var seed: UInt64
    public var imageSize = 128
    public var arcsecPerPixel = 0.396
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var showProgress = true
    public var emissionLines = false
    /// PSF, neighbours, sky noise and stretch of the cutouts (defaults: the original simulator).
    public var conditions = ImageConditions.original

    public init(count: Int, outputDirectory: String, seed: UInt64) {
        self.count = count
        self.outputDirectory = outputDirectory
        self.seed = seed
    }

    /// Plate, MJD and fibre of galaxy `i` (640 fibres a plate, like SDSS-I/II), named as SDSS does.
    public static func specName(_ i: Int) -> String { SDSSNames.spectrum(plate: 3000 + i / 640, mjd: 54000 + i / 640, fiber: i % 640 + 1) }

    public static func imageName(ra: Double, dec: Double) -> String { SDSSNames.image(ra: ra, dec: dec) }

    /// Simulates one galaxy from its own random stream (independent of threads and order).
    public static func galaxy(_ i: Int, seed: UInt64, model: MockSurveyModel) -> MockGalaxy {
        var rng = SeededRandom(seed: seed, stream: UInt64(i))
        let p = GalaxyParameters.draw(&rng, cosmology: model.cosmology)
        return MockGalaxy(params: p, model: model, rng: &rng)
    }

    public func run() throws -> Double {
        guard count > 0 else { throw SurveyIOError(path: outputDirectory, reason: "--n must be positive") }
        try conditions.validate()
        var model = try MockSurveyModel.load(imageSize: imageSize, arcsecPerPixel: arcsecPerPixel)
        model.emissionLines = emissionLines
        model.apply(conditions)
        let fm = FileManager.default
        for d in ["spectra", "images"] { try fm.createDirectory(atPath: outputDirectory + "/" + d, withIntermediateDirectories: true) }
        let progress = ProgressReporter(label: "simulate", total: count, enabled: showProgress)
        let results = ParallelWork.map(count: count, threads: threads, progress: progress) { i -> Result<(catalog: [String], truth: [String]), Error> in
            let g = Self.galaxy(i, seed: seed, model: model)
            let spec = Self.specName(i), img = Self.imageName(ra: g.params.ra, dec: g.params.dec)
            return Result {
                try g.spectrum.write(to: outputDirectory + "/spectra/" + spec,
                                     primaryKeywords: [("TELESCOP", "GalAM mock SDSS"), ("ORIGIN", "galam simulate")])
                try JPEG.write(g.image, to: outputDirectory + "/images/" + img, quality: 90)
                return Self.rows(i, g, spec: spec, image: img, conditions: conditions)
            }
        }
        let rows = try results.map { try $0.get() }
        try Catalog(columns: simulatedCatalogColumns, rows: rows.map(\.catalog))
            .write(to: outputDirectory + "/catalog.csv")
        try Catalog(columns: truthColumns, rows: rows.map(\.truth)).write(to: outputDirectory + "/truth.csv")
        return progress.elapsedSeconds
    }

    static func rows(_ i: Int, _ g: MockGalaxy, spec: String, image: String, conditions: ImageConditions) -> (catalog: [String], truth: [String]) {
        let p = g.params, t = g.truth
        func f(_ x: Double, _ d: Int = 5) -> String { String(format: "%.\(d)f", x) }
        let plate = 3000 + i / 640
        let selected = p.z >= 0.002 && p.z <= 0.3 && p.zWarning == 0 && p.snrTarget >= 5
        // Each value named by its column; the rows follow the schema's order (allCases).
        let catalog: [ColumnName: String] = [
            .objectID: String(1_237_650_000_000_000_000 + i), .specFile: spec, .imageFile: image, .ra: f(p.ra, 6), .dec: f(p.dec, 6),
            .redshift: f(p.z, 6), .snrR: f(g.spectrum.object.snMedianR, 3), .petroMagR: f(t.petroMagR, 3), .plate: String(plate),
            .mjd: String(54000 + i / 640), .fiberID: String(i % 640 + 1),
        ]
        let nearest = t.nearestNeighbour
        let truth: [ColumnName: String] = [
            .specFile: spec, .imageFile: image, .logAgeLW: f(t.logAgeLW), .metallicityLW: f(t.metallicityLW),
            .logAgeLWTotal: f(t.logAgeLWTotal), .metallicityLWTotal: f(t.metallicityLWTotal),
            .logAgeMW: f(t.logAgeMW), .metallicityMW: f(t.metallicityMW), .redshift: f(p.z, 6), .zWarning: String(p.zWarning),
            .snrTarget: f(p.snrTarget, 3), .sigmaKms: f(p.sigmaKms, 2), .ebv: f(p.ebv, 4), .petroMagR: f(t.petroMagR, 3),
            .bulgeToTotalR: f(t.bulgeToTotalR, 4), .halfLightRadiusArcsec: f(t.halfLightRadiusArcsec, 3),
            .fiberFractionR: f(t.fiberFractionR, 4), .neighbours: String(t.neighbours),
            .overlappingNeighbour: String(t.overlappingNeighbour), .intendedSelected: String(selected),
            .centralRePixels: f(t.centralRePixels, 3),
            .nearestNeighbourSeparationPixels: nearest.map { f($0.separationPixels, 3) } ?? "",
            .nearestNeighbourDeltaMagR: nearest.map { f($0.deltaMagR, 3) } ?? "",
            .nearestNeighbourRePixels: nearest.map { f($0.halfLightRadiusPixels, 3) } ?? "",
            .nearestNeighbourXPixels: nearest.map { f($0.xPixels, 3) } ?? "",
            .nearestNeighbourYPixels: nearest.map { f($0.yPixels, 3) } ?? "",
            .psfFamily: t.psf.beta == nil ? ImageConditions.PSFFamily.gaussian.rawValue : ImageConditions.PSFFamily.moffat.rawValue,
            .psfFWHMArcsec: f(t.psfFWHMArcsec, 3), .psfBeta: t.psf.beta.map { f($0, 3) } ?? "",
            .neighbourLayout: conditions.neighbourLayout.rawValue, .neighbourDensity: f(conditions.meanNeighbours, 3),
            .starFraction: f(conditions.neighbourLayout == .planted ? 0 : conditions.starFraction, 3),
            .skyNoiseScale: f(conditions.skyNoiseScale, 3), .asinhStretch: f(conditions.stretch, 4), .asinhQ: f(conditions.asinhQ, 3),
            .stars: String(t.stars), .blendRatioMax: f(t.blendRatioMax, 4), .blended: String(t.blended),
        ]
        // A missing key would be a schema change without a value: fail loudly, not shift columns.
        return (simulatedCatalogColumns.map { catalog[$0]! }, truthColumns.map { truth[$0]! })
    }
}

import Foundation
import StellarPops
import SurveyIO

/// Shared, read-only inputs for simulating galaxies.
public struct MockSurveyModel: @unchecked Sendable {
    public let library: TemplateLibrary
    public let filters: [FilterCurve]  // g, r, i
    public let cosmology = FlatLambdaCDM()
    public var imageSize: Int
    public var arcsecPerPixel: Double
    public var lupton = LuptonRGB()
    /// PSF, neighbours, sky noise and stretch (`ImageConditions`); set through `apply`.
    public private(set) var conditions = ImageConditions.original
    /// Sky noise per pixel (nanomaggies) in g, r, i at 0.396″ pixels, from SDSS sky
    /// brightnesses (22.0, 20.9, 20.3 mag/arcsec²) and typical gains.
    public var skyNoiseNanomaggies: [Double] = [0.019, 0.028, 0.045]
    /// Fibre radius (arcsec): SDSS-I/II fibres are 3″ across.
    public var fiberRadiusArcsec = 1.5
    /// Add nebular emission lines to star-forming galaxies' spectra (`EmissionLines`).
    public var emissionLines = false

    public init(library: TemplateLibrary, filters: [String: FilterCurve], imageSize: Int = 128, arcsecPerPixel: Double = 0.396) {
        self.library = library
        self.filters = [filters["g"]!, filters["r"]!, filters["i"]!]
        self.imageSize = imageSize
        self.arcsecPerPixel = arcsecPerPixel
    }

    /// Uses `conditions` for every cutout from now on (the asinh stretch goes to `lupton`).
    public mutating func apply(_ conditions: ImageConditions) {
        self.conditions = conditions
        lupton.stretch = conditions.stretch
        lupton.q = conditions.asinhQ
    }

    /// Loads the E-MILES grid and the SDSS filters from the template cache.
    public static func load(imageSize: Int = 128, arcsecPerPixel: Double = 0.396) throws -> MockSurveyModel {
        let grid = try SSPGrid.load(.eMiles, selection: .all)
        return MockSurveyModel(library: TemplateLibrary(grid: grid), filters: try SDSSFilters.load(),
                               imageSize: imageSize, arcsecPerPixel: arcsecPerPixel)
    }

    /// Observed-frame SED (arbitrary units) of a population at redshift z with dust, on the
    /// library's fine grid: wavelengths λ_rest(1+z), flux S(λ_rest)·T_dust(λ_rest).
    func observedSED(_ p: StellarPopulation, z: Double, ebv: Double) -> (wave: [Double], flux: [Double]) {
        let s = library.spectrum(p)
        var w = [Double](repeating: 0, count: s.count), f = w
        for i in s.indices {
            let lr = library.wavelength(i)
            w[i] = lr * (1 + z)
            f[i] = s[i] * CalzettiDust.transmission(wavelengthAngstrom: lr, ebv: ebv)
        }
        return (w, f)
    }

    /// AB magnitudes in g, r, i of an SED.
    func magnitudes(_ sed: (wave: [Double], flux: [Double])) -> [Double] {
        filters.map { $0.abMagnitude(wavelengthAngstrom: sed.wave, fluxDensity: sed.flux) }
    }
}

/// What is known about one simulated galaxy (written to truth.csv).
public struct MockTruth: Sendable {
    public var logAgeLW: Double, metallicityLW: Double        // in the fibre spectrum
    public var logAgeLWTotal: Double, metallicityLWTotal: Double  // whole galaxy
    public var logAgeMW: Double, metallicityMW: Double
    public var petroMagR: Double
    public var bulgeToTotalR: Double
    public var halfLightRadiusArcsec: Double
    public var neighbours: Int
    public var overlappingNeighbour: Bool
    /// How many of the neighbours are stars.
    public var stars: Int
    /// The PSF of the cutout (pixels) and its FWHM in arcsec.
    public var psf: PSFModel
    public var psfFWHMArcsec: Double
    /// The largest neighbour ÷ central light ratio inside the central galaxy's isophote, and
    /// whether that makes a blend (`BlendTruth`).
    public var blendRatioMax: Double
    public var blended: Bool
    /// The nearest neighbour, if any.
    public var nearestNeighbour: NeighbourInfo?
    /// The central galaxy's larger component half-light radius in pixels (the unit of the
    /// planted separations).
    public var centralRePixels: Double
    public var fiberFractionR: Double
}

/// Draws the image and the spectrum of one galaxy.
public struct MockGalaxy: Sendable {
    public var params: GalaxyParameters
    public var spectrum: SDSSSpectrum
    public var image: RGBImage
    public var truth: MockTruth

    public init(params p: GalaxyParameters, model: MockSurveyModel, rng: inout SeededRandom) {
        let grid = model.library.grid
        let comps = p.components(grid: grid)
        let size = model.imageSize, scale = model.arcsecPerPixel
        let z = max(p.z, 0.001)  // sizes of galaxies below z = 0.001 use that distance
        // Photometry of each component (arbitrary units, shared by both components).
        let sedB = model.observedSED(comps.bulge, z: p.z, ebv: p.ebv)
        let sedD = model.observedSED(comps.disk, z: p.z, ebv: p.ebv)
        let magB = model.magnitudes(sedB).map { $0 - 2.5 * log10(max(comps.bulgeMass, 1e-12)) }
        let magD = model.magnitudes(sedD).map { $0 - 2.5 * log10(max(comps.diskMass, 1e-12)) }
        let fluxB = magB.map { pow(10, -0.4 * $0) }, fluxD = magD.map { pow(10, -0.4 * $0) }
        let dm = 5 * log10(model.cosmology.luminosityDistanceMpc(z: z) * 1e5)
        let petroR = p.absoluteMagR + dm
        let k = pow(10, -0.4 * petroR) / (fluxB[1] + fluxD[1])  // arbitrary → AB flux units (3631 Jy)
        let nmgyB = fluxB.map { $0 * k * 1e9 }, nmgyD = fluxD.map { $0 * k * 1e9 }

        // Image: bulge (n = 4) + disk (n = 1), centred, then neighbours; PSF; noise.
        let c = (Double(size - 1) / 2 + p.centreOffset.x, Double(size - 1) / 2 + p.centreOffset.y)
        let reB = model.cosmology.arcsec(kpc: p.bulgeReKpc, z: z) / scale
        let reD = model.cosmology.arcsec(kpc: p.diskReKpc, z: z) / scale
        let bulge = SersicComponent(sersicIndex: 4, halfLightRadiusPixels: reB, axisRatio: p.bulgeAxisRatio,
                                    positionAngleDeg: p.positionAngleDeg, centre: c, fluxNanomaggies: nmgyB)
        let disk = SersicComponent(sersicIndex: 1, halfLightRadiusPixels: reD, axisRatio: p.diskAxisRatio,
                                   positionAngleDeg: p.positionAngleDeg, centre: c, fluxNanomaggies: nmgyD)
        let psf = Self.psf(seeingFWHMArcsec: p.seeingFWHMArcsec, model: model, rng: &rng)
        let ub = psf.convolve(bulge.unitImage(size: size), size: size)
        let ud = psf.convolve(disk.unitImage(size: size), size: size)
        // Fibre fractions of each component (3″ fibre on the PSF-convolved galaxy).
        let rf = model.fiberRadiusArcsec / scale
        func inFiber(_ u: [Double]) -> Double {
            var s = 0.0
            for y in 0..<size { for x in 0..<size where pow(Double(x) - c.0, 2) + pow(Double(y) - c.1, 2) <= rf * rf { s += u[y * size + x] } }
            return s
        }
        let phiB = inFiber(ub), phiD = inFiber(ud)
        var bands = (0..<3).map { b in zip(ub, ud).map { nmgyB[b] * $0 + nmgyD[b] * $1 } }
        let reTotal = (comps.bulgeMass * reB + comps.diskMass * reD) * scale
        // The blend truth: the central galaxy's noiseless r light and its isophote at the
        // detection threshold, against which each neighbour is measured as it is added.
        let skyR = model.skyNoiseNanomaggies[1] * (scale / 0.396) * model.conditions.skyNoiseScale
        let centralR = bands[1]
        let light = CentralLight(r: centralR, isophote: BlendTruth.isophote(
            central: centralR, size: size, level: BlendTruth.thresholdSigma * skyR,
            centre: (Int(c.0.rounded()), Int(c.1.rounded()))))
        let neighbours = MockGalaxy.addNeighbours(to: &bands, central: p, centralRePixels: max(reB, reD),
                                                  petroR: petroR, psf: psf, light: light, model: model, rng: &rng)
        for b in 0..<3 {
            let sky = model.skyNoiseNanomaggies[b] * (scale / 0.396) * model.conditions.skyNoiseScale
            for i in bands[b].indices {
                // Sky-limited noise plus the galaxy's own photon noise (≈ 150 e⁻ per nanomaggy).
                let sd = (sky * sky + max(bands[b][i], 0) / 150).squareRoot()
                bands[b][i] += sd * rng.normal()
            }
        }
        image = model.lupton.render(i: bands[2], r: bands[1], g: bands[0], width: size, height: size)

        // Spectrum: the light the fibre collects, in 1e-17 erg/s/cm²/Å. The SEDs are f_λ in
        // units for which FilterCurve.abMagnitude gives their AB magnitude, so k (which set the
        // r magnitude) turns them into physical f_λ; the constant 1/(1+z) of redshifting is
        // part of k.
        var rest = [Double](repeating: 0, count: sedB.flux.count)
        for i in rest.indices {
            rest[i] = 1e17 * k * (phiB * comps.bulgeMass * sedB.flux[i] + phiD * comps.diskMass * sedD.flux[i])
        }
        let seen = comps.seen(bulgeFraction: phiB, diskFraction: phiD)
        if model.emissionLines {
            EmissionLines.add(to: &rest, library: model.library, ewHAlpha: EmissionLines.hAlphaEW(seen, grid: grid), ebv: p.ebv)
        }
        spectrum = SpectrumSimulator().observe(restFlux: rest, library: model.library, params: p, rng: &rng)

        let window = TemplateLibrary.labelWindowAngstrom
        let lw = seen.luminosityWeighted(grid: grid, window: window)
        let total = comps.seen(bulgeFraction: 1, diskFraction: 1)
        let lwTot = total.luminosityWeighted(grid: grid, window: window)
        let mw = seen.massWeighted(grid: grid)
        params = p
        truth = MockTruth(logAgeLW: lw.logAgeYr, metallicityLW: lw.metallicity, logAgeLWTotal: lwTot.logAgeYr,
                          metallicityLWTotal: lwTot.metallicity, logAgeMW: mw.logAgeYr, metallicityMW: mw.metallicity,
                          petroMagR: petroR, bulgeToTotalR: nmgyB[1] / (nmgyB[1] + nmgyD[1]),
                          halfLightRadiusArcsec: reTotal, neighbours: neighbours.count,
                          overlappingNeighbour: neighbours.contains { $0.overlapping },
                          stars: neighbours.filter(\.isStar).count, psf: psf, psfFWHMArcsec: psf.fwhmPixels * scale,
                          blendRatioMax: neighbours.map(\.blendRatio).max() ?? 0,
                          blended: BlendTruth.isBlended(maxRatio: neighbours.map(\.blendRatio).max() ?? 0),
                          nearestNeighbour: neighbours.min { $0.separationPixels < $1.separationPixels },
                          centralRePixels: max(reB, reD),
                          fiberFractionR: (phiB * nmgyB[1] + phiD * nmgyD[1]) / (nmgyB[1] + nmgyD[1]))
    }

    /// The cutout's PSF. With the original conditions no random draw is made and the
    /// Gaussian's σ is computed as it always was (FWHM / 2.3548 / scale, in that order), so
    /// those cutouts stay byte-identical; a seeing range or a Moffat β draws from `rng`.
    static func psf(seeingFWHMArcsec: Double, model: MockSurveyModel, rng: inout SeededRandom) -> PSFModel {
        let c = model.conditions
        var seeing = seeingFWHMArcsec
        if let range = c.seeingFWHMArcsec { seeing = rng.uniform(range.lowerBound, range.upperBound) }
        switch c.psfFamily {
        case .gaussian:
            return .gaussian(sigmaPixels: seeing / 2.354820045 / model.arcsecPerPixel)
        case .moffat:
            let beta = rng.uniform(c.moffatBeta.lowerBound, c.moffatBeta.upperBound)
            return .moffat(fwhmPixels: seeing / model.arcsecPerPixel, beta: beta)
        }
    }
}

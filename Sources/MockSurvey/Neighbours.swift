import Foundation

extension MockGalaxy {
    /// Share of cutouts with a neighbour overlapping the central galaxy (the paper rejected
    /// about 25 % of its cutouts as blended).
    public static let overlapProbability = 0.25
    /// Mean number of further, well-separated neighbours per cutout.
    public static let meanSeparatedNeighbours = 0.8

    /// What the central galaxy's blend truth needs from each neighbour: the galaxy's noiseless
    /// r-band image and its detection isophote (`BlendTruth`).
    struct CentralLight {
        var r: [Double]
        var isophote: [Bool]
    }

    /// Adds neighbours in the layout of `model.conditions` and returns them. `.planted` is the
    /// original scheme, drawn in the original order; `.random` is `ImageConditions.NeighbourLayout.random`.
    static func addNeighbours(to bands: inout [[Double]], central: GalaxyParameters, centralRePixels: Double,
                              petroR: Double, psf: PSFModel, light: CentralLight, model: MockSurveyModel,
                              rng: inout SeededRandom) -> [NeighbourInfo] {
        switch model.conditions.neighbourLayout {
        case .planted:
            return addPlantedNeighbours(to: &bands, central: central, centralRePixels: centralRePixels, petroR: petroR,
                                        psf: psf, light: light, model: model, rng: &rng)
        case .random:
            return addRandomNeighbours(to: &bands, central: central, centralRePixels: centralRePixels, petroR: petroR,
                                       psf: psf, light: light, model: model, rng: &rng)
        }
    }

    /// Neighbouring galaxies, each a single Sérsic profile with its own stellar population
    /// (so its own colour) at the central galaxy's redshift, fainter than it: a quarter of
    /// cutouts get one overlapping the central galaxy, and Poisson(0.8) lie well apart.
    static func addPlantedNeighbours(to bands: inout [[Double]], central: GalaxyParameters, centralRePixels: Double,
                                     petroR: Double, psf: PSFModel, light: CentralLight, model: MockSurveyModel,
                                     rng: inout SeededRandom) -> [NeighbourInfo] {
        let size = model.imageSize
        let rc = max(centralRePixels, 3)
        let centre = Double(size - 1) / 2
        var added: [NeighbourInfo] = []
        let plans: [Bool] = (rng.uniform() < overlapProbability ? [true] : []) + Array(repeating: false, count: rng.poisson(meanSeparatedNeighbours))
        for overlap in plans {
            let galaxy = drawNeighbourGalaxy(central: central, petroR: petroR, deltaMag: overlap ? (0.2, 2.5) : (0.0, 2.5),
                                             model: model, rng: &rng)
            let sep = overlap ? rng.uniform(1.2, 2.5) * rc + rng.uniform(0, 1) * galaxy.re : rng.uniform(4 * rc + 2 * galaxy.re, Double(size) * 0.75)
            let angle = rng.uniform(0, 2 * Double.pi)
            let pos = (centre + sep * cos(angle), centre + sep * sin(angle))
            let re = galaxy.re
            guard pos.0 > -re, pos.0 < Double(size) + re, pos.1 > -re, pos.1 < Double(size) + re else { continue }
            let unit = psf.convolve(galaxy.shape(pos).unitImage(size: size), size: size)
            added.append(place(unit, nmgy: galaxy.nmgy, into: &bands, light: light,
                               NeighbourInfo(separationPixels: sep, xPixels: pos.0, yPixels: pos.1, deltaMagR: galaxy.magR - petroR,
                                             halfLightRadiusPixels: re, overlapping: overlap)))
        }
        return added
    }

    /// `conditions.neighbourDensity` neighbours on average (Poisson, capped), stars with
    /// probability `starFraction`, at positions uniform over the cutout (chance projections along
    /// the line of sight: the number within a separation r grows as r²). Galaxies
    /// are 0–3 mag fainter than the central one in r, stars 0–3.5 mag, with colours on the
    /// stellar locus (g − r uniform in 0.2–1.4, r − i ≈ 0.38 (g − r) − 0.08, Covey et al. 2007).
    /// `overlapping` marks those within 2.5 R_c + R_n, the planted overlaps' outer limit.
    static func addRandomNeighbours(to bands: inout [[Double]], central: GalaxyParameters, centralRePixels: Double,
                                    petroR: Double, psf: PSFModel, light: CentralLight, model: MockSurveyModel,
                                    rng: inout SeededRandom) -> [NeighbourInfo] {
        let c = model.conditions, size = model.imageSize
        let rc = max(centralRePixels, 3)
        let centre = Double(size - 1) / 2
        var added: [NeighbourInfo] = []
        for _ in 0..<min(c.maxNeighbours, rng.poisson(c.neighbourDensity)) {
            let isStar = rng.uniform() < c.starFraction
            let pos = (rng.uniform(-0.5, Double(size) - 0.5), rng.uniform(-0.5, Double(size) - 0.5))
            let sep = ((pos.0 - centre) * (pos.0 - centre) + (pos.1 - centre) * (pos.1 - centre)).squareRoot()
            if isStar {
                let magR = petroR + rng.uniform(0, 3.5)
                let gr = rng.uniform(0.2, 1.4), ri = 0.38 * gr - 0.08
                let nmgy = [magR + gr, magR, magR - ri].map { pow(10, -0.4 * ($0 - 22.5)) }
                let unit = psf.pointSource(x: pos.0, y: pos.1, size: size)
                added.append(place(unit, nmgy: nmgy, into: &bands, light: light,
                                   NeighbourInfo(separationPixels: sep, xPixels: pos.0, yPixels: pos.1, deltaMagR: magR - petroR,
                                                 halfLightRadiusPixels: 0, overlapping: sep <= 2.5 * rc, isStar: true)))
            } else {
                let galaxy = drawNeighbourGalaxy(central: central, petroR: petroR, deltaMag: (0, 3), model: model, rng: &rng)
                let unit = psf.convolve(galaxy.shape(pos).unitImage(size: size), size: size)
                added.append(place(unit, nmgy: galaxy.nmgy, into: &bands, light: light,
                                   NeighbourInfo(separationPixels: sep, xPixels: pos.0, yPixels: pos.1, deltaMagR: galaxy.magR - petroR,
                                                 halfLightRadiusPixels: galaxy.re, overlapping: sep <= 2.5 * rc + galaxy.re)))
            }
        }
        return added
    }

    /// A neighbour galaxy's flux, size and shape (its position comes later).
    struct NeighbourGalaxy {
        var nmgy: [Double]
        var magR: Double
        var re: Double
        var params: GalaxyParameters

        func shape(_ pos: (Double, Double)) -> SersicComponent {
            SersicComponent(sersicIndex: 1 + 3 * params.bulgeMassFraction, halfLightRadiusPixels: re,
                            axisRatio: max(0.2, params.diskAxisRatio), positionAngleDeg: params.positionAngleDeg,
                            centre: pos, fluxNanomaggies: nmgy)
        }
    }

    /// Draws a neighbour galaxy at the central galaxy's redshift, `deltaMag` (a range) fainter
    /// in r; the draws are the original simulator's, in its order.
    static func drawNeighbourGalaxy(central: GalaxyParameters, petroR: Double, deltaMag: (Double, Double),
                                    model: MockSurveyModel, rng: inout SeededRandom) -> NeighbourGalaxy {
        var other = GalaxyParameters.draw(&rng, cosmology: model.cosmology)
        other.z = central.z
        let pop = other.population(grid: model.library.grid)
        let mags = model.magnitudes(model.observedSED(pop, z: central.z, ebv: other.ebv))
        let magR = petroR + rng.uniform(deltaMag.0, deltaMag.1)
        let nmgy = mags.map { pow(10, -0.4 * ($0 - mags[1] + magR - 22.5)) }
        let re = max(1.0, model.cosmology.arcsec(kpc: other.diskReKpc * rng.uniform(0.4, 0.9), z: max(central.z, 0.001)) / model.arcsecPerPixel)
        return NeighbourGalaxy(nmgy: nmgy, magR: magR, re: re, params: other)
    }

    /// Adds a unit-flux image scaled to `nmgy` in g, r, i and records its blend ratio.
    static func place(_ unit: [Double], nmgy: [Double], into bands: inout [[Double]], light: CentralLight,
                      _ info: NeighbourInfo) -> NeighbourInfo {
        for b in 0..<3 { for i in bands[b].indices { bands[b][i] += nmgy[b] * unit[i] } }
        var info = info
        info.blendRatio = BlendTruth.maxRatio(neighbour: unit.map { $0 * nmgy[1] }, central: light.r, isophote: light.isophote)
        return info
    }
}

/// Geometry of one neighbour, recorded in truth.csv so blend-rejection studies can be broken
/// down by separation and brightness.
public struct NeighbourInfo: Sendable {
    /// Distance from the image centre.
    public var separationPixels: Double
    /// Centre in the cutout's pixel grid (x = column, y = row from the top; the image centre is
    /// ((size − 1)/2, (size − 1)/2)), so a study can test it against a fitted mask ellipse.
    public var xPixels: Double, yPixels: Double
    /// Neighbour's r magnitude minus the central galaxy's.
    public var deltaMagR: Double
    /// 0 for a star.
    public var halfLightRadiusPixels: Double
    public var overlapping: Bool
    public var isStar = false
    /// The largest ratio of its noiseless r light to the central galaxy's inside the central
    /// galaxy's detection isophote (`BlendTruth`).
    public var blendRatio = 0.0
}

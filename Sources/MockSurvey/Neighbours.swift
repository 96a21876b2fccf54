import Foundation

extension MockGalaxy {
    /// Share of cutouts with a neighbour overlapping the central galaxy (the paper rejected
    /// about 25 % of its cutouts as blended).
    public static let overlapProbability = 0.25
    /// Mean number of further, well-separated neighbours per cutout.
    public static let meanSeparatedNeighbours = 0.8

    /// Adds neighbouring galaxies, each a single Sérsic profile with its own stellar
    /// population (so its own colour) at the central galaxy's redshift, fainter than it.
    /// Returns the neighbours added (nearest first is not guaranteed; see `NeighbourInfo`).
    static func addNeighbours(to bands: inout [[Double]], central: GalaxyParameters, centralRePixels: Double,
                              petroR: Double, model: MockSurveyModel, rng: inout SeededRandom) -> [NeighbourInfo] {
        let size = model.imageSize, scale = model.arcsecPerPixel
        let psf = central.seeingFWHMArcsec / 2.354820045 / scale
        let rc = max(centralRePixels, 3)
        let centre = Double(size - 1) / 2
        var added: [NeighbourInfo] = []
        let plans: [Bool] = (rng.uniform() < overlapProbability ? [true] : []) + Array(repeating: false, count: rng.poisson(meanSeparatedNeighbours))
        for overlap in plans {
            var other = GalaxyParameters.draw(&rng, cosmology: model.cosmology)
            other.z = central.z
            let pop = other.population(grid: model.library.grid)
            let mags = model.magnitudes(model.observedSED(pop, z: central.z, ebv: other.ebv))
            let magR = petroR + rng.uniform(overlap ? 0.2 : 0.0, 2.5)
            let nmgy = mags.map { pow(10, -0.4 * ($0 - mags[1] + magR - 22.5)) }
            let re = max(1.0, model.cosmology.arcsec(kpc: other.diskReKpc * rng.uniform(0.4, 0.9), z: max(central.z, 0.001)) / scale)
            let sep = overlap ? rng.uniform(1.2, 2.5) * rc + rng.uniform(0, 1) * re : rng.uniform(4 * rc + 2 * re, Double(size) * 0.75)
            let angle = rng.uniform(0, 2 * Double.pi)
            let pos = (centre + sep * cos(angle), centre + sep * sin(angle))
            guard pos.0 > -re, pos.0 < Double(size) + re, pos.1 > -re, pos.1 < Double(size) + re else { continue }
            let comp = SersicComponent(sersicIndex: 1 + 3 * other.bulgeMassFraction, halfLightRadiusPixels: re,
                                       axisRatio: max(0.2, other.diskAxisRatio), positionAngleDeg: other.positionAngleDeg,
                                       centre: pos, fluxNanomaggies: nmgy)
            let unit = convolveGaussianPSF(comp.unitImage(size: size), size: size, sigmaPixels: psf)
            for b in 0..<3 { for i in bands[b].indices { bands[b][i] += nmgy[b] * unit[i] } }
            added.append(NeighbourInfo(separationPixels: sep, xPixels: pos.0, yPixels: pos.1, deltaMagR: magR - petroR,
                                       halfLightRadiusPixels: re, overlapping: overlap))
        }
        return added
    }
}

/// Geometry of one planted neighbour, recorded in truth.csv so blend-rejection studies can be
/// broken down by separation and brightness.
public struct NeighbourInfo: Sendable {
    /// Distance from the image centre.
    public var separationPixels: Double
    /// Centre in the cutout's pixel grid (x = column, y = row from the top; the image centre is
    /// ((size − 1)/2, (size − 1)/2)), so a study can test it against a fitted mask ellipse.
    public var xPixels: Double, yPixels: Double
    /// Neighbour's r magnitude minus the central galaxy's.
    public var deltaMagR: Double
    public var halfLightRadiusPixels: Double
    public var overlapping: Bool
}

import Foundation
import StellarPops

/// Everything drawn for one mock galaxy. Physical quantities only: images and spectra are
/// computed from these, so they relate to age and metallicity only through physics.
public struct GalaxyParameters: Sendable {
    public var z: Double
    public var zWarning: Int32
    public var ra: Double, dec: Double
    /// Formation lookback time and delayed-τ timescale (Gyr); optional burst.
    public var formationLookbackGyr: Double
    public var tauGyr: Double
    public var burstAgeGyr: Double?
    public var burstMassFraction: Double
    /// Central [M/H] of the enrichment history, its spread and age slope (dex).
    public var metallicity: Double
    public var metallicitySpread: Double
    public var enrichmentSlope: Double
    public var sigmaKms: Double
    /// Stellar E(B−V) of the Calzetti law.
    public var ebv: Double
    /// Target r-band median S/N per pixel of the spectrum.
    public var snrTarget: Double
    public var absoluteMagR: Double
    /// Bulge share of stellar mass; bulge and disk half-light radii (kpc); disk axis ratio and
    /// position angle (deg); bulge axis ratio.
    public var bulgeMassFraction: Double
    public var bulgeReKpc: Double, diskReKpc: Double
    public var diskAxisRatio: Double, bulgeAxisRatio: Double
    public var positionAngleDeg: Double
    public var seeingFWHMArcsec: Double
    /// Sub-pixel offset of the centre (pixels).
    public var centreOffset: (x: Double, y: Double)

    /// A galaxy of the SDSS main sample. A latent "evolutionary state" x ~ N(0, 1) ties the
    /// correlations of real galaxies: larger x → earlier formation, shorter τ, higher [M/H],
    /// more bulge, less dust, brighter — each with its own scatter.
    public static func draw(_ rng: inout SeededRandom, cosmology: FlatLambdaCDM = FlatLambdaCDM()) -> GalaxyParameters {
        let x = rng.normal()
        // Redshift: main-sample-like n(z) peaking near 0.1; ~1.5 % outside the 0.002–0.3 cuts.
        var z: Double
        let u = rng.uniform()
        if u < 0.005 { z = rng.uniform(0.0003, 0.0019) } else if u < 0.015 { z = rng.uniform(0.301, 0.34) } else {
            repeat { z = 0.1 * exp(rng.normal(0, 0.45)) } while z < 0.005 || z > 0.3
        }
        let zWarning: Int32 = rng.uniform() < 0.02 ? 4 : 0  // SMALL_DELTA_CHI2
        let tForm = min(13.5, max(1.2, 8.0 * exp(0.35 * x + rng.normal(0, 0.3))))
        let tau = min(12, max(0.15, 1.8 * exp(-0.7 * x + rng.normal(0, 0.5))))
        let hasBurst = rng.uniform() < (x < 0 ? 0.35 : 0.1)
        let burstAge = hasBurst ? exp(rng.uniform(log(0.07), log(1.5))) : nil
        let burstFrac = hasBurst ? exp(rng.uniform(log(0.005), log(0.12))) : 0
        let mh = min(0.2, max(-1.3, -0.25 + 0.28 * x + rng.normal(0, 0.2)))
        let sigma = min(320, max(50, 130 * exp(0.25 * x + rng.normal(0, 0.3))))
        let ebv = max(0, min(0.5, 0.12 - 0.05 * x + rng.normal(0, 0.06)))
        let snr = 17 * exp(rng.normal(0, 0.5))
        // Absolute magnitude, redrawn until the galaxy is brighter than r = 17.77 (flux limit).
        var mAbs = -21.0
        let dm = 5 * log10(cosmology.luminosityDistanceMpc(z: max(z, 0.001)) * 1e5)
        for _ in 0..<30 {
            mAbs = rng.normal(-21.0 - 0.4 * x, 0.8)
            if mAbs + dm < 17.77 { break }
        }
        let bt = min(0.95, max(0.02, 1 / (1 + exp(-(1.3 * x + rng.normal(0, 0.6))))))
        let reDisk = min(15, max(0.8, 4.0 * exp(-0.2 * (mAbs + 21) * log(10) + rng.normal(0, 0.25))))
        let reBulge = min(reDisk, max(0.3, reDisk * rng.uniform(0.25, 0.6)))
        let incl = acos(rng.uniform(0, 1))
        let qDisk = (pow(cos(incl), 2) + pow(0.15 * sin(incl), 2)).squareRoot()
        return GalaxyParameters(
            z: z, zWarning: zWarning, ra: rng.uniform(120, 240), dec: rng.uniform(0, 60),
            formationLookbackGyr: tForm, tauGyr: tau, burstAgeGyr: burstAge, burstMassFraction: burstFrac,
            metallicity: mh, metallicitySpread: 0.15, enrichmentSlope: 0.15, sigmaKms: sigma, ebv: ebv,
            snrTarget: snr, absoluteMagR: mAbs, bulgeMassFraction: bt, bulgeReKpc: reBulge, diskReKpc: reDisk,
            diskAxisRatio: qDisk, bulgeAxisRatio: rng.uniform(0.7, 1.0), positionAngleDeg: rng.uniform(0, 180),
            seeingFWHMArcsec: max(0.9, rng.normal(1.4, 0.2)), centreOffset: (rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)))
    }

    /// The whole galaxy's population.
    public func population(grid: SSPGrid) -> StellarPopulation {
        StellarPopulation.delayedTau(formationLookbackGyr: formationLookbackGyr, tauGyr: tauGyr,
                                     burstAgeGyr: burstAgeGyr, burstMassFraction: burstMassFraction,
                                     metallicity: metallicity, metallicitySpread: metallicitySpread,
                                     enrichmentSlope: enrichmentSlope, grid: grid)
    }

    /// Bulge and disk populations: each age bin's mass goes to the bulge with a logistic
    /// share rising with age, its pivot chosen so the bulge holds `bulgeMassFraction` of the
    /// mass. Bulges are therefore older and redder than disks (colour gradients).
    public func components(grid: SSPGrid) -> GalaxyComponents {
        let total = population(grid: grid).massWeights
        let nZ = grid.metallicities.count
        func share(_ pivot: Double) -> [Double] {
            total.indices.map { 1 / (1 + exp(-(log10(grid.agesGyr[$0 / nZ]) - pivot) / 0.25)) }
        }
        var lo = -3.0, hi = 3.0
        for _ in 0..<50 {
            let mid = (lo + hi) / 2
            let f = zip(total, share(mid)).reduce(0) { $0 + $1.0 * $1.1 }
            if f > bulgeMassFraction { lo = mid } else { hi = mid }
        }
        let s = share((lo + hi) / 2)
        let b = zip(total, s).map { $0 * $1 }, d = zip(total, s).map { $0 * (1 - $1) }
        let mb = b.reduce(0, +)
        return GalaxyComponents(bulge: StellarPopulation(massWeights: mb > 1e-9 ? b : total),
                                disk: StellarPopulation(massWeights: mb < 1 - 1e-9 ? d : total),
                                bulgeMass: mb)
    }
}

/// A galaxy's two stellar components with their share of the mass (total mass 1).
public struct GalaxyComponents: Sendable {
    public var bulge: StellarPopulation
    public var disk: StellarPopulation
    public var bulgeMass: Double
    public var diskMass: Double { 1 - bulgeMass }

    /// The population seen through an aperture capturing fractions `bulgeFraction` and
    /// `diskFraction` of each component's light (the same fraction of its mass).
    public func seen(bulgeFraction fb: Double, diskFraction fd: Double) -> StellarPopulation {
        StellarPopulation(massWeights: zip(bulge.massWeights, disk.massWeights).map {
            fb * bulgeMass * $0 + fd * diskMass * $1
        })
    }
}

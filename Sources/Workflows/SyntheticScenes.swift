import Foundation
import Randomness
import SurveyIO

/// Synthetic cutouts for measuring the image stage: Sérsic galaxies with colours on a noisy sky,
/// optionally with planted neighbours. Used by the blend study, `galam bench images` and the
/// detection tests.
///
/// Why not MockSurvey's renderer: these scenes are not a survey (no photometry, PSF or
/// nanomaggies, flux in display units, a cheaper 2×2 sub-sampling and a b_n without the
/// 1/n² term), and the blend study's and benchmark's published figures and the detection
/// tests' thresholds were measured on exactly these pixels. Rendering them with
/// `SersicComponent` would change every scene, so the scene code lives here, outside the
/// production modules, rather than being merged into the simulator.
public struct SceneGalaxy: Sendable {
    public var x: Double
    public var y: Double
    /// Surface brightness at the effective radius, in the flux units of `SyntheticScenes.render`.
    public var peak: Double
    public var effectiveRadiusPixels: Double
    public var sersicIndex: Double
    public var axisRatio: Double
    public var angleRadians: Double
    /// Multipliers for R (i), G (r), B (g).
    public var colour: (Double, Double, Double)

    public init(x: Double, y: Double, peak: Double, effectiveRadiusPixels: Double, sersicIndex: Double,
                axisRatio: Double, angleRadians: Double, colour: (Double, Double, Double)) {
        self.x = x; self.y = y; self.peak = peak
        self.effectiveRadiusPixels = effectiveRadiusPixels
        self.sersicIndex = sersicIndex
        self.axisRatio = axisRatio
        self.angleRadians = angleRadians
        self.colour = colour
    }

    /// Surface brightness at (px, py): I_e · exp(−b_n ((r/Re)^(1/n) − 1)), elliptical radius r,
    /// with b_n ≈ 2n − 1/3 + 4/(405 n) (Ciotti & Bertin 1999).
    public func brightness(_ px: Double, _ py: Double) -> Double {
        let c = cos(angleRadians), s = sin(angleRadians)
        let u = (px - x) * c + (py - y) * s, v = -(px - x) * s + (py - y) * c
        let r = (u * u + v * v / (axisRatio * axisRatio)).squareRoot()
        let n = sersicIndex, b = 2 * n - 1.0 / 3 + 4 / (405 * n)
        return peak * exp(-b * (pow(r / effectiveRadiusPixels, 1 / n) - 1))
    }
}

/// Scene rendering and random galaxies. Every random draw comes from the caller's SplitMix64
/// (`uniform(lo, hi)` and `gaussian()`), in a fixed order, so a seed gives the same scenes.
public enum SyntheticScenes {
    /// Renders galaxies on a sky of level `sky` with Gaussian noise `noise` per channel, then
    /// maps flux f to 8 bits with an asinh stretch, asinh(f/β)/asinh(1/β), as SDSS colour
    /// cutouts compress their dynamic range (Lupton et al. 2004).
    public static func render(size: Int, galaxies: [SceneGalaxy], sky: Double = 0.004, noise: Double = 0.006,
                              softening beta: Double = 0.05, random: inout SplitMix64) -> RGBImage {
        let norm = asinh(1 / beta)
        var image = RGBImage(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size {
                var rgb = (sky, sky, sky)
                for g in galaxies {
                    // 2 × 2 sub-sampling softens the cusp of the central pixel.
                    var f = 0.0
                    for sy in [-0.25, 0.25] { for sx in [-0.25, 0.25] { f += g.brightness(Double(x) + sx, Double(y) + sy) / 4 } }
                    rgb.0 += f * g.colour.0; rgb.1 += f * g.colour.1; rgb.2 += f * g.colour.2
                }
                let vals = [rgb.0, rgb.1, rgb.2]
                for c in 0..<3 {
                    let f = vals[c] + noise * random.gaussian()
                    let v = asinh(f / beta) / norm * 255
                    image[x, y, c] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }
        return image
    }

    /// A random central galaxy at the image centre.
    public static func centralGalaxy(size: Int, random: inout SplitMix64) -> SceneGalaxy {
        let scale = Double(size) / 128
        return SceneGalaxy(x: Double(size / 2) + random.uniform(-1.5, 1.5), y: Double(size / 2) + random.uniform(-1.5, 1.5),
                           peak: random.uniform(0.03, 0.1), effectiveRadiusPixels: random.uniform(6, 14) * scale,
                           sersicIndex: random.uniform(0.8, 2.5), axisRatio: random.uniform(0.45, 1),
                           angleRadians: random.uniform(0, Double.pi), colour: randomColour(&random))
    }

    /// A neighbour at `separation` pixels from `host` in a random direction.
    public static func neighbour(of host: SceneGalaxy, separation: Double, random: inout SplitMix64) -> SceneGalaxy {
        let phi = random.uniform(0, 2 * Double.pi)
        return SceneGalaxy(x: host.x + separation * cos(phi), y: host.y + separation * sin(phi),
                           peak: host.peak * random.uniform(0.3, 1), effectiveRadiusPixels: host.effectiveRadiusPixels * random.uniform(0.4, 0.9),
                           sersicIndex: random.uniform(0.8, 2.5), axisRatio: random.uniform(0.45, 1),
                           angleRadians: random.uniform(0, Double.pi), colour: randomColour(&random))
    }

    static func randomColour(_ random: inout SplitMix64) -> (Double, Double, Double) {
        let red = random.uniform(0, 1)
        return (1, 0.75 + 0.15 * (1 - red), 0.45 + 0.4 * (1 - red))
    }
}

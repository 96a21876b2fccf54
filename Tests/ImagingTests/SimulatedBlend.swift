import Foundation
import MockSurvey
import Randomness
import SurveyIO

/// Test cutouts drawn with the simulator's own Sérsic profiles, PSF and Lupton colour mapping
/// (MockSurvey), so the Imaging tests need no scene renderer of their own.
enum SimulatedBlend {
    /// Two equally bright exponential-ish galaxies, the second 1.4 effective radii from the
    /// first (well inside the masked region's 1.5× ellipse), seeing σ 1.5 px, on SDSS-like
    /// sky noise from `seed`: a clear blend for the image stage.
    static func pair(size: Int = 128, seed: UInt64 = 3) -> RGBImage {
        let re = 8.0, centre = Double(size / 2)
        let flux = [60.0, 120.0, 180.0]   // g, r, i nanomaggies (about r = 17.3)
        let host = SersicComponent(sersicIndex: 1.2, halfLightRadiusPixels: re, axisRatio: 0.8, positionAngleDeg: 30,
                                   centre: (centre, centre), fluxNanomaggies: flux)
        let neighbour = SersicComponent(sersicIndex: 1.2, halfLightRadiusPixels: 0.7 * re, axisRatio: 0.9, positionAngleDeg: 100,
                                        centre: (centre + 1.4 * re, centre + 2), fluxNanomaggies: flux)
        let unit = [host, neighbour].map { convolveGaussianPSF($0.unitImage(size: size), size: size, sigmaPixels: 1.5) }
        var random = SplitMix64(seed: seed)
        let sky = [0.019, 0.028, 0.045]
        let bands = (0..<3).map { b in
            (0..<(size * size)).map { p in flux[b] * (unit[0][p] + unit[1][p]) + sky[b] * random.gaussian() }
        }
        return LuptonRGB().render(i: bands[2], r: bands[1], g: bands[0], width: size, height: size)
    }
}

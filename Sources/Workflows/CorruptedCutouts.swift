import Foundation
import Randomness
import SurveyIO

/// Corrupted copies of gri cutouts, to test whether the OOD score notices inputs unlike the
/// training set (`galam corrupt-cutouts`): heavy pixel noise, a bright saturated star near the
/// galaxy, or the field shifted so the galaxy sits off-centre.
public enum CutoutCorruption: String, CaseIterable, Sendable {
    /// Gaussian noise of SD 40/255 per pixel and channel (about 10× a simulated cutout's sky noise).
    case noise
    /// A saturated point source (Gaussian, FWHM 3 px, white core) 12–30 px from the centre.
    case star
    /// The field rolled by 30 % of its width and 20 % of its height (wrapping round), so the
    /// galaxy sits off-centre as in a badly centred cutout.
    case offCentre = "off-centre"

    /// The corrupted image; `rng` places the star and draws the noise.
    public func apply(_ image: RGBImage, rng: inout SplitMix64) -> RGBImage {
        let w = image.width, h = image.height
        var p = image.pixels
        switch self {
        case .noise:
            for i in p.indices { p[i] = UInt8(clamping: Int((Double(p[i]) + 40 * rng.gaussian()).rounded())) }
        case .star:
            let angle = rng.uniform(0, 2 * .pi), r = rng.uniform(12, 30)
            let cx = Double(w) / 2 + r * cos(angle), cy = Double(h) / 2 + r * sin(angle)
            let sigma = 3 / 2.3548
            for y in 0..<h {
                for x in 0..<w {
                    let d2 = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)
                    let add = 400 * exp(-d2 / (2 * sigma * sigma))
                    guard add > 0.5 else { continue }
                    for c in 0..<3 { p[(y * w + x) * 3 + c] = UInt8(clamping: Int(Double(p[(y * w + x) * 3 + c]) + add)) }
                }
            }
        case .offCentre:
            let dx = Int(0.3 * Double(w)), dy = Int(0.2 * Double(h))
            for y in 0..<h {
                for x in 0..<w {
                    let sx = (x + dx) % w, sy = (y + dy) % h
                    for c in 0..<3 { p[(y * w + x) * 3 + c] = image.pixels[(sy * w + sx) * 3 + c] }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: p)
    }

    /// Writes a corrupted copy of every JPEG of `images` into `output` (same names) and a
    /// copy of `catalog` (if given) beside them; returns the number written. Seeded per file.
    @discardableResult
    public static func write(_ kind: CutoutCorruption, images: String, output: String, seed: UInt64) throws -> Int {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: images).filter(Catalog.isJPEGFile).sorted()
        guard !names.isEmpty else { throw SurveyIOError(path: images, reason: "no JPEG cutouts") }
        for (k, name) in names.enumerated() {
            var rng = SplitMix64.derive(seed, UInt64(k))
            try JPEG.write(kind.apply(try JPEG.read(images + "/" + name), rng: &rng), to: output + "/" + name)
        }
        return names.count
    }
}

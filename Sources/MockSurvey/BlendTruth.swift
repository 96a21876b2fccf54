import Foundation

/// The simulator's definition of "blended", made from the noiseless components before any
/// detector sees the image, so that every blend check is judged by the same truth.
///
/// A galaxy is **blended** when, somewhere inside its own detection isophote, one neighbour's
/// light is at least `fraction` (one half) of the central galaxy's. The isophote is the
/// connected region around the galaxy's centre where its noiseless, PSF-convolved r-band
/// surface brightness reaches `thresholdSigma` (1.5, the paper's photutils threshold) times the
/// r-band sky noise per pixel of that cutout (with `--sky-noise`).
///
/// Why this matches the paper (Sect. 2.2.2: "because of their connected pixel values, blended
/// galaxies appear as single sources"): every pixel of the isophote is part of the galaxy's
/// detected source, and a neighbour holding at least a third of such a pixel's light (half of
/// the galaxy's share) is joined to it above the detection threshold — the two are one
/// connected source there, and the neighbour's light is a real part of what the galaxy's
/// photometry and image would contain. Neighbours that only touch the faint outskirts below
/// the threshold, or add a few per cent to a bright part, are not blends. The definition
/// uses no detector, mask or deblender; `blend_ratio_max` in truth.csv keeps the largest
/// ratio so another fraction can be applied to the same survey.
public enum BlendTruth {
    public static let thresholdSigma = 1.5
    public static let fraction = 0.5

    /// The 8-connected region of pixels with `central` ≥ `level` that holds pixel (cx, cy);
    /// empty when that pixel is below the level.
    public static func isophote(central: [Double], size: Int, level: Double, centre: (x: Int, y: Int)) -> [Bool] {
        var inside = [Bool](repeating: false, count: size * size)
        let cx = min(max(centre.x, 0), size - 1), cy = min(max(centre.y, 0), size - 1)
        guard central[cy * size + cx] >= level else { return inside }
        var stack = [cy * size + cx]
        inside[cy * size + cx] = true
        while let p = stack.popLast() {
            let x = p % size, y = p / size
            for dy in -1...1 {
                for dx in -1...1 where dx != 0 || dy != 0 {
                    let nx = x + dx, ny = y + dy
                    guard nx >= 0, nx < size, ny >= 0, ny < size else { continue }
                    let q = ny * size + nx
                    if !inside[q] && central[q] >= level { inside[q] = true; stack.append(q) }
                }
            }
        }
        return inside
    }

    /// The largest neighbour ÷ central ratio over the isophote (0 when it is empty).
    public static func maxRatio(neighbour: [Double], central: [Double], isophote: [Bool]) -> Double {
        var best = 0.0
        for p in isophote.indices where isophote[p] && central[p] > 0 { best = max(best, neighbour[p] / central[p]) }
        return best
    }

    /// Whether a largest ratio makes a blend.
    public static func isBlended(maxRatio: Double) -> Bool { maxRatio >= fraction }
}

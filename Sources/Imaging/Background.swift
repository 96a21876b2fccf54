import Foundation

/// A smooth background and background-noise map, estimated the way photutils' `Background2D`
/// does with a median estimator: sigma-clipped statistics in boxes, a median filter over the
/// grid of boxes, then interpolation back to full resolution.
public struct BackgroundEstimator: Codable, Equatable, Sendable {
    /// Box side in pixels for a 128-pixel image; scaled in proportion to the image size.
    public var boxSizeAt128: Int
    /// Side of the median filter applied to the grid of box values.
    public var filterSize: Int
    /// Sigma clipping: clip values further than `clipSigma` standard deviations from the
    /// median, at most `clipIterations` times (astropy's `SigmaClip` defaults: 3, 10).
    public var clipSigma: Double
    public var clipIterations: Int
    /// Boxes with more than this fraction of their pixels outside the image (partial boxes at
    /// the right and bottom edges, padded as photutils does) are excluded and filled in.
    public var excludeFraction: Double

    public init(boxSizeAt128: Int = 50, filterSize: Int = 3, clipSigma: Double = 3, clipIterations: Int = 10,
                excludeFraction: Double = 0.1) {
        self.boxSizeAt128 = boxSizeAt128
        self.filterSize = filterSize
        self.clipSigma = clipSigma
        self.clipIterations = clipIterations
        self.excludeFraction = excludeFraction
    }

    public static let paper = BackgroundEstimator()

    /// Background and RMS at full resolution.
    public struct Maps: Sendable {
        public var background: GreyImage
        public var rms: GreyImage
        /// The filtered low-resolution grids, row-major (gridHeight × gridWidth).
        public var boxBackground: [Double]
        public var boxRMS: [Double]
        public var gridWidth: Int
        public var gridHeight: Int
        public var boxSize: Int
    }

    /// Box side used for an image of this size.
    public func boxSize(width: Int, height: Int) -> Int {
        max(3, Int((Double(boxSizeAt128) * Double(max(width, height)) / 128).rounded()))
    }

    /// Median and standard deviation of `values` after iterative sigma clipping.
    public func clippedStatistics(_ values: inout [Float]) -> (median: Double, std: Double) {
        values.sort()
        let n = values.count
        guard n > 0 else { return (.nan, .nan) }
        // Clipping keeps a contiguous run of the sorted values, so prefix sums give each
        // iteration's mean and variance in O(1) and binary searches give the new run.
        var sum = [Double](repeating: 0, count: n + 1), sum2 = sum
        for i in 0..<n {
            let v = Double(values[i])
            sum[i + 1] = sum[i] + v
            sum2[i + 1] = sum2[i] + v * v
        }
        var lo = 0, hi = n
        func median() -> Double {
            let m = hi - lo
            return m % 2 == 1 ? Double(values[lo + m / 2]) : (Double(values[lo + m / 2 - 1]) + Double(values[lo + m / 2])) / 2
        }
        func std() -> Double {
            let m = Double(hi - lo)
            let mean = (sum[hi] - sum[lo]) / m
            return max(0, (sum2[hi] - sum2[lo]) / m - mean * mean).squareRoot()
        }
        for _ in 0..<clipIterations {
            let med = median(), s = std()
            let low = Float(med - clipSigma * s), high = Float(med + clipSigma * s)
            var newLo = lo, newHi = hi
            while newLo < newHi && values[newLo] < low { newLo += 1 }
            while newHi > newLo && values[newHi - 1] > high { newHi -= 1 }
            if (newLo == lo && newHi == hi) || newHi == newLo { break }
            lo = newLo
            hi = newHi
        }
        return (median(), std())
    }

    /// Estimates the background and its RMS.
    public func estimate(_ image: GreyImage) -> Maps {
        let W = image.width, H = image.height
        let box = boxSize(width: W, height: H)
        let gw = (W + box - 1) / box, gh = (H + box - 1) / box
        var bkg = [Double](repeating: .nan, count: gw * gh), rms = bkg
        var values: [Float] = []
        values.reserveCapacity(box * box)
        for by in 0..<gh {
            for bx in 0..<gw {
                let x0 = bx * box, y0 = by * box
                let x1 = min(W, x0 + box), y1 = min(H, y0 + box)
                let present = (x1 - x0) * (y1 - y0)
                if Double(box * box - present) > excludeFraction * Double(box * box) { continue }
                values.removeAll(keepingCapacity: true)
                for y in y0..<y1 { for x in x0..<x1 { values.append(image.pixels[y * W + x]) } }
                let s = clippedStatistics(&values)
                bkg[by * gw + bx] = s.median
                rms[by * gw + bx] = s.std
            }
        }
        bkg = Self.fillExcluded(bkg, width: gw, height: gh)
        rms = Self.fillExcluded(rms, width: gw, height: gh)
        bkg = Self.medianFilter(bkg, width: gw, height: gh, size: filterSize)
        rms = Self.medianFilter(rms, width: gw, height: gh, size: filterSize)
        return Maps(background: Self.upsample(bkg, gridWidth: gw, gridHeight: gh, box: box, width: W, height: H),
                    rms: Self.upsample(rms, gridWidth: gw, gridHeight: gh, box: box, width: W, height: H),
                    boxBackground: bkg, boxRMS: rms, gridWidth: gw, gridHeight: gh, boxSize: box)
    }

    /// Fills excluded (NaN) boxes by inverse-distance weighting (power 1) of the valid boxes,
    /// as photutils does with its Shepard interpolator. All excluded → zeros.
    static func fillExcluded(_ grid: [Double], width: Int, height: Int) -> [Double] {
        let valid = grid.indices.filter { !grid[$0].isNaN }
        guard !valid.isEmpty else { return grid.map { _ in 0 } }
        var out = grid
        for i in grid.indices where grid[i].isNaN {
            var num = 0.0, den = 0.0
            for j in valid {
                let dx = Double(i % width - j % width), dy = Double(i / width - j / width)
                let w = 1 / (dx * dx + dy * dy).squareRoot()
                num += w * grid[j]
                den += w
            }
            out[i] = num / den
        }
        return out
    }

    /// Median filter over the box grid; near the edges only the boxes inside the grid count.
    static func medianFilter(_ grid: [Double], width: Int, height: Int, size: Int) -> [Double] {
        let h = size / 2
        var out = grid
        var window: [Double] = []
        for y in 0..<height {
            for x in 0..<width {
                window.removeAll(keepingCapacity: true)
                for yy in max(0, y - h)...min(height - 1, y + h) {
                    for xx in max(0, x - h)...min(width - 1, x + h) { window.append(grid[yy * width + xx]) }
                }
                window.sort()
                let m = window.count
                out[y * width + x] = m % 2 == 1 ? window[m / 2] : (window[m / 2 - 1] + window[m / 2]) / 2
            }
        }
        return out
    }

    /// Bilinear interpolation between box centres, constant beyond the outermost centres.
    static func upsample(_ grid: [Double], gridWidth gw: Int, gridHeight gh: Int, box: Int, width W: Int, height H: Int) -> GreyImage {
        func axis(_ p: Int, _ n: Int) -> (Int, Int, Double) {
            let g = (Double(p) + 0.5) / Double(box) - 0.5          // position in box-centre units
            if g <= 0 || n == 1 { return (0, 0, 0) }
            if g >= Double(n - 1) { return (n - 1, n - 1, 0) }
            let i = Int(g)
            return (i, i + 1, g - Double(i))
        }
        var out = GreyImage(width: W, height: H)
        let xs = (0..<W).map { axis($0, gw) }
        for y in 0..<H {
            let (y0, y1, fy) = axis(y, gh)
            for x in 0..<W {
                let (x0, x1, fx) = xs[x]
                let top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x1] * fx
                let bottom = grid[y1 * gw + x0] * (1 - fx) + grid[y1 * gw + x1] * fx
                out.pixels[y * W + x] = Float(top * (1 - fy) + bottom * fy)
            }
        }
        return out
    }
}

/// Why an image was turned away by the image stage. `reason` goes into the output catalog.
public struct ImagingRejection: Error, Equatable, CustomStringConvertible, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }

    public static let empty = ImagingRejection("empty")
    public static let noCentralEllipse = ImagingRejection("no central ellipse")
    public static let blended = ImagingRejection("blended")
    public static let noSource = ImagingRejection("no source")
    public static func tooSmall(width: Int, height: Int, minimum: Int) -> ImagingRejection {
        ImagingRejection("image \(width)×\(height) px is smaller than the \(minimum) px per side the image stage needs")
    }
}

/// Iterative ("isodata") threshold selection of Ridler & Calvard (1978): start halfway
/// between the extreme grey levels, then repeatedly set the threshold halfway between the
/// mean of the pixels above it (foreground) and the mean of those at or below it
/// (background), until it moves by less than `tolerance`.
public struct IterativeThreshold: Codable, Equatable, Sendable {
    /// Stop when the threshold changes by less than this (on the [0, 1] grey scale). The
    /// authors stopped at 36 on the 0–255 scale, i.e. 36/255.
    public var tolerance: Float
    /// Safety bound; the iteration converges in a handful of steps in practice.
    public var maxIterations: Int

    public init(tolerance: Float = 36.0 / 255.0, maxIterations: Int = 100) {
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    public static let paper = IterativeThreshold()

    /// The converged threshold. Throws `.empty` when either class is empty (a flat image).
    public func threshold(of image: GreyImage) throws -> Float {
        try threshold(of: image.pixels)
    }

    /// The converged threshold of a list of grey values.
    public func threshold(of values: [Float]) throws -> Float {
        guard var lo = values.first else { throw ImagingRejection.empty }
        var hi = lo
        for v in values { lo = min(lo, v); hi = max(hi, v) }
        var t = (lo + hi) / 2
        for _ in 0..<maxIterations {
            var sumF = 0.0, nF = 0, sumB = 0.0, nB = 0
            values.withUnsafeBufferPointer { p in
                for v in p {
                    if v > t { sumF += Double(v); nF &+= 1 } else { sumB += Double(v); nB &+= 1 }
                }
            }
            guard nF > 0, nB > 0 else { throw ImagingRejection.empty }
            let next = Float((sumF / Double(nF) + sumB / Double(nB)) / 2)
            let change = abs(next - t)
            t = next
            if change < tolerance { break }
        }
        return t
    }
}

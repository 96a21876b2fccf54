import Foundation

/// What the interval width of a galaxy may depend on: things known when it is predicted,
/// chosen because astronomers expect them to make a galaxy harder — low S/N, a small angular
/// size, labels in the tails of the distribution, and inputs unlike the training set.
public struct DifficultyDescriptors: Sendable, Equatable {
    /// The model's own prediction, min–max scaled as in training (0…1 over the dataset).
    public var scaledPrediction: [Double]
    /// Angular size of the galaxy in the raw cutout, in pixels (see `cropSize`).
    public var cropSize: Double
    /// Mean value of the galaxy's non-black pixels (0…255): surface brightness.
    public var brightness: Double
    /// The Mahalanobis OOD score of the image features.
    public var oodScore: Double
    /// The r-band S/N of the spectrum, where known (nil: predicted from the image alone
    /// without a catalog S/N).
    public var snr: Double?

    public init(scaledPrediction: [Double], cropSize: Double, brightness: Double, oodScore: Double, snr: Double?) {
        self.scaledPrediction = scaledPrediction
        self.cropSize = cropSize
        self.brightness = brightness
        self.oodScore = oodScore
        self.snr = snr
    }

    /// Names of the entries of `vector(…)`, in order (recorded with the calibration).
    public static func names(image: Bool, snr: Bool) -> [String] {
        ["log age tail (t−½)²", "[M/H] tail (t−½)²", "scaled log age", "scaled [M/H]"]
            + (image ? ["log crop size", "log brightness", "log OOD score"] : []) + (snr ? ["log S/N"] : [])
    }

    /// The regression inputs of the difficulty model: prediction tails always, image terms for
    /// models that read the image, log S/N when it is known and asked for.
    public func vector(image: Bool, snr useSNR: Bool) -> [Double] {
        let t = scaledPrediction.map { $0 - 0.5 }
        var v = [t[0] * t[0], t[1] * t[1], t[0], t[1]]
        if image { v += [log(max(cropSize, 1)), log(max(brightness, 1)), log(max(oodScore, 1e-3))] }
        if useSNR { v.append(log(max(snr ?? 1, 1))) }
        return v
    }

    /// The side of the box the image stage cropped the galaxy to before its nearest-neighbour
    /// resize, recovered from the resized image: upsampling w → S pixels repeats columns, so
    /// the number of distinct consecutive columns (rows) is w (h) when w < S, and S when the
    /// galaxy was larger than the output. Returns √(w·h): the galaxy's angular size in raw
    /// pixels, capped at the image size.
    public static func cropSize<C: RandomAccessCollection>(image: C, size: Int, channels: Int) -> Double
    where C.Element == UInt8, C.Index == Int {
        let base = image.startIndex
        func pixel(_ y: Int, _ x: Int, _ c: Int) -> UInt8 { image[base + (y * size + x) * channels + c] }
        var columns = 1, rows = 1
        for x in 1..<max(size, 1) {
            if (0..<size).contains(where: { y in (0..<channels).contains { pixel(y, x, $0) != pixel(y, x - 1, $0) } }) { columns += 1 }
        }
        for y in 1..<max(size, 1) {
            if (0..<size).contains(where: { x in (0..<channels).contains { pixel(y, x, $0) != pixel(y - 1, x, $0) } }) { rows += 1 }
        }
        return sqrt(Double(columns * rows))
    }

    /// Mean of the non-zero bytes (the mask leaves the background at 0); 0 for a black image.
    public static func brightness<C: Collection>(image: C) -> Double where C.Element == UInt8 {
        var sum = 0, n = 0
        for v in image where v > 0 { sum += Int(v); n += 1 }
        return n > 0 ? Double(sum) / Double(n) : 0
    }
}

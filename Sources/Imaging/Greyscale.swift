import SurveyIO

/// A single-channel float image, rows top to bottom: `pixels[y * width + x]`.
public struct GreyImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height, "GreyImage needs width × height values")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with `value`.
    public init(width: Int, height: Int, value: Float = 0) {
        self.init(width: width, height: height, pixels: [Float](repeating: value, count: width * height))
    }

    /// Value at (`x`, `y`), x to the right, y down.
    @inlinable public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    public var count: Int { pixels.count }
}

/// Greyscale conversion as the authors' pipeline does it: scale the 8-bit image to [0, 1],
/// then weight the channels like OpenCV's `COLOR_RGB2GRAY` (ITU-R BT.601 luma).
public enum Greyscale {
    public static let weightR: Float = 0.299
    public static let weightG: Float = 0.587
    public static let weightB: Float = 0.114

    /// Greyscale of an RGB image on the [0, 1] scale (0.299 R + 0.587 G + 0.114 B) / 255.
    public static func convert(_ image: RGBImage) -> GreyImage {
        var out = [Float](repeating: 0, count: image.width * image.height)
        let scale: Float = 1 / 255
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    let r = Float(src[i &* 3]), g = Float(src[i &* 3 &+ 1]), b = Float(src[i &* 3 &+ 2])
                    dst[i] = (weightR * r + weightG * g + weightB * b) * scale
                }
            }
        }
        return GreyImage(width: image.width, height: image.height, pixels: out)
    }
}

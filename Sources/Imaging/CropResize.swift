import SurveyIO

/// Cropping to the unmasked galaxy and nearest-neighbour resizing.
public enum CropResize {
    /// Bounding box (inclusive) of pixels with any non-zero channel; nil for an all-black image.
    public static func nonBlackBounds(_ image: RGBImage) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        var x0 = Int.max, y0 = Int.max, x1 = -1, y1 = -1
        for y in 0..<image.height {
            for x in 0..<image.width {
                let i = (y * image.width + x) * 3
                if image.pixels[i] != 0 || image.pixels[i + 1] != 0 || image.pixels[i + 2] != 0 {
                    x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
                }
            }
        }
        return x1 < 0 ? nil : (x0, y0, x1, y1)
    }

    /// The rectangle [x0, x1] × [y0, y1] (inclusive) of `image`.
    public static func crop(_ image: RGBImage, x0: Int, y0: Int, x1: Int, y1: Int) -> RGBImage {
        let w = x1 - x0 + 1, h = y1 - y0 + 1
        var out = RGBImage(width: w, height: h)
        for y in 0..<h {
            let src = ((y0 + y) * image.width + x0) * 3
            out.pixels.replaceSubrange((y * w * 3)..<((y + 1) * w * 3), with: image.pixels[src..<(src + w * 3)])
        }
        return out
    }

    /// Nearest-neighbour resize with OpenCV's `INTER_NEAREST` rule: destination pixel d takes
    /// source pixel ⌊d · (source size / destination size)⌋.
    public static func resizeNearest(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        var out = RGBImage(width: width, height: height)
        let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
        let xs = (0..<width).map { min(image.width - 1, Int((Double($0) * sx).rounded(.down))) }
        for y in 0..<height {
            let yy = min(image.height - 1, Int((Double(y) * sy).rounded(.down)))
            for x in 0..<width {
                let s = (yy * image.width + xs[x]) * 3, d = (y * width + x) * 3
                out.pixels[d] = image.pixels[s]
                out.pixels[d + 1] = image.pixels[s + 1]
                out.pixels[d + 2] = image.pixels[s + 2]
            }
        }
        return out
    }
}

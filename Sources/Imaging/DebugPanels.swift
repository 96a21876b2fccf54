import Foundation
import SurveyIO

/// Debug panels like the paper's Fig. 3: the original cutout, the masked image with the
/// fitted ellipse (green) and the masking ellipse (yellow) drawn, and the final image or,
/// for a rejection, the detected sources in false colour under a red bar.
public enum DebugPanels {
    /// Builds the three-panel image (3 × width + 2 × gap wide).
    public static func panel(original: RGBImage, outcome: ImageOutcome, ellipseScale: Double, gap: Int = 4) -> RGBImage {
        let W = original.width, H = original.height
        var out = RGBImage(width: 3 * W + 2 * gap, height: H)
        for i in stride(from: 0, to: out.pixels.count, by: 3) { out.pixels[i] = 255; out.pixels[i + 1] = 255; out.pixels[i + 2] = 255 }
        blit(original, into: &out, atX: 0)
        var middle = outcome.masked ?? original
        if let e = outcome.ellipse {
            draw(e, scale: 1, on: &middle, colour: (0, 255, 0))
            draw(e, scale: ellipseScale, on: &middle, colour: (255, 255, 0))
        }
        blit(middle, into: &out, atX: W + gap)
        var right: RGBImage
        if let final = outcome.final {
            right = CropResize.resizeNearest(final, width: W, height: H)
        } else {
            right = RGBImage(width: W, height: H)
            if let s = outcome.sources, s.width == W, s.height == H {
                for p in 0..<(W * H) where s.labels[p] > 0 {
                    let c = colour(of: Int(s.labels[p]))
                    right.pixels[p * 3] = c.0; right.pixels[p * 3 + 1] = c.1; right.pixels[p * 3 + 2] = c.2
                }
            }
            // A red bar across the top marks a rejection (the reason is in the file name).
            // At most the image's height: a 1-px strip gets a 1-px bar (a 2-px bar trapped).
            for y in 0..<min(H, max(2, H / 12)) { for x in 0..<W { right[x, y, 0] = 220; right[x, y, 1] = 0; right[x, y, 2] = 0 } }
        }
        blit(right, into: &out, atX: 2 * (W + gap))
        return out
    }

    /// A file-name-safe form of a rejection reason ("no central ellipse" → "no-central-ellipse").
    public static func slug(_ reason: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789")
        var s = ""
        for ch in reason.lowercased() { s.append(allowed.contains(ch) ? ch : "-") }
        while s.contains("--") { s = s.replacingOccurrences(of: "--", with: "-") }
        return String(s.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(40))
    }

    static func blit(_ image: RGBImage, into out: inout RGBImage, atX x0: Int) {
        for y in 0..<min(image.height, out.height) {
            for x in 0..<image.width where x0 + x < out.width {
                for c in 0..<3 { out[x0 + x, y, c] = image[x, y, c] }
            }
        }
    }

    static func draw(_ e: Ellipse, scale: Double, on image: inout RGBImage, colour: (UInt8, UInt8, UInt8)) {
        let scaled = Ellipse(centerX: e.centerX, centerY: e.centerY, semiMajor: e.semiMajor * scale,
                             semiMinor: e.semiMinor * scale, angleRadians: e.angleRadians)
        let steps = max(64, Int(8 * scaled.semiMajor))
        for k in 0..<steps {
            let p = scaled.point(at: 2 * Double.pi * Double(k) / Double(steps))
            let x = Int(p.x.rounded()), y = Int(p.y.rounded())
            guard x >= 0, y >= 0, x < image.width, y < image.height else { continue }
            image[x, y, 0] = colour.0; image[x, y, 1] = colour.1; image[x, y, 2] = colour.2
        }
    }

    static func colour(of label: Int) -> (UInt8, UInt8, UInt8) {
        let palette: [(UInt8, UInt8, UInt8)] = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
                                                (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230)]
        return palette[(label - 1) % palette.count]
    }
}

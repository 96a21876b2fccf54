import SurveyIO

/// Which SDSS bands go into the output (paper Appendix A). The cutouts map i → R, r → G,
/// g → B; kept channels stay in that R, G, B order, so `gri` is the image unchanged.
public enum Bands: String, CaseIterable, Codable, Sendable {
    case g, r, i, gr, gi, ri, gri

    /// RGB channel indices kept, ascending (0 = R = i, 1 = G = r, 2 = B = g).
    public var channels: [Int] {
        var c: [Int] = []
        if rawValue.contains("i") { c.append(0) }
        if rawValue.contains("r") { c.append(1) }
        if rawValue.contains("g") { c.append(2) }
        return c
    }

    /// Band names in output channel order, e.g. ["i", "r", "g"].
    public var channelBands: [String] { channels.map { ["i", "r", "g"][$0] } }

    /// The image as height × width × channels bytes.
    public func extract(_ image: RGBImage) -> [UInt8] {
        let ch = channels
        if ch.count == 3 { return image.pixels }
        var out = [UInt8](repeating: 0, count: image.width * image.height * ch.count)
        var k = 0
        for p in 0..<(image.width * image.height) {
            for c in ch { out[k] = image.pixels[p * 3 + c]; k += 1 }
        }
        return out
    }
}

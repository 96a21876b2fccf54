import Foundation

extension RGBImage {
    /// Tiles images (scaled to `tile`×`tile` by nearest neighbour) into a grid with `columns`
    /// columns and a `gap`-pixel white border, for quick looks and the README.
    public static func montage(_ images: [RGBImage], columns: Int, tile: Int = 128, gap: Int = 4) -> RGBImage {
        let rows = (images.count + columns - 1) / max(columns, 1)
        let w = columns * tile + (columns + 1) * gap, h = rows * tile + (rows + 1) * gap
        var out = RGBImage(width: w, height: h, pixels: [UInt8](repeating: 255, count: w * h * 3))
        for (k, img) in images.enumerated() {
            let ox = gap + (k % columns) * (tile + gap), oy = gap + (k / columns) * (tile + gap)
            for y in 0..<tile {
                for x in 0..<tile {
                    let sx = x * img.width / tile, sy = y * img.height / tile
                    for c in 0..<3 { out[ox + x, oy + y, c] = img[sx, sy, c] }
                }
            }
        }
        return out
    }
}

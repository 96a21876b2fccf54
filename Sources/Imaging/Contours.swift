/// A pixel position, x to the right, y down.
public struct PixelPoint: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int
    public init(_ x: Int, _ y: Int) { self.x = x; self.y = y }
}

/// Outer boundaries of the objects in a binary image.
///
/// The authors ran an edge detector on the binary image and then OpenCV's `findContours`
/// (external contours only). The edges of a binary image are the border pixels of its
/// objects, so this traces the outer border of each 8-connected object directly, with the
/// border-following rule of Suzuki & Abe (1985, Sect. 3.1): start at the object's first pixel
/// in raster order (its left neighbour is background), look clockwise for the first object
/// pixel, then walk counter-clockwise around each border pixel until the walk returns to
/// the start with the same next pixel. Objects lying inside a hole of another object are not
/// reported, as with OpenCV's `RETR_EXTERNAL`.
public enum Contours {
    /// The eight neighbours, counter-clockwise in image coordinates starting at the right
    /// neighbour (0: right, 1: up-right, 2: up, 3: up-left, 4: left, 5: down-left, …).
    static let dx = [1, 1, 0, -1, -1, -1, 0, 1]
    static let dy = [0, -1, -1, -1, 0, 1, 1, 1]

    /// External contours, one per outermost 8-connected object, each a closed list of
    /// border pixels (first point not repeated at the end).
    public static func external(_ mask: [Bool], width: Int, height: Int) -> [[PixelPoint]] {
        let objects = ConnectedComponents.label(mask, width: width, height: height)
        guard objects.count > 0 else { return [] }
        // An object is "outer" when the flood of background from the image border reaches it:
        // that is, when it touches a background pixel connected (4-connected, the dual of
        // 8-connected foreground) to the border, or the border itself.
        var outside = [Bool](repeating: false, count: mask.count)
        var stack: [Int] = []
        for x in 0..<width { for y in [0, height - 1] where !mask[y * width + x] && !outside[y * width + x] { outside[y * width + x] = true; stack.append(y * width + x) } }
        for y in 0..<height { for x in [0, width - 1] where !mask[y * width + x] && !outside[y * width + x] { outside[y * width + x] = true; stack.append(y * width + x) } }
        while let p = stack.popLast() {
            let x = p % width, y = p / width
            for (ddx, ddy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let xx = x + ddx, yy = y + ddy
                guard xx >= 0, xx < width, yy >= 0, yy < height else { continue }
                let q = yy * width + xx
                if !mask[q] && !outside[q] { outside[q] = true; stack.append(q) }
            }
        }
        var isOuter = [Bool](repeating: false, count: objects.count + 1)
        var firstPixel = [Int](repeating: -1, count: objects.count + 1)
        for p in 0..<mask.count {
            let l = Int(objects.labels[p])
            guard l > 0 else { continue }
            if firstPixel[l] < 0 { firstPixel[l] = p }
            if isOuter[l] { continue }
            let x = p % width, y = p / width
            if x == 0 || y == 0 || x == width - 1 || y == height - 1 { isOuter[l] = true; continue }
            for (ddx, ddy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] where outside[(y + ddy) * width + x + ddx] {
                isOuter[l] = true
                break
            }
        }
        var contours: [[PixelPoint]] = []
        for l in 1...objects.count where isOuter[l] {
            let p = firstPixel[l]
            contours.append(trace(labels: objects.labels, label: Int32(l), width: width, height: height,
                                  start: PixelPoint(p % width, p / width)))
        }
        return contours
    }

    /// Follows the outer border of the object `label` from `start`, its first pixel in raster
    /// order (so the left neighbour, direction 4, is background).
    static func trace(labels: [Int32], label: Int32, width: Int, height: Int, start: PixelPoint) -> [PixelPoint] {
        func inside(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] == label
        }
        // Clockwise search from the left neighbour for the first object pixel.
        var first: Int? = nil
        for k in 0..<8 {
            let d = (4 - k + 8) % 8
            if inside(start.x + dx[d], start.y + dy[d]) { first = d; break }
        }
        guard let d1 = first else { return [start] }   // an isolated pixel
        let p1 = PixelPoint(start.x + dx[d1], start.y + dy[d1])
        var contour: [PixelPoint] = []
        var current = start
        var cameFrom = d1                                // direction from current to previous
        while true {
            // Counter-clockwise around `current`, starting just after the previous pixel.
            var next = current
            var dNext = cameFrom
            for k in 1...8 {
                let d = (cameFrom + k) % 8
                if inside(current.x + dx[d], current.y + dy[d]) {
                    next = PixelPoint(current.x + dx[d], current.y + dy[d])
                    dNext = d
                    break
                }
            }
            contour.append(current)
            if next == start && current == p1 { break }
            if contour.count > 4 * width * height { break }   // cannot happen; guards a bug
            cameFrom = (dNext + 4) % 8
            current = next
        }
        return contour
    }
}

import Foundation

/// Canny's (1986) edge detector as the authors applied it to their binary image before
/// tracing contours: 3×3 Sobel gradients (borders replicated), L1 gradient magnitude
/// |gx| + |gy|, non-maximum suppression across the edge with the direction quantised to
/// 0°, 45°, 90° or 135°, and hysteresis between two thresholds (the authors: 30 and 90, on the
/// 0–255 scale). The edges matter for the ellipse: on a binary image they lie on the object's
/// border on one side and one pixel outside it on the other, and the rings of two objects a
/// pixel or two apart can touch and become one contour.
public struct CannyEdges: Codable, Equatable, Sendable {
    public var lowThreshold: Float
    public var highThreshold: Float

    public init(lowThreshold: Float = 30, highThreshold: Float = 90) {
        self.lowThreshold = lowThreshold
        self.highThreshold = highThreshold
    }

    /// The authors' thresholds, `cv2.Canny(binary, 30, 90)`.
    public static let paper = CannyEdges()

    /// Edge pixels of an image given on the 0–255 scale (row-major).
    public func edges(_ values: [Float], width W: Int, height H: Int) -> [Bool] {
        precondition(values.count == W * H)
        var gx = [Float](repeating: 0, count: W * H), gy = gx, mag = gx
        values.withUnsafeBufferPointer { v in
            func at(_ x: Int, _ y: Int) -> Float { v[min(H - 1, max(0, y)) &* W &+ min(W - 1, max(0, x))] }
            for y in 0..<H {
                for x in 0..<W {
                    let a = at(x - 1, y - 1), b = at(x, y - 1), c = at(x + 1, y - 1)
                    let d = at(x - 1, y), f = at(x + 1, y)
                    let g = at(x - 1, y + 1), h = at(x, y + 1), k = at(x + 1, y + 1)
                    let sx = (c + 2 * f + k) - (a + 2 * d + g)
                    let sy = (g + 2 * h + k) - (a + 2 * b + c)
                    let i = y &* W &+ x
                    gx[i] = sx; gy[i] = sy; mag[i] = abs(sx) + abs(sy)
                }
            }
        }
        // Non-maximum suppression: a pixel survives when its magnitude beats the neighbour
        // behind it along the gradient and is at least that of the one ahead, so of two equal
        // pixels straddling a step exactly one survives.
        let tan22 = Float(tan(Double.pi / 8)), tan67 = Float(tan(3 * Double.pi / 8))
        var state = [UInt8](repeating: 0, count: W * H)  // 0 none, 1 weak, 2 strong
        func m(_ x: Int, _ y: Int) -> Float { (x < 0 || x >= W || y < 0 || y >= H) ? 0 : mag[y * W + x] }
        for y in 0..<H {
            for x in 0..<W {
                let i = y * W + x, v = mag[i]
                guard v > lowThreshold else { continue }
                let ax = abs(gx[i]), ay = abs(gy[i])
                let (bx, by): (Int, Int)
                if ay <= ax * tan22 { (bx, by) = (-1, 0) }
                else if ay >= ax * tan67 { (bx, by) = (0, -1) }
                else { (bx, by) = gx[i] * gy[i] > 0 ? (-1, -1) : (1, -1) }
                guard v > m(x + bx, y + by), v >= m(x - bx, y - by) else { continue }
                state[i] = v > highThreshold ? 2 : 1
            }
        }
        // Hysteresis: weak pixels survive when 8-connected to a strong one.
        var edge = [Bool](repeating: false, count: W * H)
        var stack: [Int] = []
        for i in 0..<(W * H) where state[i] == 2 { edge[i] = true; stack.append(i) }
        while let i = stack.popLast() {
            let x = i % W, y = i / W
            for dy in -1...1 {
                for dx in -1...1 where dx != 0 || dy != 0 {
                    let xx = x + dx, yy = y + dy
                    guard xx >= 0, xx < W, yy >= 0, yy < H else { continue }
                    let j = yy * W + xx
                    if state[j] == 1 && !edge[j] { edge[j] = true; stack.append(j) }
                }
            }
        }
        return edge
    }

    /// Edges of a binary image drawn as 0 / 255, as `cv2.threshold(..., 255, THRESH_BINARY)` gives.
    public func edges(binary: [Bool], width: Int, height: Int) -> [Bool] {
        edges(binary.map { $0 ? 255 : 0 }, width: width, height: height)
    }
}

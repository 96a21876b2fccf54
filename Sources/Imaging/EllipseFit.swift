import COpenBLAS
import Foundation

/// An ellipse in pixel coordinates (x to the right, y down).
public struct Ellipse: Codable, Equatable, Sendable {
    public var centerX: Double
    public var centerY: Double
    /// Semi-major and semi-minor axes in pixels (semiMajor ≥ semiMinor).
    public var semiMajor: Double
    public var semiMinor: Double
    /// Angle of the major axis from +x towards +y, in radians, in (-π/2, π/2].
    public var angleRadians: Double

    public init(centerX: Double, centerY: Double, semiMajor: Double, semiMinor: Double, angleRadians: Double) {
        self.centerX = centerX
        self.centerY = centerY
        self.semiMajor = semiMajor
        self.semiMinor = semiMinor
        self.angleRadians = angleRadians
    }

    /// True when (x, y) lies inside or on the ellipse with both axes multiplied by `scale`.
    @inlinable public func contains(x: Double, y: Double, scale: Double = 1) -> Bool {
        let c = cos(angleRadians), s = sin(angleRadians)
        let u = (x - centerX) * c + (y - centerY) * s
        let v = -(x - centerX) * s + (y - centerY) * c
        let a = semiMajor * scale, b = semiMinor * scale
        return (u * u) / (a * a) + (v * v) / (b * b) <= 1
    }

    /// The point at parameter t (radians) on the ellipse.
    public func point(at t: Double) -> (x: Double, y: Double) {
        let c = cos(angleRadians), s = sin(angleRadians)
        let u = semiMajor * cos(t), v = semiMinor * sin(t)
        return (centerX + u * c - v * s, centerY + u * s + v * c)
    }

    public var area: Double { Double.pi * semiMajor * semiMinor }

    /// Finite, of non-zero area, and not absurdly larger than a `width` × `height` image
    /// (nearly collinear contour points fit "ellipses" with axes of 10¹⁵ px or centres far
    /// outside, whose masks and integer conversions the stage cannot use).
    public func isUsable(within width: Int, _ height: Int) -> Bool {
        let limit = 100 * Double(max(width, height))
        return [centerX, centerY, semiMajor, semiMinor, angleRadians].allSatisfy(\.isFinite)
            && semiMinor > 0 && semiMajor > 0 && semiMajor < limit && abs(centerX) < limit && abs(centerY) < limit
    }
}

/// Direct least-squares ellipse fitting (Fitzgibbon, Pilu & Fisher 1999), in the numerically
/// stable form of Halíř & Flusser (1998): the conic a x² + b xy + c y² + d x + e y + f = 0
/// minimising the algebraic distance subject to 4ac − b² = 1. This is the method behind
/// OpenCV's `fitEllipse`. The 3 × 3 eigenproblem and the linear solve use LAPACK.
public enum EllipseFit {
    /// Fits an ellipse to at least 5 points; nil when the points do not determine one
    /// (collinear points, a degenerate conic).
    public static func fit(_ points: [(x: Double, y: Double)]) -> Ellipse? {
        let n = points.count
        guard n >= 5 else { return nil }
        // Centre and scale the points first: the scatter matrices then stay well conditioned.
        let mx = points.reduce(0) { $0 + $1.x } / Double(n)
        let my = points.reduce(0) { $0 + $1.y } / Double(n)
        var scale = 0.0
        for p in points { scale += (p.x - mx) * (p.x - mx) + (p.y - my) * (p.y - my) }
        scale = (scale / Double(n)).squareRoot()
        guard scale > 0 else { return nil }

        // Scatter matrices S1 = D1ᵀD1, S2 = D1ᵀD2, S3 = D2ᵀD2 with D1 = [x², xy, y²], D2 = [x, y, 1].
        var s1 = [Double](repeating: 0, count: 9), s2 = s1, s3 = s1
        for p in points {
            let x = (p.x - mx) / scale, y = (p.y - my) / scale
            let d1 = [x * x, x * y, y * y], d2 = [x, y, 1.0]
            for i in 0..<3 {
                for j in 0..<3 {
                    s1[i * 3 + j] += d1[i] * d1[j]
                    s2[i * 3 + j] += d1[i] * d2[j]
                    s3[i * 3 + j] += d2[i] * d2[j]
                }
            }
        }
        // T = −S3⁻¹ S2ᵀ (solve S3 T = −S2ᵀ).
        var t = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { t[i * 3 + j] = -s2[j * 3 + i] } }
        var a3 = s3
        var ipiv = [Int32](repeating: 0, count: 3)
        guard LAPACKE_dgesv(LAPACK_ROW_MAJOR, 3, 3, &a3, 3, &ipiv, &t, 3) == 0 else { return nil }
        // M = C1⁻¹ (S1 + S2 T), with C1⁻¹ acting on rows: [M₂/2, −M₁, M₀/2].
        var m = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                var v = s1[i * 3 + j]
                for k in 0..<3 { v += s2[i * 3 + k] * t[k * 3 + j] }
                m[i * 3 + j] = v
            }
        }
        var cm = [Double](repeating: 0, count: 9)
        for j in 0..<3 {
            cm[0 * 3 + j] = m[2 * 3 + j] / 2
            cm[1 * 3 + j] = -m[1 * 3 + j]
            cm[2 * 3 + j] = m[0 * 3 + j] / 2
        }
        var wr = [Double](repeating: 0, count: 3), wi = wr
        var vr = [Double](repeating: 0, count: 9)
        var vl = [Double](repeating: 0, count: 1)
        guard LAPACKE_dgeev(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "V")), 3, &cm, 3,
                            &wr, &wi, &vl, 1, &vr, 3) == 0 else { return nil }
        // The ellipse is the eigenvector with 4ac − b² > 0 (exactly one for an ellipse).
        var best: [Double]? = nil
        var bestCond = 0.0
        for k in 0..<3 where abs(wi[k]) <= 1e-12 * max(1, abs(wr[k])) {
            let v = [vr[0 * 3 + k], vr[1 * 3 + k], vr[2 * 3 + k]]
            let cond = 4 * v[0] * v[2] - v[1] * v[1]
            if cond > bestCond { bestCond = cond; best = v }
        }
        guard let a1 = best else { return nil }
        var a2 = [0.0, 0.0, 0.0]
        for i in 0..<3 { for k in 0..<3 { a2[i] += t[i * 3 + k] * a1[k] } }
        guard let e = geometry(a: a1[0], b: a1[1], c: a1[2], d: a2[0], e: a2[1], f: a2[2]) else { return nil }
        return Ellipse(centerX: e.centerX * scale + mx, centerY: e.centerY * scale + my,
                       semiMajor: e.semiMajor * scale, semiMinor: e.semiMinor * scale, angleRadians: e.angleRadians)
    }

    /// Convenience for integer contour points.
    public static func fit(_ contour: [PixelPoint]) -> Ellipse? {
        fit(contour.map { (x: Double($0.x), y: Double($0.y)) })
    }

    /// Centre, semi-axes and orientation of the conic a x² + b xy + c y² + d x + e y + f = 0.
    static func geometry(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) -> Ellipse? {
        // The conic's overall sign is arbitrary; make the quadratic part positive definite.
        if a + c < 0 { return geometry(a: -a, b: -b, c: -c, d: -d, e: -e, f: -f) }
        let det = 4 * a * c - b * b
        guard det > 0 else { return nil }
        let x0 = (b * e - 2 * c * d) / det
        let y0 = (b * d - 2 * a * e) / det
        // Value of the conic at the centre; in centred coordinates uᵀ A u = −f0, A = [[a, b/2], [b/2, c]].
        let f0 = a * x0 * x0 + b * x0 * y0 + c * y0 * y0 + d * x0 + e * y0 + f
        let mean = (a + c) / 2, diff = ((a - c) * (a - c) / 4 + b * b / 4).squareRoot()
        let l1 = mean - diff, l2 = mean + diff          // eigenvalues of A, l1 ≤ l2
        guard l1 * l2 > 0, -f0 / l1 > 0, -f0 / l2 > 0 else { return nil }
        let major = (-f0 / l1).squareRoot(), minor = (-f0 / l2).squareRoot()
        // The major axis is the eigenvector of the smaller eigenvalue l1.
        var angle: Double
        if abs(b) < 1e-15 * max(abs(a), abs(c)) {
            angle = a <= c ? 0 : Double.pi / 2
        } else {
            angle = atan2(l1 - a, b / 2)
        }
        if angle > Double.pi / 2 { angle -= Double.pi }
        if angle <= -Double.pi / 2 { angle += Double.pi }
        return Ellipse(centerX: x0, centerY: y0, semiMajor: major, semiMinor: minor, angleRadians: angle)
    }
}

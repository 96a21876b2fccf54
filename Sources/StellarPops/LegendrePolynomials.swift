import Foundation

/// Legendre polynomials P₀…P_degree on `count` pixels mapped linearly onto x ∈ [−1, 1]
/// (first pixel −1, last +1), by Bonnet's recursion (n+1)P_{n+1} = (2n+1)xP_n − nP_{n−1}.
/// The multiplicative and additive continuum corrections of the fit use them because they
/// are nearly orthogonal over the fitted pixels, so their coefficients are well conditioned.
public struct LegendreBasis: Sendable {
    public let degree: Int
    public let count: Int
    /// `values[m]` is P_m at every pixel.
    public let values: [[Double]]

    public init(degree: Int, count: Int) {
        precondition(degree >= 0 && count >= 2)
        self.degree = degree
        self.count = count
        let x = (0..<count).map { -1 + 2 * Double($0) / Double(count - 1) }
        var v: [[Double]] = [[Double](repeating: 1, count: count)]
        if degree >= 1 { v.append(x) }
        if degree >= 2 {
            for n in 1..<degree {
                let a = Double(2 * n + 1), b = Double(n), c = Double(n + 1)
                v.append((0..<count).map { (a * x[$0] * v[n][$0] - b * v[n - 1][$0]) / c })
            }
        }
        values = v
    }
}

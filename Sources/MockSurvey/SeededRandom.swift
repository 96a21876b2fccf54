import Foundation

/// A small, fast, reproducible random generator (xoshiro256**, Blackman & Vigna 2018) seeded
/// through SplitMix64. Each galaxy gets its own stream from (survey seed, galaxy index), so the
/// survey is identical for one seed whatever the number of threads or the order of work.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64, stream: UInt64 = 0) {
        var x = seed &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    /// Standard normal (Box–Muller; one value per call keeps the stream simple to reason about).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Normal with mean `mu` and standard deviation `sigma`.
    public mutating func normal(_ mu: Double, _ sigma: Double) -> Double { mu + sigma * normal() }

    /// Poisson-distributed count (Knuth's method; fine for the small means used here).
    public mutating func poisson(_ mean: Double) -> Int {
        let l = exp(-mean)
        var k = 0, p = 1.0
        repeat { k += 1; p *= uniform() } while p > l
        return k - 1
    }
}

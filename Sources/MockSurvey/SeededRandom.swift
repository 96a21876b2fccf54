import Foundation
import Randomness

/// A small, fast, reproducible random generator (xoshiro256**, Blackman & Vigna 2018) seeded
/// through the project's SplitMix64. Each galaxy gets its own stream from (survey seed, galaxy
/// index), so the survey is identical for one seed whatever the number of threads or the order
/// of work. (xoshiro kept rather than SplitMix64 alone: every simulated survey and the figures
/// measured on them come from these streams, and `truth.csv` must stay byte-identical for a seed.)
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// The four state words are SplitMix64's first four outputs from seed + φ·(stream + 1)
    /// (φ = SplitMix64's increment), so consecutive streams start far apart.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var seeding = SplitMix64(seed: seed &+ SplitMix64.increment &* (stream &+ 1))
        s = (seeding.next(), seeding.next(), seeding.next(), seeding.next())
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

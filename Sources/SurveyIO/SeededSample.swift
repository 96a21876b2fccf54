import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose stream depends only on its
/// seed, on every platform, so a seeded sample is the same everywhere. NeuralNet (`SeededRNG`)
/// and MockSurvey (`SeededRandom`'s seeding) carry the same recurrence; this is SurveyIO's, for
/// the stages left of them in the layout.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<bound, without modulo bias (Lemire's multiply-shift with
    /// rejection), written out so the result does not depend on the standard library's
    /// choice of method.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        while true {
            let m = next().multipliedFullWidth(by: b)
            if m.low >= (0 &- b) % b { return Int(m.high) }
        }
    }
}

public enum SeededSample {
    /// `n` distinct indices of 0..<count drawn with `seed` (a partial Fisher–Yates shuffle),
    /// returned sorted. The draw depends only on (count, n, seed): the same seed over the same
    /// ordered table gives the same rows. `n ≥ count` returns every index.
    public static func indices(count: Int, n: Int, seed: UInt64) -> [Int] {
        guard n < count else { return Array(0..<count) }
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<count)
        for i in 0..<max(0, n) {
            let j = i + rng.below(count - i)
            order.swapAt(i, j)
        }
        return order.prefix(max(0, n)).sorted()
    }
}

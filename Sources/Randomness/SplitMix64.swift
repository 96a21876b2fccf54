import Foundation

/// The project's one seeded random generator: SplitMix64 (Steele, Lea & Flood 2014), the
/// 64-bit state advanced by the golden-ratio constant and mixed by two multiply–xorshift
/// rounds. Seeded runs must reproduce bit for bit across platforms and thread counts, which
/// the system generator does not promise.
///
/// Each helper documents which bits of `next()` it uses. Callers keep the flavour they were
/// written with — every stream in the project (network initialisation and shuffling, synthetic
/// scenes, Monte Carlo noise, the simulated survey's seeding) stays bit-identical to its
/// former private copy; `Tests/RandomnessTests` pins each against the old formula.
///
/// The module depends on nothing but Foundation, so the network engine (which knows nothing
/// of galaxies) and every survey module can share it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio increment, ⌊2⁶⁴/φ⌋, added to the state on every draw.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The generator's whole state (advanced by `increment` each draw).
    public var state: UInt64

    /// A generator starting from `seed` (the first draw mixes `seed &+ increment`).
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= Self.increment
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Skips `draws` draws in O(1): the state only ever moves by `increment`, so the
    /// generator after `skip(k)` is the one after k calls of `next()` (a micro-batch starts
    /// its dropout masks where its first sample's are in the whole batch).
    public mutating func skip(_ draws: Int) {
        precondition(draws >= 0, "cannot skip backwards")
        state &+= UInt64(draws) &* Self.increment
    }

    /// A generator for a sub-stream (e.g. one epoch, one layer), independent of how far any
    /// other generator advanced: the seed is mixed with `a` and `b` by two odd constants and
    /// the first output is discarded, so neighbouring (a, b) do not start on correlated states.
    public static func derive(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> SplitMix64 {
        var r = SplitMix64(seed: seed ^ (a &* 0xD1B5_4A32_D192_ED03) ^ (b &* 0x8CB9_2BA7_2F3D_8DD7))
        _ = r.next()
        return r
    }

    /// A uniform float in [0, 1) from the top 24 bits (a Float's whole significand).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniform double in [0, 1) from the top 53 bits: k / 2⁵³ with k = next() >> 11.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// A uniform double in [lo, hi): lo + (hi − lo) · k / 2⁵³ from the top 53 bits, evaluated
    /// in that order (the product rounded once, then scaled by the exact power of two).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }

    /// A uniform double in the open interval (0, 1) from the top 53 bits: (k + ½) / 2⁵³, never
    /// 0, so its logarithm is always finite. (k + ½ rounds to even for k ≥ 2⁵², as it always did.)
    public mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// A standard normal deviate by Box–Muller from two `uniform()` draws (u₁ floored at
    /// 1e-300), keeping only the cosine branch: one value per call, two draws consumed.
    public mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A uniform integer in 0..<bound without modulo bias (Lemire's multiply-shift with
    /// rejection), written out so the draw does not depend on the standard library's method.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        while true {
            let m = next().multipliedFullWidth(by: b)
            if m.low >= (0 &- b) % b { return Int(m.high) }
        }
    }
}

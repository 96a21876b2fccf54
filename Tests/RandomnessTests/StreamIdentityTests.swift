import Foundation
import MockSurvey
import Randomness
import StellarPops
import XCTest

/// The four SplitMix64 copies the project used to carry, written out as they were (the naive
/// references below), against the one shared generator and its thin wrappers: the first
/// 1000 outputs of every flavour must be bit-identical, so seeded networks, scenes, Monte
/// Carlo noise and simulated surveys reproduce what they produced before the merge.
final class StreamIdentityTests: XCTestCase {
    static let seeds: [UInt64] = [0, 1, 2, 3, 7, 31, 0x9E37_79B9_7F4A_7C15, .max]
    static let draws = 1000

    /// The old bit source, shared verbatim by all four copies.
    struct OldSplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// NeuralNet's former `SeededRNG`: raw bits, a float from the top 24 bits, sub-streams.
    func testNetworkFlavourRawBitsFloatsAndDerivedStreams() {
        for seed in Self.seeds {
            var old = OldSplitMix(state: seed), new = SplitMix64(seed: seed)
            for _ in 0..<Self.draws { XCTAssertEqual(new.next(), old.next()) }
            XCTAssertEqual(new.state, old.state)
            old = OldSplitMix(state: seed); new = SplitMix64(seed: seed)
            for _ in 0..<Self.draws {
                let reference = Float(old.next() >> 40) * (1.0 / 16_777_216.0)
                XCTAssertEqual(new.nextFloat().bitPattern, reference.bitPattern)
            }
            for (a, b) in [(UInt64(0), UInt64(0)), (1, 0), (5, 1), (17, 42), (.max, 3)] {
                var reference = OldSplitMix(state: seed ^ (a &* 0xD1B5_4A32_D192_ED03) ^ (b &* 0x8CB9_2BA7_2F3D_8DD7))
                _ = reference.next()
                var derived = SplitMix64.derive(seed, a, b)
                for _ in 0..<Self.draws { XCTAssertEqual(derived.next(), reference.next()) }
            }
            // `shuffle(using:)` goes through `next()` only; the same permutation follows.
            var a = Array(0..<200), b = a
            var ra = SplitMix64(seed: seed)
            var rb = OldGenerator(bits: OldSplitMix(state: seed))
            a.shuffle(using: &ra); b.shuffle(using: &rb)
            XCTAssertEqual(a, b)
        }
    }

    struct OldGenerator: RandomNumberGenerator {
        var bits: OldSplitMix
        mutating func next() -> UInt64 { bits.next() }
    }

    /// Imaging's former `SceneRandom` (and the tests' `SplitMix`): a [lo, hi) uniform from the
    /// top 53 bits, and Box–Muller keeping the cosine.
    func testSceneFlavourUniformsAndGaussians() {
        for seed in Self.seeds {
            var old = OldSplitMix(state: seed), new = SplitMix64(seed: seed)
            func oldUniform(_ lo: Double = 0, _ hi: Double = 1) -> Double {
                lo + (hi - lo) * Double(old.next() >> 11) / Double(1 << 53)
            }
            for k in 0..<Self.draws {
                switch k % 4 {
                case 0: XCTAssertEqual(new.uniform().bitPattern, oldUniform().bitPattern)
                case 1: XCTAssertEqual(new.uniform(-1.5, 1.5).bitPattern, oldUniform(-1.5, 1.5).bitPattern)
                case 2: XCTAssertEqual(new.uniform(0.03, 0.1).bitPattern, oldUniform(0.03, 0.1).bitPattern)
                default: XCTAssertEqual(new.uniform(0, 2 * Double.pi).bitPattern, oldUniform(0, 2 * Double.pi).bitPattern)
                }
            }
            old = OldSplitMix(state: seed); new = SplitMix64(seed: seed)
            for _ in 0..<Self.draws {
                let u = max(oldUniform(), 1e-300), v = oldUniform()
                let reference = (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
                XCTAssertEqual(new.gaussian().bitPattern, reference.bitPattern)
            }
        }
    }

    /// StellarPops' former `GaussianRandom`: an open (0, 1) uniform, (k + ½)/2⁵³, and
    /// Box–Muller returning the cosine and caching the sine for the next call.
    func testMonteCarloFlavourOpenUniformAndCachedSpare() {
        for seed in Self.seeds {
            var old = OldSplitMix(state: seed)
            var spare: Double?
            func oldUniform() -> Double { (Double(old.next() >> 11) + 0.5) / 9_007_199_254_740_992 }
            func oldGaussian() -> Double {
                if let s = spare { spare = nil; return s }
                let u = oldUniform(), v = oldUniform()
                let r = (-2 * log(u)).squareRoot()
                spare = r * sin(2 * Double.pi * v)
                return r * cos(2 * Double.pi * v)
            }
            var new = GaussianRandom(seed: seed)
            for _ in 0..<Self.draws { XCTAssertEqual(new.nextGaussian().bitPattern, oldGaussian().bitPattern) }
            // Interleaved uniforms and an odd number of deviates: the spare survives as before.
            for k in 0..<Self.draws {
                if k % 3 == 0 {
                    XCTAssertEqual(new.nextUniform().bitPattern, oldUniform().bitPattern)
                } else {
                    XCTAssertEqual(new.nextGaussian().bitPattern, oldGaussian().bitPattern)
                }
            }
            var bits = SplitMix64(seed: seed), reference = OldSplitMix(state: seed)
            for _ in 0..<Self.draws {
                let expected = (Double(reference.next() >> 11) + 0.5) / 9_007_199_254_740_992
                XCTAssertEqual(bits.uniformOpen().bitPattern, expected.bitPattern)
            }
        }
    }

    /// MockSurvey's `SeededRandom`: xoshiro256** whose four state words come from SplitMix64
    /// started at seed + φ·(stream + 1); its own uniforms, normals and Poisson counts follow.
    func testSurveyFlavourXoshiroSeededThroughSplitMix() {
        struct OldXoshiro {
            var s: (UInt64, UInt64, UInt64, UInt64)
            init(seed: UInt64, stream: UInt64) {
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
            mutating func next() -> UInt64 {
                let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
                let t = s.1 << 17
                s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
                s.2 ^= t
                s.3 = (s.3 << 45) | (s.3 >> 19)
                return result
            }
            mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
            mutating func normal() -> Double {
                let u1 = max(uniform(), 1e-300), u2 = uniform()
                return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
            mutating func poisson(_ mean: Double) -> Int {
                let l = exp(-mean)
                var k = 0, p = 1.0
                repeat { k += 1; p *= uniform() } while p > l
                return k - 1
            }
        }
        for seed in Self.seeds {
            for stream in [UInt64(0), 1, 2, 39, 1999, .max] {
                var old = OldXoshiro(seed: seed, stream: stream), new = SeededRandom(seed: seed, stream: stream)
                for _ in 0..<Self.draws { XCTAssertEqual(new.next(), old.next()) }
                for k in 0..<Self.draws {
                    switch k % 3 {
                    case 0: XCTAssertEqual(new.uniform().bitPattern, old.uniform().bitPattern)
                    case 1: XCTAssertEqual(new.normal().bitPattern, old.normal().bitPattern)
                    default: XCTAssertEqual(new.poisson(3.5), old.poisson(3.5))
                    }
                }
            }
        }
    }
}

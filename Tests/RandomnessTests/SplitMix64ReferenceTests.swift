import Randomness
import XCTest

/// SplitMix64 against published values, and its bounded draw.
final class SplitMix64ReferenceTests: XCTestCase {
    func testSplitMix64MatchesTheReferenceStream() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var r = SplitMix64(seed: 1_234_567)
        XCTAssertEqual(r.next(), 6_457_827_717_110_365_317)
        XCTAssertEqual(r.next(), 3_203_168_211_198_807_973)
        var b = SplitMix64(seed: 9)
        for bound in [1, 2, 7, 1000] { for _ in 0..<100 { XCTAssertLessThan(b.below(bound), bound) } }
    }
    /// `skip(k)` lands where k draws land.
    func testSkipEqualsDrawing() {
        for k in [0, 1, 7, 1000] {
            var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
            for _ in 0..<k { _ = a.next() }
            b.skip(k)
            XCTAssertEqual(a.next(), b.next(), "k = \(k)")
        }
    }
}

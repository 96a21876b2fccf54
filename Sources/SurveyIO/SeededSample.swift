import Foundation
import Randomness

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

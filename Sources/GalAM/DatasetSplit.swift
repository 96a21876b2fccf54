import Foundation
import Randomness

/// The 8:1:1 split of the paper's code: 80 % train, then the remaining 20 % halved into
/// validation and test (two successive sklearn `train_test_split` calls; the second half
/// rounds up into test). A seeded shuffle decides membership; every model uses one split.
public enum Split: String, Codable, CaseIterable, Sendable {
    case train, validation, test

    /// Split of each of `count` samples.
    public static func assign(count: Int, seed: UInt64) -> [Split] {
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        // Fisher–Yates with our own generator: the split must not change with Swift's stdlib.
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        let nTrain = count - Int((Double(count) * 0.2).rounded(.up))
        let nTest = Int((Double(count - nTrain) * 0.5).rounded(.up))
        var out = [Split](repeating: .train, count: count)
        for (k, i) in order.enumerated() {
            out[i] = k < nTrain ? .train : (k < count - nTest ? .validation : .test)
        }
        return out
    }
}

/// Per-column min–max scaling of the labels over the whole data set (sklearn MinMaxScaler),
/// as the authors did before training; predictions are inverse-scaled before metrics.
public struct LabelScaler: Codable, Equatable, Sendable {
    public var minimum: [Double]
    public var maximum: [Double]

    /// Fits on rows of `columns` values each.
    public init(fitting rows: [[Double]]) {
        let k = rows.first?.count ?? 0
        minimum = (0..<k).map { c in rows.map { $0[c] }.min() ?? 0 }
        maximum = (0..<k).map { c in rows.map { $0[c] }.max() ?? 1 }
    }

    public func scale(_ row: [Double]) -> [Double] {
        row.indices.map { c in maximum[c] > minimum[c] ? (row[c] - minimum[c]) / (maximum[c] - minimum[c]) : 0 }
    }

    public func unscale(_ row: [Double]) -> [Double] {
        row.indices.map { c in minimum[c] + row[c] * (maximum[c] - minimum[c]) }
    }
}

/// Min–max normalisation of one feature vector to [0, 1] (the authors' per-sample scaling of
/// M1's and M3's 1024-d features); a constant vector maps to zeros.
public func perSampleMinMax(_ v: inout ArraySlice<Float>) {
    guard let lo = v.min(), let hi = v.max(), hi > lo else {
        for i in v.indices { v[i] = 0 }
        return
    }
    let s = 1 / (hi - lo)
    for i in v.indices { v[i] = (v[i] - lo) * s }
}

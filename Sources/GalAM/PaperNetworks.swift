import NeuralNet

/// The four networks of MMLforGalAM as the authors' Keras code builds them
/// (docs/reference architecture.md). Layer names follow Keras's automatic naming
/// (`conv2d`, `conv2d_1`, …, `dense_2`), so checkpoints map one to one onto Keras models
/// built in the same order; the feature layers of M1 and M3 are called `features`.
public enum PaperNetworks {
    /// Keras `kernel_regularizer=l2(0.001)` as used by the authors.
    public static let l2: Float = 1e-3

    /// Generates Keras-style unique names per layer kind.
    struct Namer {
        var counts: [String: Int] = [:]
        mutating func callAsFunction(_ base: String) -> String {
            let k = counts[base, default: 0]
            counts[base] = k + 1
            return k == 0 ? base : "\(base)_\(k)"
        }
    }

    /// M1, the spectral feature extractor: 4171×1 spectra → (log age, [M/H]); the
    /// 1024-d `features` layer feeds M2 as its target.
    public static func m1(length: Int = 4171, seed: UInt64 = 0, context: ComputeContext = .standard) -> Sequential {
        var n = Namer()
        var layers: [Layer] = []
        for f in [16, 32, 64, 128] {
            layers.append(Conv(n("conv1d"), filters: f, kernel: [3], relu: true, l2: l2))
            layers.append(Conv(n("conv1d"), filters: f, kernel: [3], relu: true, l2: l2))
            layers.append(MaxPool(n("max_pooling1d"), pool: [3]))
        }
        layers += [Flatten(n("flatten")), Dense(n("dense"), units: 4171, relu: true),
                   Dense(n("dense"), units: 2048, relu: true), Dense("features", units: 1024, relu: true),
                   Dense(n("dense"), units: 2)]
        return Sequential(inputShape: [length, 1], layers: layers, seed: seed, context: context)
    }

    /// M2, simulated spectral features from images: `size`×`size`×`channels` → 1024.
    public static func m2(size: Int = 128, channels: Int = 3, seed: UInt64 = 0, context: ComputeContext = .standard) -> Sequential {
        var n = Namer()
        var layers: [Layer] = []
        for f in [32, 64, 128, 256] {
            layers.append(Conv(n("conv2d"), filters: f, kernel: [3, 3], relu: true))
            layers.append(MaxPool(n("max_pooling2d"), pool: [2, 2]))
        }
        layers += [Flatten(n("flatten")), Dropout(n("dropout"), rate: 0.3), Dense(n("dense"), units: 1024, relu: true),
                   Dropout(n("dropout"), rate: 0.3), Dense(n("dense"), units: 1024)]
        return Sequential(inputShape: [size, size, channels], layers: layers, seed: seed, context: context)
    }

    /// M3, the image feature extractor: four blocks of three `same` 3×3 convolutions (the
    /// first two with L2) and a 2×2 max pool, then Dense 2048 → `features` 1024 → 2.
    /// `outputs` beyond the 2 labels make the auxiliary-loss network (`AuxiliaryFeatures`).
    public static func m3(size: Int = 128, channels: Int = 3, outputs: Int = 2, seed: UInt64 = 0,
                          context: ComputeContext = .standard) -> Sequential {
        var n = Namer()
        var layers: [Layer] = []
        for f in [32, 64, 128, 256] {
            for k in 0..<3 {
                layers.append(Conv(n("conv2d"), filters: f, kernel: [3, 3], padding: .same, relu: true, l2: k < 2 ? l2 : 0))
            }
            layers.append(MaxPool(n("max_pooling2d"), pool: [2, 2]))
        }
        layers += [Flatten(n("flatten")), Dense(n("dense"), units: 2048, relu: true),
                   Dense("features", units: 1024, relu: true), Dense(n("dense"), units: outputs)]
        return Sequential(inputShape: [size, size, channels], layers: layers, seed: seed, context: context)
    }

    /// M4's regressor head: 2048 → 1024 → 512 → Dropout → 128 → Dropout → 2.
    public static func m4Head() -> [Layer] {
        [Dense("dense", units: 2048, relu: true), Dense("dense_1", units: 1024, relu: true),
         Dense("dense_2", units: 512, relu: true), Dropout("dropout", rate: 0.2),
         Dense("dense_3", units: 128, relu: true), Dropout("dropout_1", rate: 0.2), Dense("dense_4", units: 2)]
    }

    /// M4's regressor alone on 1024-d fused vectors: what the authors train, after applying
    /// the untrained fusion once to all data and min–max normalising its output per sample.
    public static func m4Regressor(width: Int = 1024, seed: UInt64 = 0, context: ComputeContext = .standard) -> Sequential {
        Sequential(inputShape: [width], layers: m4Head(), seed: seed, context: context)
    }

    /// M4, multi-modal attention regression: S (1024) as query, I (1024) as key/value,
    /// MultiHeadAttention(8 heads, key_dim 1024) + S, LayerNorm(ε), Dropout(0.1), regressor.
    /// `trainFusion` false is the authors' flow (attention applied untrained); true learns it.
    /// A `Graph` (see `Graph.attentionFusion`).
    public static func m4(width: Int = 1024, trainFusion: Bool, epsilon: Float = 1e-3, seed: UInt64 = 0,
                          context: ComputeContext = .standard) -> Graph {
        Graph.attentionFusion(width: width, heads: 8, keyDim: 1024, epsilon: epsilon, dropout: 0.1,
                              head: m4Head(), trainFusion: trainFusion, seed: seed, context: context)
    }
}

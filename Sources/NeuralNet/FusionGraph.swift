extension Graph {
    /// M4's shape as a graph: multi-head attention with the first input as query and the
    /// second as key/value (each a length-1 sequence), a residual add of the query,
    /// LayerNormalization and Dropout, then `head` (none: the fused vector is the output).
    ///
    /// With `trainFusion` false attention and LayerNorm are frozen (the authors' flow: only
    /// the head learns), so their parameters are not in `parameters` and their backward
    /// never runs. Tensor names (`multi_head_attention/…`, `layer_normalization/…`, the
    /// head's) and the weights a seed gives are those of the network this replaced, so its
    /// checkpoints load unchanged.
    public static func attentionFusion(width: Int, heads: Int, keyDim: Int, epsilon: Float = 1e-3, dropout rate: Float = 0.1,
                                       head: [Layer], trainFusion: Bool, seed: UInt64 = 0,
                                       context: ComputeContext = .standard) -> Graph {
        let g = Builder(context: context)
        let query = g.input("query", shape: [width]), keyValue = g.input("key_value", shape: [width])
        let querySequence = g.apply(Reshape("reshape", to: [1, width]), query)
        let keyValueSequence = g.apply(Reshape("reshape_1", to: [1, width]), keyValue)
        // Seed streams 0 (attention), 1 (LayerNorm) and 2 + k (head layer k) are the ones the
        // pre-graph network drew from; the other nodes have no weights.
        let attended = g.apply(MultiHeadAttention("multi_head_attention", heads: heads, keyDim: keyDim),
                               querySequence, keyValueSequence, trainable: trainFusion, seedStream: 0)
        let residual = g.apply(Add("add"), attended, querySequence)
        let normalised = g.apply(LayerNorm("layer_normalization", epsilon: epsilon), residual,
                                 trainable: trainFusion, seedStream: 1)
        let fused = g.apply(Dropout("dropout_fusion", rate: rate), normalised)
        var x = g.apply(Reshape("reshape_2", to: [width]), fused)
        for (k, layer) in head.enumerated() { x = g.apply(layer, x, seedStream: UInt64(k + 2)) }
        return Graph(g, output: x, seed: seed)
    }
}

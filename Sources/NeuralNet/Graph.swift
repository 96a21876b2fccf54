import Randomness

/// A model whose layers form a directed acyclic graph (Keras's functional API): each node is
/// one layer applied to model inputs or to earlier nodes' outputs, so attention (query and
/// key/value), the residual `Add` and reshapes are ordinary layers. M4 is one
/// (`Graph.attentionFusion`).
///
/// Forward runs the nodes in the order they were added (topological by construction: a
/// node can only name values that already exist). Backward runs them in reverse and sums the
/// gradients of a value that feeds several nodes. It visits only nodes with a trained
/// parameter at or upstream of them (`requiresGradient`); every other node, and every node fed
/// only by model inputs, has `needsInputGradient` false, so no work goes into gradients nobody
/// uses. Nodes added with `trainable: false` are applied but not trained: their parameters are
/// not in `parameters` (so neither optimised nor checkpointed), and when nothing trained lies
/// upstream of them their backward never runs. (A frozen layer between trained ones still
/// runs its backward for its input gradient; its own parameter gradients are then computed
/// and ignored.)
public final class Graph: Network {
    /// A value of the graph under construction: a model input or a node's output.
    public struct Value {
        fileprivate let builder: ObjectIdentifier
        fileprivate let slot: Int
        /// Per-sample shape.
        public let shape: [Int]
    }

    /// Collects a graph's inputs and nodes (inputs first); `Graph(_:output:seed:)` makes the model.
    public final class Builder {
        fileprivate var inputNames: [String] = []
        fileprivate var inputShapes: [[Int]] = []
        fileprivate var nodes: [Node] = []
        /// Where every layer applied computes (set on it before it is built).
        public let context: ComputeContext

        public init(context: ComputeContext = .standard) { self.context = context }

        /// Declares the next model input (the order `forward` takes them in), per-sample shape.
        public func input(_ name: String, shape: [Int]) -> Value {
            precondition(nodes.isEmpty, "declare every input before the first node")
            inputNames.append(name)
            inputShapes.append(shape)
            return Value(builder: ObjectIdentifier(self), slot: inputShapes.count - 1, shape: shape)
        }

        /// Applies `layer` to `inputs` (one, or several for a `MultiInputLayer`) and builds it
        /// for their shapes. `trainable` false freezes it. `seedStream` is the sub-stream of
        /// the model seed its initialisation draws from (default: the node's position).
        public func apply(_ layer: Layer, _ inputs: Value..., trainable: Bool = true, seedStream: UInt64? = nil) -> Value {
            precondition(inputs.allSatisfy { $0.builder == ObjectIdentifier(self) }, "\(layer.name): value of another graph")
            let multi = layer as? MultiInputLayer
            layer.context = context
            let shape: [Int]
            if let multi {
                shape = multi.build(inputShapes: inputs.map(\.shape))
            } else {
                precondition(inputs.count == 1, "\(layer.name) takes one input, got \(inputs.count)")
                shape = layer.build(inputShape: inputs[0].shape)
            }
            let slot = inputShapes.count + nodes.count
            nodes.append(Node(layer: layer, multi: multi, inputs: inputs.map(\.slot), slot: slot, trainable: trainable,
                              seedStream: seedStream ?? UInt64(nodes.count)))
            return Value(builder: ObjectIdentifier(self), slot: slot, shape: shape)
        }
    }

    /// One layer applied to values (slots: model inputs first, then nodes in order).
    fileprivate struct Node {
        let layer: Layer
        let multi: MultiInputLayer?
        let inputs: [Int]
        let slot: Int
        let trainable: Bool
        let seedStream: UInt64
        /// A trained parameter is here or upstream, so the loss gradient must reach this node.
        var requiresGradient = false
    }

    /// Names of the model inputs, in `forward`'s order.
    public let inputNames: [String]
    public let inputShapes: [[Int]]
    public let outputShape: [Int]
    /// Every node's layer, in node order.
    public let allLayers: [Layer]
    /// Parameters of the trainable nodes, in node order.
    public let parameters: [Parameter]
    private var nodes: [Node]
    private let outputSlot: Int
    /// Per slot: the last forward's output, and the gradient gathered so far in backward.
    private var values: [Tensor?]
    private var gradients: [Tensor?]
    /// Per slot and batch size: where the gradients of a value with several consumers are summed.
    private var sums: [BatchCache<Tensor>]
    public let context: ComputeContext

    /// The model computing `output` from the builder's inputs; initialises every layer the
    /// Keras way from `seed` (each from its node's sub-stream).
    public init(_ builder: Builder, output: Value, seed: UInt64 = 0) {
        precondition(output.builder == ObjectIdentifier(builder), "output of another graph")
        var nodes = builder.nodes
        let layers = nodes.map(\.layer)
        precondition(Set(layers.map(\.name)).count == layers.count, "layer names must be unique")
        precondition(Set(layers.map(ObjectIdentifier.init)).count == layers.count, "a layer can be applied once")
        let inputCount = builder.inputShapes.count, slotCount = inputCount + nodes.count
        var feedsOutput = [Bool](repeating: false, count: slotCount)
        feedsOutput[output.slot] = true
        for n in nodes.reversed() where feedsOutput[n.slot] { for s in n.inputs { feedsOutput[s] = true } }
        precondition(feedsOutput[inputCount...].allSatisfy { $0 }, "every node must lead to the output")

        var needsGradient = [Bool](repeating: false, count: slotCount)    // model inputs: never
        for k in nodes.indices {
            let upstream = nodes[k].inputs.contains { needsGradient[$0] }
            nodes[k].layer.needsInputGradient = upstream
            nodes[k].requiresGradient = upstream || (nodes[k].trainable && !nodes[k].layer.parameters.isEmpty)
            needsGradient[nodes[k].slot] = nodes[k].requiresGradient
            var rng = SplitMix64.derive(seed, nodes[k].seedStream)
            nodes[k].layer.initialize(rng: &rng)
        }
        self.nodes = nodes
        inputNames = builder.inputNames
        inputShapes = builder.inputShapes
        outputShape = output.shape
        outputSlot = output.slot
        allLayers = layers
        parameters = nodes.filter(\.trainable).flatMap(\.layer.parameters)
        values = [Tensor?](repeating: nil, count: slotCount)
        gradients = [Tensor?](repeating: nil, count: slotCount)
        sums = [BatchCache<Tensor>](repeating: BatchCache(), count: slotCount)
        context = builder.context
    }

    /// Whether the layer called `name` receives a gradient in backward (false for frozen
    /// layers with nothing trained upstream, and for structure fed by model inputs alone).
    public func requiresGradient(_ name: String) -> Bool {
        nodes.first { $0.layer.name == name }?.requiresGradient ?? false
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(inputs.count == inputShapes.count, "\(inputShapes.count) inputs expected, got \(inputs.count)")
        for (k, x) in inputs.enumerated() { values[k] = x }
        for n in nodes {
            if let multi = n.multi {
                values[n.slot] = multi.forward(n.inputs.map { values[$0]! }, training: training)
            } else {
                values[n.slot] = n.layer.forward(values[n.inputs[0]]!, training: training)
            }
        }
        return values[outputSlot]!
    }

    public func backward(_ dOutput: Tensor) {
        for s in gradients.indices { gradients[s] = nil }
        gradients[outputSlot] = dOutput
        for n in nodes.reversed() where n.requiresGradient {
            guard let dy = gradients[n.slot] else { preconditionFailure("\(n.layer.name) got no gradient") }
            if let multi = n.multi {
                for (s, dx) in zip(n.inputs, multi.backwardInputs(dy)) { gather(dx, into: s) }
            } else {
                gather(n.layer.backward(dy), into: n.inputs[0])
            }
        }
    }

    /// Adds one consumer's gradient to the gradient of value `slot`. The first is kept as it
    /// is (no copy); a second one is summed into a buffer the graph owns, since the tensors
    /// layers return are theirs (and `Add` returns one tensor for several inputs).
    private func gather(_ dx: Tensor?, into slot: Int) {
        guard slot >= inputShapes.count, nodes[slot - inputShapes.count].requiresGradient else { return }
        guard let dx else { preconditionFailure("a layer returned no gradient for a value that needs one") }
        guard let earlier = gradients[slot] else { gradients[slot] = dx; return }
        // Layers return input gradients in their input's layout, so all consumers agree.
        precondition(MD.equal(earlier.buffer.md, dx.buffer.md), "gradients of one value in two layouts")
        let sum = sums[slot][dx.batch].flatMap { MD.equal($0.buffer.md, dx.buffer.md) ? $0 : nil }
            ?? Tensor(shape: dx.shape, md: dx.buffer.md)
        sums[slot][dx.batch] = sum
        let count = sum.buffer.count, a = earlier.data, b = dx.data, d = sum.data
        for i in 0..<count { d[i] = a[i] + b[i] }
        gradients[slot] = sum
    }

    public var config: [String: Any] {
        func name(_ slot: Int) -> String { slot < inputNames.count ? inputNames[slot] : nodes[slot - inputNames.count].layer.name }
        return ["class": "Graph",
                "inputs": zip(inputNames, inputShapes).map { ["name": $0, "shape": $1] as [String: Any] },
                "layers": nodes.map { n in
                    n.layer.config.merging(["inbound": n.inputs.map(name), "trainable": n.trainable]) { $1 }
                },
                "output": name(outputSlot)]
    }
}

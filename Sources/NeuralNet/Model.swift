import Foundation
import Randomness

/// A trainable network with one or more inputs and one output.
public protocol Network: AnyObject {
    /// Per-sample shapes of the inputs, in the order `forward` takes them.
    var inputShapes: [[Int]] { get }
    /// Per-sample output shape.
    var outputShape: [Int] { get }
    /// All trainable parameters, in checkpoint order.
    var parameters: [Parameter] { get }
    /// Every layer, for reseeding dropout and naming.
    var allLayers: [Layer] { get }
    /// Computes the output for a batch of inputs.
    func forward(_ inputs: [Tensor], training: Bool) -> Tensor
    /// Backpropagates the loss gradient of the last forward's output into the parameters.
    func backward(_ dOutput: Tensor)
    /// The model's configuration (written into checkpoints).
    var config: [String: Any] { get }
    /// Where and how every layer computes (engine, stream, threads, algorithms).
    var context: ComputeContext { get }
}

extension Network {
    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Forward FLOPs per sample (see `Layer.forwardFLOPs`).
    public var forwardFLOPs: Int { allLayers.reduce(0) { $0 + $1.forwardFLOPs } }

    /// Looks a layer up by name.
    public func layer(named name: String) -> Layer? { allLayers.first { $0.name == name } }
}

/// A stack of layers, each feeding the next (Keras `Sequential`).
public final class Sequential: Network {
    /// Per-sample input shape (Keras order, no batch axis).
    public let inputShape: [Int]
    /// The layers in order.
    public let layers: [Layer]
    public private(set) var outputShape: [Int]
    public var inputShapes: [[Int]] { [inputShape] }
    public var allLayers: [Layer] { layers }
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public let context: ComputeContext

    /// Builds the layers for a per-sample input shape and initialises them the Keras way,
    /// drawing from a generator seeded with `seed` (layer i uses sub-stream i); every layer
    /// computes with `context`.
    public init(inputShape: [Int], layers: [Layer], seed: UInt64 = 0, context: ComputeContext = .standard) {
        precondition(Set(layers.map(\.name)).count == layers.count, "layer names must be unique")
        self.inputShape = inputShape
        self.layers = layers
        self.context = context
        var shape = inputShape
        for (i, l) in layers.enumerated() {
            l.context = context
            precondition(!(l is MultiInputLayer), "\(l.name) takes several inputs: use it in a Graph")
            shape = l.build(inputShape: shape)
            var rng = SplitMix64.derive(seed, UInt64(i))
            l.initialize(rng: &rng)
        }
        outputShape = shape
        layers.first?.needsInputGradient = false
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        forward(inputs[0], training: training)
    }

    /// The output for one input batch.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    /// The output of the layer called `name` (e.g. M1's and M3's 1024-d features), in
    /// inference mode; later layers are not run.
    public func output(of name: String, for x: Tensor) -> Tensor {
        guard let end = layers.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no layer named \(name)")
        }
        return layers[...end].reduce(x) { $1.forward($0, training: false) }
    }

    /// The outputs of the layer called `name` and of the whole stack, from one inference pass
    /// (the tapped tensor stays valid until the next pass).
    public func forward(_ x: Tensor, tapping name: String) -> (tapped: Tensor, output: Tensor) {
        var tapped: Tensor?
        let y = layers.reduce(x) { h, l in
            let out = l.forward(h, training: false)
            if l.name == name { tapped = out }
            return out
        }
        guard let tapped else { preconditionFailure("no layer named \(name)") }
        return (tapped, y)
    }

    public func backward(_ dOutput: Tensor) {
        var g: Tensor? = dOutput
        for l in layers.reversed() {
            guard let d = g else { break }
            g = l.backward(d)
        }
    }

    public var config: [String: Any] {
        ["class": "Sequential", "input_shape": inputShape, "layers": layers.map(\.config)]
    }
}

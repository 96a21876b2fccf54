import Foundation
import NeuralNet

/// Spectra as privileged information through an auxiliary loss (`--aux-features w`): M3, the
/// image network, is trained to predict M1's 1024 spectral features beside the two labels,
/// with the loss mean(label errors²) + w·mean(feature errors²). The features are what the
/// spectrum taught M1; learning them pulls M3's own `features` layer towards what the
/// spectra know, while prediction still needs only the image. Validation counts the labels
/// alone, so the best epoch is the one whose labels are best, comparable with the paper's M3.
///
/// After training the auxiliary columns are cut off: the result is exactly the paper's M3
/// (its last layer the first two columns of the auxiliary one), so prediction, M4,
/// calibration and the checkpoint's Keras layout are unchanged.
public enum AuxiliaryFeatures {
    /// Output columns of the auxiliary network: the labels, then M1's features.
    public static let outputs = PaperModel.labelCount + PaperModel.featureWidth

    /// Column weights of the training and validation losses (`MSELoss` averages w·error² over
    /// all columns, so a label column weighs outputs/labels and a feature column
    /// w·outputs/features: the label mean plus w times the feature mean).
    public static func lossWeights(weight: Float) -> (training: [Float], validation: [Float]) {
        let labels = [Float](repeating: Float(outputs) / Float(PaperModel.labelCount), count: PaperModel.labelCount)
        let features = Float(outputs) / Float(PaperModel.featureWidth)
        return (labels + [Float](repeating: weight * features, count: PaperModel.featureWidth),
                labels + [Float](repeating: 0, count: PaperModel.featureWidth))
    }

    /// The paper's M3 cut from a trained auxiliary network: every layer's weights copied, and
    /// of the last Dense (1024 → labels + features, Keras's in×out kernel) the label columns.
    /// Its outputs equal the auxiliary network's first two columns.
    public static func imageOnlyNetwork(from auxiliary: Sequential, size: Int, channels: Int,
                                        context: ComputeContext = .standard) throws -> Sequential {
        let m3 = PaperNetworks.m3(size: size, channels: channels, context: context)
        let source = Dictionary(uniqueKeysWithValues: auxiliary.parameters.map { ($0.name, $0) })
        for p in m3.parameters {
            guard let a = source[p.name] else { throw NeuralNetError.shape("the auxiliary network has no \(p.name)") }
            if a.kerasShape == p.kerasShape {
                p.write(a.read())
            } else if a.kerasShape.count == 2, p.kerasShape.count == 2, a.kerasShape[0] == p.kerasShape[0] {
                // A kernel, in × out: the first `out` of each input row's values.
                let values = a.read(), wide = a.kerasShape[1], narrow = p.kerasShape[1]
                p.write((0..<p.kerasShape[0]).flatMap { i in values[(i * wide)..<(i * wide + narrow)] })
            } else if a.kerasShape.count == 1, p.kerasShape.count == 1 {
                p.write(Array(a.read().prefix(p.kerasShape[0])))
            } else {
                throw NeuralNetError.shape("\(p.name): \(a.kerasShape) cannot be cut to \(p.kerasShape)")
            }
        }
        return m3
    }
}

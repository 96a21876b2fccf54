import Foundation
import Imaging
import NeuralNet
import Spectra
import SurveyIO

/// A trained model folder loaded for prediction (`galam predict`): from images alone
/// (pre-processing, M2 + M3 + M4 with the first trained fusion) or, where spectra exist,
/// the spectra-only model M1. New galaxies are pre-processed with the dataset's recorded
/// `PreprocessingContract`, exactly as the training set was.
public final class Predictor {
    public let info: ModelInfo
    public let preprocessing: PreprocessingContract
    let m2: Sequential, m3: Sequential
    let m4: FusionHead
    let modelDirectory: String
    let modelPath: String
    /// M1 is loaded on first use: predictions from images alone never need it.
    lazy var m1: Result<Sequential, Error> = Result {
        let net = PaperNetworks.m1(length: info.spectrumLength, seed: info.config.seed, context: context)
        try Checkpoint.load(into: net, from: try info.checkpoint(.m1, in: modelDirectory, modelPath: modelPath))
        return net
    }

    /// The fusion of the multi-modal model (the first one trained).
    public var fusionMode: PaperModel.Fusion { m4.fusion }
    /// The name predictions from images carry.
    public var imageModel: PaperModel.Name { .multimodal(m4.fusion) }

    /// Where the networks compute: Winograd where oneDNN judges it faster (1.6–2× on M3's
    /// inference; rounding ~1e-5), on `threads` threads.
    public let context: ComputeContext

    public init(modelDirectory dir: String, threads: Int = ComputeContext.defaultThreads) throws {
        let info = try ModelInfo.load(directory: dir)
        self.info = info
        modelDirectory = dir
        modelPath = dir + "/model.json"
        preprocessing = try info.preprocessingContract(modelPath: modelPath)
        let context = ComputeContext(threads: threads, convolutionAlgorithm: .auto)
        self.context = context
        let c = info.config, seed = c.seed
        let load = { [modelPath] (net: Network, stage: PaperModel.Stage) throws in
            try Checkpoint.load(into: net, from: try info.checkpoint(stage, in: dir, modelPath: modelPath))
        }
        m2 = PaperNetworks.m2(size: info.imageSize, channels: info.channels, seed: seed, context: context)
        m3 = PaperNetworks.m3(size: info.imageSize, channels: info.channels, seed: seed, context: context)
        try load(m2, .m2)
        try load(m3, .m3)
        let fusion = c.fusions.first ?? .learned
        m4 = FusionHead(fusion: fusion, epsilon: c.layerNormEpsilon, seed: seed, context: context)
        try load(m4.network, .m4(fusion, realSpectra: false))
        if let block = m4.frozenBlock { try load(block, .frozenFusionBlock(realSpectra: false)) }
    }

    /// (log age, [M/H]) for pre-processed images (uint8, H × W × C each, back to back).
    public func predict(images: [UInt8], count: Int) -> [[Double]] { predictWithFeatures(images: images, count: count).values }

    /// The predictions and M3's normalised features (the I of M4, where the OOD score is measured).
    public func predictWithFeatures(images: [UInt8], count: Int) -> (values: [[Double]], features: [Float]) {
        guard count > 0 else { return ([], []) }
        let x = PaperModel.networkInput(images: images)
        var features: [Float] = []
        let y = PaperModel.dihedralAverage(images: x, count: count, size: info.imageSize, channels: info.channels,
                                           averaging: info.config.testTimeAveraging == true) { t, xt in
            let s = PaperModel.simulatedFeatures(m2: m2, images: xt, count: count, floor: info.config.simulatedFeatureFloor)
            let i = PaperModel.imageFeatures(m3: m3, images: xt, count: count)
            if t == .identity { features = i }   // the untransformed image's: the OOD score's
            return [m4.predict(s: s, i: i, count: count)]
        }
        return (unscale(y[0], count: count), features)
    }

    /// M3's normalised features alone (galaxies predicted from their spectra still get an OOD score).
    public func imageFeatures(images: [UInt8], count: Int) -> [Float] {
        guard count > 0 else { return [] }
        return PaperModel.imageFeatures(m3: m3, images: PaperModel.networkInput(images: images), count: count)
    }

    /// (log age, [M/H]) from pre-processed spectra with M1.
    public func predict(spectra: [Float], count: Int) throws -> [[Double]] {
        guard count > 0 else { return [] }
        let m1 = try self.m1.get()
        return unscale(infer(m1, inputs: [spectra], count: count), count: count)
    }

    func unscale(_ out: [Float], count: Int) -> [[Double]] {
        (0..<count).map { info.scaler.unscale([Double(out[2 * $0]), Double(out[2 * $0 + 1])]) }
    }
}

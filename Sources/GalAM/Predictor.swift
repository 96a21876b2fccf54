import Foundation
import Imaging
import NeuralNet
import Spectra
import SurveyIO

/// A trained model folder loaded for prediction (`galam predict`): from images alone
/// (pre-processing, M2 + M3 + M4 with the first trained fusion) or, where spectra exist,
/// the spectra-only model M1.
public final class Predictor {
    public let info: PaperPipeline.ModelInfo
    public let imageStage: ImageStage
    let m2: Sequential, m3: Sequential
    let modelDirectory: String
    /// M1 is loaded on first use: predictions from images alone never need it.
    lazy var m1: Sequential? = {
        let net = PaperNetworks.m1(length: info.spectrumLength, seed: info.config.seed)
        guard let rel = info.checkpoints["m1"], (try? Checkpoint.load(into: net, from: URL(fileURLWithPath: modelDirectory + "/" + rel))) != nil else { return nil }
        return net
    }()
    let m4: Network
    let fusion: AttentionFusion?
    public let fusionMode: TrainingConfig.Fusion

    public init(modelDirectory dir: String) throws {
        let url = URL(fileURLWithPath: dir + "/model.json")
        guard let data = try? Data(contentsOf: url) else {
            throw SurveyIOError(path: url.path, reason: "not a trained model folder (no model.json); run `galam train` first")
        }
        let info = try JSONDecoder().decode(PaperPipeline.ModelInfo.self, from: data)
        self.info = info
        modelDirectory = dir
        // Inference: Winograd where oneDNN judges it faster (1.6–2× on M3; rounding ~1e-5).
        Conv.defaultAlgorithm = .auto
        guard let bands = Bands(rawValue: info.bands) else { throw SurveyIOError(path: url.path, reason: "unknown bands \(info.bands)") }
        var stage = ImageStage()
        stage.size = info.imageSize
        stage.bands = bands
        imageStage = stage
        let c = info.config, seed = c.seed
        let load = { (net: Network, key: String) throws in
            guard let rel = info.checkpoints[key] else { throw SurveyIOError(path: url.path, reason: "no checkpoint for \(key)") }
            try Checkpoint.load(into: net, from: URL(fileURLWithPath: dir + "/" + rel))
        }
        let m2 = PaperNetworks.m2(size: info.imageSize, channels: info.channels, seed: seed)
        let m3 = PaperNetworks.m3(size: info.imageSize, channels: info.channels, seed: seed)
        try load(m2, "m2"); try load(m3, "m3")
        (self.m2, self.m3) = (m2, m3)
        let mode = c.fusions.first ?? .learned
        fusionMode = mode
        switch mode {
        case .learned:
            let m4 = PaperNetworks.m4(trainFusion: true, epsilon: c.layerNormEpsilon, seed: seed)
            try load(m4, "m4-learned")
            (self.m4, fusion) = (m4, nil)
        case .frozen:
            let f = FrozenFusion.make(epsilon: c.layerNormEpsilon, seed: seed)
            try load(f, "m4-frozen-fusion")
            let m4 = PaperNetworks.m4Regressor(seed: seed)
            try load(m4, "m4-frozen")
            (self.m4, fusion) = (m4, f)
        }
    }

    /// (log age, [M/H]) for pre-processed images (uint8, H × W × C each, back to back).
    public func predict(images: [UInt8], count: Int) -> [[Double]] {
        guard count > 0 else { return [] }
        let x = images.map { Float($0) / 255 }
        let s = infer(m2, inputs: [x], count: count).map { $0 < info.config.simulatedFeatureFloor ? 0 : $0 }
        let i = PaperPipeline.normalisedFeatures(infer(m3, inputs: [x], count: count, layer: "features"), width: 1024)
        let out: [Float]
        if let fusion {
            let fused = PaperPipeline.normalisedFeatures(infer(fusion, inputs: [s, i], count: count), width: 1024)
            out = infer(m4, inputs: [fused], count: count)
        } else {
            out = infer(m4, inputs: [s, i], count: count)
        }
        return (0..<count).map { info.scaler.unscale([Double(out[2 * $0]), Double(out[2 * $0 + 1])]) }
    }

    /// (log age, [M/H]) from pre-processed spectra (4171 values each) with M1.
    public func predict(spectra: [Float], count: Int) throws -> [[Double]] {
        guard count > 0 else { return [] }
        guard let m1 else { throw SurveyIOError(path: modelDirectory, reason: "cannot load M1's checkpoint") }
        let out = infer(m1, inputs: [spectra], count: count)
        return (0..<count).map { info.scaler.unscale([Double(out[2 * $0]), Double(out[2 * $0 + 1])]) }
    }
}

import Foundation
import NeuralNet
import SurveyIO

/// Every network of a trained model folder, loaded to run every model GalAM reports
/// (`PaperModel.Name`) on the galaxies of a prepared dataset — what calibration needs, since
/// a calibration set other than the model's own validation split has no `predictions.csv`.
/// The transforms between the networks are `PaperModel`'s and `FusionHead`'s, as in training.
public final class ModelSet {
    public let info: ModelInfo
    let m1: Sequential, m2: Sequential, m3: Sequential
    /// (model name, head, fed M1's real features as S?)
    let heads: [(PaperModel.Name, FusionHead, Bool)]

    /// Where the networks compute: Winograd where oneDNN judges it faster, `threads` threads.
    public let context: ComputeContext

    public init(modelDirectory dir: String, threads: Int = ComputeContext.defaultThreads) throws {
        let info = try ModelInfo.load(directory: dir)
        self.info = info
        let path = dir + "/model.json", c = info.config, seed = c.seed
        let load = { (net: Network, stage: PaperModel.Stage) throws in
            try Checkpoint.load(into: net, from: try info.checkpoint(stage, in: dir, modelPath: path))
        }
        let context = ComputeContext(threads: threads, convolutionAlgorithm: .auto)
        self.context = context
        m1 = PaperNetworks.m1(length: info.spectrumLength, seed: seed, context: context)
        m2 = PaperNetworks.m2(size: info.imageSize, channels: info.channels, seed: seed, context: context)
        m3 = PaperNetworks.m3(size: info.imageSize, channels: info.channels, seed: seed, context: context)
        try load(m1, .m1)
        try load(m2, .m2)
        try load(m3, .m3)
        var heads: [(PaperModel.Name, FusionHead, Bool)] = []
        for (n, fusion) in c.fusions.enumerated() {
            for real in n == 0 ? [false, true] : [false] {
                let head = FusionHead(fusion: fusion, epsilon: c.layerNormEpsilon, seed: seed, context: context)
                try load(head.network, .m4(fusion, realSpectra: real))
                if let block = head.frozenBlock { try load(block, .frozenFusionBlock(realSpectra: real)) }
                heads.append((real ? .withRealSpectra : .multimodal(fusion), head, real))
            }
        }
        self.heads = heads
    }

    /// What every model says about some galaxies.
    public struct Outputs {
        /// Unscaled (log age, [M/H]) per galaxy, per model.
        public var predictions: [PaperModel.Name: [[Double]]]
        /// M3's normalised features (the I of M4), `PaperModel.featureWidth` per galaxy.
        public var imageFeatures: [Float]
    }

    /// Runs every model on `rows` of `data`, `chunk` galaxies at a time (bounded memory);
    /// `models: false` computes M3's features alone (the OOD reference needs nothing else).
    public func run(_ data: LabeledDataset, rows: [Int], models: Bool = true, chunk: Int = 512) -> Outputs {
        var out = Outputs(predictions: [:], imageFeatures: [])
        out.imageFeatures.reserveCapacity(rows.count * PaperModel.featureWidth)
        var start = 0
        while start < rows.count {
            let r = Array(rows[start..<min(start + chunk, rows.count)])
            let n = r.count
            let images = data.images(r)
            let f3 = PaperModel.imageFeatures(m3: m3, images: images, count: n)
            out.imageFeatures += f3
            start += n
            guard models else { continue }
            let spectra = data.spectra(r)
            let f1 = PaperModel.spectralFeatures(m1: m1, spectra: spectra, count: n)
            // Every model that reads the image, on the image or averaged over its transforms.
            let names = heads.map(\.0) + [.imageOnly]
            let fromImages = PaperModel.dihedralAverage(images: images, count: n, size: info.imageSize, channels: info.channels,
                                                        averaging: info.config.testTimeAveraging == true) { t, x in
                let f2 = PaperModel.simulatedFeatures(m2: m2, images: x, count: n, floor: info.config.simulatedFeatureFloor)
                let f3 = t == .identity ? f3 : PaperModel.imageFeatures(m3: m3, images: x, count: n)   // the identity's: above
                return heads.map { _, head, real in head.predict(s: real ? f1 : f2, i: f3, count: n) } + [infer(m3, inputs: [x], count: n)]
            }
            let scaled = Array(zip(names, fromImages)) + [(PaperModel.Name.spectraOnly, infer(m1, inputs: [spectra], count: n))]
            for (name, y) in scaled {
                out.predictions[name, default: []] += (0..<n).map { info.scaler.unscale([Double(y[2 * $0]), Double(y[2 * $0 + 1])]) }
            }
        }
        return out
    }
}

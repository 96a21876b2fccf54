import Foundation
import SurveyIO

/// `model.json` of a trained model folder: everything `predict` and `evaluate` need to
/// rebuild the networks and pre-process new galaxies as the training set was.
public struct ModelInfo: Codable {
    public var tool: String
    public var imageSize: Int
    public var channels: Int
    public var bands: String
    public var spectrumLength: Int
    public var scaler: LabelScaler
    public var config: TrainingConfig
    /// `PaperModel.Stage.key` → checkpoint path relative to the model folder.
    public var checkpoints: [String: String]
    /// The dataset folder it was trained on.
    public var dataset: String
    /// The pre-processing the dataset was prepared with (nil in models trained before it was
    /// recorded: see `preprocessingContract(modelPath:)`).
    public var preprocessing: PreprocessingContract?

    /// Reads `model.json` of `directory`.
    public static func load(directory: String) throws -> ModelInfo {
        let path = directory + "/model.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: "not a trained model folder (no model.json); run `galam train` first")
        }
        do {
            return try JSONDecoder().decode(ModelInfo.self, from: data)
        } catch {
            throw SurveyIOError(path: path, reason: "not a readable model description (\(error))")
        }
    }

    /// Checkpoint path of `stage` inside `directory`.
    public func checkpoint(_ stage: PaperModel.Stage, in directory: String, modelPath: String) throws -> URL {
        guard let rel = checkpoints[stage.key] else { throw SurveyIOError(path: modelPath, reason: "no checkpoint for \(stage.key)") }
        return URL(fileURLWithPath: directory + "/" + rel)
    }

    /// The contract `predict` must pre-process with. Models trained before the contract was
    /// recorded take it from their dataset's manifest (which must still exist and agree with
    /// the image size and bands recorded here).
    public func preprocessingContract(modelPath: String) throws -> PreprocessingContract {
        if let preprocessing { return preprocessing }
        let recovered: PreprocessingContract
        do {
            recovered = try PreprocessingContract.of(datasetDirectory: dataset)
        } catch let e as SurveyIOError {
            throw SurveyIOError(path: modelPath, reason: "this model was trained by an older galam that did not record its pre-processing, and it cannot be recovered from its dataset (\(e)); run `galam train --data <the dataset> --out <this folder>` again (finished stages come from the cache)")
        }
        guard recovered.images.size == imageSize, recovered.images.bands.rawValue == bands else {
            throw SurveyIOError(path: modelPath, reason: "its dataset \(dataset) now holds \(recovered.images.size) px \(recovered.images.bands.rawValue) images, the model \(imageSize) px \(bands); train the model again")
        }
        return recovered
    }
}

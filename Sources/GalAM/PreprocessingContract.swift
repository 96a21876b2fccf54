import Foundation
import Imaging
import Spectra
import SurveyIO

/// What turns survey files into network inputs: the whole configuration of the spectra and
/// image stages. `galam prepare` records it in the dataset's `manifest.json`, `galam train`
/// copies it into `model.json`, and `galam predict` pre-processes new galaxies with exactly
/// it — so a model trained on a stricter blend check or other spectral cuts predicts with
/// them too.
public struct PreprocessingContract: Codable, Equatable, Sendable {
    /// Version of this record's layout; bump it when a field changes meaning.
    public static let currentVersion = 1

    public var version: Int
    public var spectra: SpectraStage
    public var images: ImageStage

    public init(spectra: SpectraStage = SpectraStage(), images: ImageStage = ImageStage()) {
        version = Self.currentVersion
        self.spectra = spectra
        self.images = images
    }

    /// Throws `InvalidSetting` for settings either stage or the paper's networks cannot work
    /// with (M2 needs images of at least `PaperModel.minimumImageSize` pixels).
    public func validate() throws {
        try spectra.validate()
        try images.validate()
        try PaperModel.checkImageSize(images.size)
    }

    /// The contract of a dataset folder, from its `manifest.json`.
    ///
    /// Datasets prepared before the contract was recorded (no `preprocessing` entry) were
    /// prepared with the default stages apart from the image size and bands they record, and
    /// — when they record one — the blend check described in words. Such a dataset is read
    /// when that description is the default's; otherwise the settings cannot be recovered
    /// exactly and the error says to prepare it again.
    public static func of(datasetDirectory dir: String) throws -> PreprocessingContract {
        let path = dir + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: "no manifest.json: not a dataset folder written by `galam prepare`")
        }
        if let recorded = try? JSONDecoder().decode(DatasetManifestContract.self, from: data) {
            guard recorded.preprocessing.version <= currentVersion else {
                throw SurveyIOError(path: path, reason: "pre-processing contract version \(recorded.preprocessing.version) is newer than this galam understands (\(currentVersion)); update galam")
            }
            return recorded.preprocessing
        }
        guard let legacy = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SurveyIOError(path: path, reason: "not a readable dataset manifest")
        }
        var contract = PreprocessingContract()
        if let size = (legacy["image_size"] as? String).flatMap(Int.init) { contract.images.size = size }
        if let bands = legacy["bands"] as? String {
            guard let b = Bands(rawValue: bands) else { throw SurveyIOError(path: path, reason: "unknown bands '\(bands)'") }
            contract.images.bands = b
        }
        if let described = legacy["blend_check"] as? String, described != legacyBlendCheckDescription(ImageStage()) {
            throw SurveyIOError(path: path, reason: "this dataset was prepared by an older galam with a non-default blend check ('\(described)') that its manifest records only in words; run `galam prepare` again with the same options, then `galam train` (unchanged stages come from the cache)")
        }
        return contract
    }

    /// How `galam prepare` described the blend check in words before the contract existed.
    static func legacyBlendCheckDescription(_ images: ImageStage) -> String {
        "region \(images.blendRegion.rawValue), detect on \(images.detectionImages.rawValue), "
            + "min pixels \(images.detector.minPixels), min prominence \(images.detector.minProminenceSigma) σ"
    }
}

/// The one entry of a dataset manifest the contract is read from.
struct DatasetManifestContract: Decodable { var preprocessing: PreprocessingContract }

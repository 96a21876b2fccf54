import Foundation
import SurveyIO

/// The fate of one catalog row in the spectra stage.
public struct SpectrumOutcome: Sendable {
    /// Resampled, normalised spectrum when accepted.
    public var vector: [Float]?
    /// Why the galaxy was rejected (selection cut, pre-processing or a file problem).
    public var rejectReason: String?
    /// The SPECOBJ values read, when the file could be read.
    public var object: SpecObject?
    /// True when the failure was an I/O problem with the file (not a scientific cut).
    public var fileError: Bool

    public var accepted: Bool { vector != nil }

    public var fate: Fate { Fate(rejectReason: rejectReason ?? (vector == nil ? "unknown" : nil), fileError: fileError) }
}

extension SpectrumOutcome: StageOutcome {}

/// The spectra stage: read a `spec` file, apply the selection cuts, resample and normalise.
/// Its whole configuration is part of a dataset's pre-processing contract (recorded by
/// `prepare`, carried into the model, used again by `predict`).
public struct SpectraStage: Codable, Equatable, Sendable {
    public var cuts: SelectionCuts
    public var preprocessing: SpectrumPreprocessing

    public init(cuts: SelectionCuts = .paper, preprocessing: SpectrumPreprocessing = .paper) {
        self.cuts = cuts
        self.preprocessing = preprocessing
    }

    /// Throws `InvalidSetting` for settings that cannot work.
    public func validate() throws {
        guard cuts.minRedshift <= cuts.maxRedshift else {
            throw InvalidSetting("--min-z/--max-z", "empty redshift range \(cuts.minRedshift)…\(cuts.maxRedshift)")
        }
        guard cuts.minSNR.isFinite else { throw InvalidSetting("--min-snr", "must be a number") }
        guard (0...1).contains(preprocessing.maxBadFraction) else {
            throw InvalidSetting("--max-bad-fraction", "must lie in [0, 1], not \(preprocessing.maxBadFraction)")
        }
        guard preprocessing.grid.count >= 2 else { throw InvalidSetting("grid", "the wavelength grid needs at least 2 points") }
    }

    /// Processes one file.
    public func process(path: String) -> SpectrumOutcome {
        let spectrum: SDSSSpectrum
        do {
            spectrum = try SDSSSpectrum(contentsOf: path)
        } catch let e as SurveyIOError {
            return SpectrumOutcome(vector: nil, rejectReason: e.reason, object: nil, fileError: true)
        } catch {
            return SpectrumOutcome(vector: nil, rejectReason: "\(error)", object: nil, fileError: true)
        }
        return process(spectrum)
    }

    /// Processes a spectrum already read (the cuts, then resampling).
    public func process(_ spectrum: SDSSSpectrum) -> SpectrumOutcome {
        if let why = cuts.reason(for: spectrum.object) {
            return SpectrumOutcome(vector: nil, rejectReason: why, object: spectrum.object, fileError: false)
        }
        do {
            let v = try preprocessing.resample(spectrum)
            return SpectrumOutcome(vector: v, rejectReason: nil, object: spectrum.object, fileError: false)
        } catch {
            return SpectrumOutcome(vector: nil, rejectReason: "\(error)", object: spectrum.object, fileError: false)
        }
    }

}

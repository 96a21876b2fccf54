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
}

/// Runs the spectra stage over a catalog: read each `spec` file, apply the selection cuts,
/// resample and normalise. Rows are independent and run on `threads` threads; results come
/// back in catalog order whatever the thread count.
public struct SpectraStage: Sendable {
    public var cuts: SelectionCuts
    public var preprocessing: SpectrumPreprocessing

    public init(cuts: SelectionCuts = .paper, preprocessing: SpectrumPreprocessing = .paper) {
        self.cuts = cuts
        self.preprocessing = preprocessing
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

    /// Processes every path, in parallel, reporting progress; results in input order.
    public func process(paths: [String], threads: Int, progress: ProgressReporter? = nil) -> [SpectrumOutcome] {
        ParallelWork.map(count: paths.count, threads: threads, progress: progress) { process(path: paths[$0]) }
    }
}

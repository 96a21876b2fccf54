import Foundation
import Imaging
import NeuralNet
import Spectra
import StellarPops
import SurveyIO

/// What one input did: accepted by the reader and the stage behind it, or rejected with the
/// reason a user would see. Anything else — a trap, a sanitizer report, an allocation beyond
/// the fuzzer's memory limit — is a bug.
public enum FuzzVerdict: Equatable, Sendable {
    case accepted
    case rejected(String)

    public var reason: String? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}

/// The code each libFuzzer target in `Fuzz/` runs on one input, and that the regression tests
/// (`Tests/FuzzRegressionTests`) run on every saved crasher: the same function in both, so a
/// fixed crash stays fixed. Each reads bytes (through a per-process temporary file where the
/// stages' reader takes a path) and goes on into the per-galaxy stage that consumes the reader's
/// output, since that is where sizes taken from the file are used.
public enum FuzzTargets {
    /// Target names, as folders under `Tests/FuzzRegressions/` and executables `fuzz-<name>`.
    public static let names = ["fits", "jpeg", "npy", "safetensors", "catalog"]

    public static func run(_ name: String, _ data: Data) -> FuzzVerdict {
        switch name {
        case "fits": return fits(data)
        case "jpeg": return jpeg(data)
        case "npy": return npy(data)
        case "safetensors": return safetensors(data)
        case "catalog": return catalog(data)
        default: return .rejected("no fuzz target \(name)")
        }
    }

    /// An SDSS `spec` file: the reader, `prepare-spectra`'s cuts and resampling (with the cuts
    /// opened wide, so corrupted SPECOBJ values still reach the resampling), then
    /// `fit-labels`' preparation: the spectrum cut to the templates and the fitter set up
    /// (instrumental smoothing kernels, FFT sizes), where every size derived from the file
    /// (z, loglam, wdisp) is used. The iterations are left out: they only reuse those sizes,
    /// and with 3 of them the target ran 13 inputs/s instead of 44 (docs/fuzzing.md).
    public static func fits(_ data: Data) -> FuzzVerdict {
        // Through a file, as the stages read spectra: cfitsio's memory driver
        // (fits_open_memfile) reads whole 2880-byte records past the end of a buffer (the
        // first finding of this target, a heap overflow), which its disk driver does not.
        let s: SDSSSpectrum
        do {
            let path = scratch.path + "/spec-input.fits"
            try data.write(to: URL(fileURLWithPath: path))
            s = try SDSSSpectrum(contentsOf: path)
        } catch { return .rejected(reason(error)) }
        let open = SpectraStage(cuts: SelectionCuts(minRedshift: -.infinity, maxRedshift: .infinity, requireZWarningZero: false,
                                                    minSNR: -.infinity))
        let spectra = open.process(s)
        guard let templates = fitTemplates else { return .rejected(spectra.rejectReason ?? "accepted; no templates to fit") }
        do {
            let options = FitOptions()
            let spec = try FitSpectrum(sdss: s, templates: templates, options: options)
            _ = try GalaxyFitter(templates: templates, spectrum: spec, options: options)
        } catch { return .rejected(reason(error)) }
        return spectra.accepted ? .accepted : .rejected(spectra.rejectReason ?? "unknown")
    }

    /// The paper's 36 MILES SSPs prepared at SDSS's step, once per process; nil when the
    /// template cache is empty (`galam templates fetch`), in which case only the reader and
    /// the spectra stage are exercised.
    nonisolated(unsafe) static let fitTemplates: PreparedTemplates? = {
        guard let grid = try? SSPGrid.load(.miles, selection: .paper, cache: TemplateCache()) else { return nil }
        return PreparedTemplates(grid: grid, lnStep: FitLabelsJob.sdssLnStep)
    }()

    /// Largest JPEG the image target decodes: the stage's cost grows with the pixels, and a
    /// 64 KB input declaring 8192² would spend the fuzzer's time (not find bugs) in one run.
    public static let jpegMaxPixels = 1 << 20

    /// A JPEG cutout through `prepare-images`' decoder and the whole image stage (64 px output).
    public static func jpeg(_ data: Data) -> FuzzVerdict {
        do {
            let image = try JPEG.decode(data, maxPixels: jpegMaxPixels, requireColour: true)
            var stage = ImageStage.paper
            stage.size = 64
            let o = stage.process(image)
            return o.accepted ? .accepted : .rejected(o.rejectReason ?? "unknown")
        } catch { return .rejected(reason(error)) }
    }

    /// A `.npy` file as float32 and as uint8, from bytes and memory-mapped (the two readers
    /// share the header parser but not the size checks), reading every row.
    public static func npy(_ data: Data) -> FuzzVerdict {
        var reasons: [String] = []
        do { _ = try NPYArray<Float>(npyData: data) } catch { reasons.append(reason(error)) }
        do { _ = try NPYArray<UInt8>(npyData: data) } catch { reasons.append(reason(error)) }
        let path = scratch.path + "/input.npy"
        do {
            try data.write(to: URL(fileURLWithPath: path))
            let mapped = try MappedNPY<Float>(path: path)
            var sum: Float = 0
            for i in 0..<(mapped.shape.first ?? 0) { for v in mapped.row(i) { sum += v } }
            _ = sum
        } catch { reasons.append(reason(error)) }
        return reasons.count == 3 ? .rejected(reasons.joined(separator: "; ")) : .accepted
    }

    /// A safetensors checkpoint.
    public static func safetensors(_ data: Data) -> FuzzVerdict {
        do {
            let (entries, _) = try SafeTensors.decode(data)
            return entries.values.allSatisfy({ $0.values.count == $0.shape.reduce(1, *) }) ? .accepted : .rejected("shape mismatch")
        } catch { return .rejected(reason(error)) }
    }

    /// A catalog CSV: the reader, then what every job does with it (columns by name, the
    /// fate columns added, written back and read again).
    public static func catalog(_ data: Data) -> FuzzVerdict {
        do {
            var c = try Catalog(csvData: data)
            for name in c.columns { _ = try c.column(name) }
            _ = try? c.column("spec_file")
            c.setColumn(.accepted, [String](repeating: "true", count: c.count))
            c.setColumn(.rejectReason, [String](repeating: "", count: c.count))
            let again = try Catalog(csvData: Data(try c.csvText().utf8))
            guard again.count == c.count, again.columns.count == c.columns.count else {
                return .rejected("catalog changed on a round trip: \(c.count) → \(again.count) rows")
            }
            return .accepted
        } catch { return .rejected(reason(error)) }
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? SurveyIOError { return e.reason }
        let text = "\(error)"
        return text.isEmpty ? "unknown error" : text
    }

    /// A per-process folder for the inputs a reader needs as a file.
    static let scratch = ScratchFolder()
}

/// A temporary folder removed when the process ends normally.
final class ScratchFolder: @unchecked Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "galam-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

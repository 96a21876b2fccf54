import Foundation
import NeuralNet
import Randomness
import SurveyIO

/// One column of per-galaxy values a network reads, by dataset row: the images (uint8,
/// scaled to [0, 1] per batch as the authors' code scales them), a float array on disk
/// (spectra, a network's features), a small table in memory (scaled labels), or several of
/// these side by side (a target with an auxiliary part).
public enum DatasetColumn {
    case images(NPYRowReader<UInt8>)
    case floats(NPYRowReader<Float>)
    /// `width` values per dataset row, rows back to back.
    case table([Float], width: Int)
    /// Each row is the columns' rows one after another (images are not joined).
    case joined([DatasetColumn])

    /// Values per galaxy.
    public var width: Int {
        switch self {
        case let .images(r): return r.rowLength
        case let .floats(r): return r.rowLength
        case let .table(_, w): return w
        case let .joined(parts): return parts.reduce(0) { $0 + $1.width }
        }
    }

    /// Opens a float `.npy` whose rows are the dataset's.
    public static func floats(path: String) throws -> DatasetColumn { .floats(try NPYRowReader<Float>(path: path)) }

    /// Reads the rows at `positions` of `rows`; images are transformed by `transforms(row)`
    /// when given (a pixel map per dihedral transform, nil for the identity).
    func read(_ rows: [Int], positions: ArraySlice<Int>, into out: UnsafeMutablePointer<Float>, scratch: inout [UInt8],
              transforms: ((Int) -> [Int32]?)? = nil) throws {
        let w = width
        switch self {
        case let .images(r):
            if scratch.count < w { scratch = [UInt8](repeating: 0, count: w) }
            for (j, p) in positions.enumerated() {
                try scratch.withUnsafeMutableBufferPointer { try r.read(row: rows[p], into: $0.baseAddress!) }
                let dst = out + j * w
                if let map = transforms?(rows[p]) {
                    let channels = w / map.count
                    scratch.withUnsafeBufferPointer { s in
                        for q in 0..<map.count {
                            let from = Int(map[q]) * channels
                            for c in 0..<channels { dst[q * channels + c] = Float(s[from + c]) / 255 }
                        }
                    }
                } else {
                    scratch.withUnsafeBufferPointer { s in for k in 0..<w { dst[k] = Float(s[k]) / 255 } }
                }
            }
        case let .floats(r):
            for (j, p) in positions.enumerated() { try r.read(row: rows[p], into: out + j * w) }
        case let .table(values, _):
            values.withUnsafeBufferPointer { v in
                for (j, p) in positions.enumerated() { (out + j * w).update(from: v.baseAddress! + rows[p] * w, count: w) }
            }
        case let .joined(parts):
            // Each part into a buffer of its own, then its slice of every row.
            var offset = 0
            for part in parts {
                let pw = part.width
                var buffer = [Float](repeating: 0, count: positions.count * pw)
                try buffer.withUnsafeMutableBufferPointer { try part.read(rows, positions: positions, into: $0.baseAddress!, scratch: &scratch) }
                buffer.withUnsafeBufferPointer { b in
                    for j in 0..<positions.count { (out + j * w + offset).update(from: b.baseAddress! + j * pw, count: pw) }
                }
                offset += pw
            }
        }
    }
}

/// Random dihedral transforms of a training source's images: each galaxy's image gets one of
/// the 8 per epoch, drawn from (seed, epoch, dataset row) alone, so the draw does not depend
/// on the batch a galaxy falls in, the process computing it or a resume.
public struct DihedralAugmentation: Equatable, Sendable {
    public var seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    /// The transform of dataset row `row` in epoch `epoch`.
    public func transform(epoch: Int, row: Int) -> Dihedral {
        var r = SplitMix64.derive(seed ^ 0x5DEE_CE66_D1CE_4E5B, UInt64(epoch), UInt64(row))
        return Dihedral(rawValue: Int(r.next() >> 61))!
    }
}

/// The samples of one network stage: some dataset rows (a split, or all), the columns the
/// network takes as inputs and the one it learns (none for prediction), read a batch at a
/// time from disk. Nothing per galaxy is held but the row numbers (and small tables).
public final class DatasetSource: BatchSource {
    public let rows: [Int]
    public let inputs: [DatasetColumn]
    public let target: DatasetColumn?
    /// Transforms of the image inputs per epoch (training sources only; nil: none).
    public let augmentation: DihedralAugmentation?
    private var scratch: [UInt8] = []
    private var epoch = 0
    /// Pixel maps of the 8 transforms for the (square) image size, built once.
    private var pixelMaps: [[Int32]] = []

    /// - Parameters:
    ///   - rows: the dataset rows, in the source's order.
    ///   - inputs: the columns the network reads.
    ///   - target: the column it learns (nil for prediction).
    ///   - augmentation: dihedral transforms of `.images` inputs, drawn per epoch; give it to
    ///     training sources only.
    public init(rows: [Int], inputs: [DatasetColumn], target: DatasetColumn? = nil, augmentation: DihedralAugmentation? = nil) {
        self.rows = rows; self.inputs = inputs; self.target = target; self.augmentation = augmentation
        guard augmentation != nil else { return }
        for case let .images(r) in inputs {
            precondition(r.shape.count >= 3 && r.shape[1] == r.shape[2], "dihedral augmentation needs square images, not \(r.shape.dropFirst())")
            pixelMaps = Dihedral.allCases.map { $0.pixelMap(size: r.shape[1]) }
        }
    }

    public func prepareEpoch(_ epoch: Int) { self.epoch = epoch }

    public var count: Int { rows.count }
    public var inputWidths: [Int] { inputs.map(\.width) }
    public var targetWidth: Int { target?.width ?? 0 }

    public func read(_ positions: ArraySlice<Int>, inputs out: [UnsafeMutablePointer<Float>], targets: UnsafeMutablePointer<Float>?) throws {
        let transforms: ((Int) -> [Int32]?)? = augmentation.map { a in
            { [epoch, pixelMaps] row in
                let t = a.transform(epoch: epoch, row: row)
                return t == .identity ? nil : pixelMaps[t.rawValue]
            }
        }
        for (k, c) in inputs.enumerated() { try c.read(rows, positions: positions, into: out[k], scratch: &scratch, transforms: transforms) }
        if let targets, let target { try target.read(rows, positions: positions, into: targets, scratch: &scratch) }
    }
}

/// Writes a network's per-galaxy outputs, streamed batch by batch, to a float `.npy` (one row
/// per galaxy of `source`, in order), optionally transformed per batch; returns the path.
@discardableResult
public func writeOutputs(_ model: Network, of source: BatchSource, layer: String? = nil, to path: String,
                         transform: ([Float]) -> [Float] = { $0 }) throws -> String {
    let file = RowFile(path: path, rows: source.count)
    try Inference.run(model, source, layer: layer) { y, rows in try file.append(transform(y), rows: rows.count) }
    try file.finish()
    return path
}

/// Writes the output of `model`'s layer `layer` (transformed per batch) to `path` like
/// `writeOutputs`, and returns the model's own outputs, from one pass over `source`.
public func writeFeatures(_ model: Network, layer: String, of source: BatchSource, to path: String,
                          transform: ([Float]) -> [Float]) throws -> [Float] {
    guard let seq = model as? Sequential else { throw NeuralNetError.shape("features of layer \(layer) need a Sequential model") }
    let file = RowFile(path: path, rows: source.count)
    var outputs: [Float] = []
    try Inference.run(seq, source, tapping: layer) { tapped, y, rows in
        try file.append(transform(tapped), rows: rows.count)
        outputs += y
    }
    try file.finish()
    return outputs
}

/// A float `.npy` of `rows` rows written batch by batch; the row width is the first batch's.
private final class RowFile {
    let path: String, rows: Int
    private var writer: NPYStreamWriter<Float>?
    init(path: String, rows: Int) { self.path = path; self.rows = rows }

    func append(_ values: [Float], rows n: Int) throws {
        let w = values.count / n
        if writer == nil { writer = try NPYStreamWriter<Float>(path: path, shape: [rows, w]) }
        for j in 0..<n { try writer!.append(row: Array(values[(j * w)..<((j + 1) * w)])) }
    }

    func finish() throws { try writer?.finish() }
}

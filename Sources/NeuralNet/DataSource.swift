import Foundation

/// Samples a model trains on or predicts for, read a mini-batch at a time: one float array
/// per model input (each sample in the input's per-sample shape, Keras order) and the
/// targets. A source may hold everything in memory (`Dataset`) or read rows from files as
/// they are asked for (GalAM's dataset arrays), so nothing proportional to the number of
/// samples needs to be in memory.
public protocol BatchSource: AnyObject {
    /// Number of samples.
    var count: Int { get }
    /// Floats per sample of each model input.
    var inputWidths: [Int] { get }
    /// Floats per sample of the target (0 when the source has none, as for prediction).
    var targetWidth: Int { get }
    /// Writes samples `rows` (each in 0..<count), back to back, into `inputs[k]` for input k
    /// and, when given, their targets into `targets`. Called from a background thread while
    /// the model computes on the previous batch (never twice at once on one source).
    func read(_ rows: ArraySlice<Int>, inputs: [UnsafeMutablePointer<Float>], targets: UnsafeMutablePointer<Float>?) throws
    /// Called by the trainer before it reads epoch `epoch` (0-based) of training batches, so a
    /// source can draw per-epoch random transforms (augmentation) reproducibly; never called
    /// for validation or prediction. The default does nothing.
    func prepareEpoch(_ epoch: Int)
}

extension BatchSource {
    public func prepareEpoch(_ epoch: Int) {}
}

/// Samples in memory: one flat array per model input (samples back to back, each in the
/// input's per-sample shape) and the targets (samples back to back).
public final class Dataset: BatchSource {
    public let inputs: [[Float]]
    public let targets: [Float]
    public let count: Int

    public init(inputs: [[Float]], targets: [Float], count: Int) {
        precondition(count > 0 && targets.count % count == 0, "targets do not divide into \(count) samples")
        for a in inputs { precondition(a.count % count == 0, "an input does not divide into \(count) samples") }
        self.inputs = inputs; self.targets = targets; self.count = count
    }

    public var inputWidths: [Int] { inputs.map { $0.count / count } }
    public var targetWidth: Int { targets.count / count }

    public func read(_ rows: ArraySlice<Int>, inputs out: [UnsafeMutablePointer<Float>], targets t: UnsafeMutablePointer<Float>?) {
        for (k, a) in inputs.enumerated() {
            let w = a.count / count
            a.withUnsafeBufferPointer { src in
                for (j, r) in rows.enumerated() { (out[k] + j * w).update(from: src.baseAddress! + r * w, count: w) }
            }
        }
        guard let t else { return }
        let w = targetWidth
        targets.withUnsafeBufferPointer { src in
            for (j, r) in rows.enumerated() { (t + j * w).update(from: src.baseAddress! + r * w, count: w) }
        }
    }
}

/// One mini-batch read from a source: the inputs and targets of `count` samples, in storage
/// of its own (a background thread writes it while the model reads the other one).
final class StagedBatch {
    let inputs: [UnsafeMutablePointer<Float>]
    let targets: UnsafeMutablePointer<Float>
    let widths: [Int]
    let targetWidth: Int
    var count = 0

    init(widths: [Int], targetWidth: Int, capacity: Int) {
        self.widths = widths
        self.targetWidth = targetWidth
        inputs = widths.map { w in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, w * capacity))
            p.initialize(repeating: 0, count: max(1, w * capacity))
            return p
        }
        targets = .allocate(capacity: max(1, targetWidth * capacity))
        targets.initialize(repeating: 0, count: max(1, targetWidth * capacity))
    }

    deinit {
        for p in inputs { p.deallocate() }
        targets.deallocate()
    }
}

/// Reads a source's batches in a given order, each one while the caller computes on the one
/// before (double buffering on a background thread), so the cores never wait for a file.
final class BatchStream {
    private let source: BatchSource
    private let order: [Int]
    /// Each batch's positions in `order` (a batch may be empty: a rank's share of a short one).
    private let batches: [Range<Int>]
    private let withTargets: Bool
    private var slots: [StagedBatch]
    private var nextBatch = 0
    private var pending: (slot: Int, error: Error?)?
    private let group = DispatchGroup()
    private let queue = DispatchQueue(label: "galam.batch-prefetch")
    private var turn = 0

    /// Batches of `batchSize` consecutive rows of `order` (the last one shorter).
    convenience init(_ source: BatchSource, order: [Int], batchSize: Int, targets: Bool) {
        let batches = stride(from: 0, to: order.count, by: batchSize).map { $0..<min(order.count, $0 + batchSize) }
        self.init(source, order: order, batches: batches, targets: targets)
    }

    /// The given batches of positions in `order`, in turn.
    init(_ source: BatchSource, order: [Int], batches: [Range<Int>], targets: Bool) {
        self.source = source
        self.order = order
        self.batches = batches
        withTargets = targets && source.targetWidth > 0
        let n = max(1, batches.map(\.count).max() ?? 1)
        slots = (0..<2).map { _ in StagedBatch(widths: source.inputWidths, targetWidth: source.targetWidth, capacity: n) }
        prefetch()
    }

    /// The next batch (valid until the call after next), or nil after the last.
    func next() throws -> StagedBatch? {
        guard let p = pending else { return nil }
        group.wait()
        if let e = errors[p.slot] { throw e }
        pending = nil
        prefetch()
        return slots[p.slot]
    }

    private var errors: [Error?] = [nil, nil]

    private func prefetch() {
        guard nextBatch < batches.count else { return }
        let rows = order[batches[nextBatch]]
        nextBatch += 1
        let slot = turn
        turn = 1 - turn
        let batch = slots[slot], source = self.source, withTargets = self.withTargets
        errors[slot] = nil
        pending = (slot, nil)
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            do {
                batch.count = rows.count
                try source.read(rows, inputs: batch.inputs, targets: withTargets ? batch.targets : nil)
            } catch {
                errors[slot] = error
            }
        }
    }
}

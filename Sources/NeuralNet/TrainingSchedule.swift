import Foundation

/// When training stops before its last epoch: after `patience` epochs in a row without a
/// validation loss below the best so far (Keras's `EarlyStopping(patience=…,
/// restore_best_weights=True)` with `min_delta` 0). The trainer then restores the weights of
/// the best epoch. Decided from the loss history alone, so a resumed run stops where an
/// uninterrupted one does.
public struct EarlyStopping: Codable, Equatable, Sendable {
    /// Epochs without improvement that end training.
    public var patience: Int

    public init(patience: Int) {
        precondition(patience >= 1, "patience must be at least 1")
        self.patience = patience
    }

    /// Whether training should stop after the epochs of `history`.
    public func shouldStop(after history: [EpochLoss]) -> Bool {
        guard let best = bestEpoch(of: history) else { return false }
        return history.count - 1 - best >= patience
    }

    /// The 0-based epoch of lowest validation loss (the first, on ties), nil when empty.
    public func bestEpoch(of history: [EpochLoss]) -> Int? { history.bestEpoch }
}

extension Array where Element == EpochLoss {
    /// The 0-based epoch of lowest validation loss (the first, on ties), nil when empty: the
    /// epoch whose weights a best-validation checkpoint holds.
    public var bestEpoch: Int? { indices.min { self[$0].validation < self[$1].validation } }
}

/// The learning rate of each epoch, from the base rate and the loss history so far — a pure
/// function, so a resumed run follows the schedule of an uninterrupted one.
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    /// The base rate throughout (the paper's training).
    case constant
    /// Keras's `ReduceLROnPlateau(factor, patience, min_lr)` with `min_delta` 0 and no
    /// cooldown: the rate is multiplied by `factor` after `patience` epochs in a row without a
    /// new best validation loss, never below `minimum`.
    case reduceOnPlateau(factor: Float, patience: Int, minimum: Float)
    /// Cosine decay from the base rate at epoch 0 towards `minimum` at the stage's last epoch
    /// (Loshchilov & Hutter's SGDR without restarts), per epoch.
    case cosine(minimum: Float)

    /// The plateau schedule GalAM uses by default: halve after 5 epochs without improvement,
    /// down to 1e-6.
    public static let plateau = LearningRateSchedule.reduceOnPlateau(factor: 0.5, patience: 5, minimum: 1e-6)

    /// The rate for epoch `epoch` (0-based) of `epochs`, after the epochs of `history`
    /// (`history.count` is normally `epoch`).
    public func rate(base: Float, epoch: Int, epochs: Int, history: [EpochLoss]) -> Float {
        switch self {
        case .constant:
            return base
        case let .cosine(minimum):
            guard epochs > 1 else { return base }
            let t = Double(min(epoch, epochs - 1)) / Double(epochs - 1)
            return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * t)))
        case let .reduceOnPlateau(factor, patience, minimum):
            var rate = base, best = Double.infinity, wait = 0
            for e in history.prefix(epoch) {
                if e.validation < best {
                    best = e.validation
                    wait = 0
                } else {
                    wait += 1
                    if wait >= patience {
                        rate = max(rate * factor, minimum)
                        wait = 0
                    }
                }
            }
            return rate
        }
    }

    /// A short name for logs and options: `constant`, `plateau`, `cosine`.
    public var name: String {
        switch self {
        case .constant: return "constant"
        case .reduceOnPlateau: return "plateau"
        case .cosine: return "cosine"
        }
    }
}

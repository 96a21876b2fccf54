import CDNNL
import Foundation
import XCTest
@testable import NeuralNet

/// Flush-to-zero: `ComputeContext.activate()` (which the Trainer's passes and its inference
/// call) sets it on the calling thread and its OpenMP team, so subnormal inputs
/// (denormals-are-zero) give exactly zero in oneDNN's kernels and the engine's own loops,
/// instead of the slow microcode path. (A new thread inherits its creator's MXCSR, so the test
/// clears it first; without DAZ each output is 6.4e-38.)
final class DenormalsTests: XCTestCase {
    func testActivateFlushesSubnormalsOnANewThread() {
        /// What the thread saw (read after it signals).
        final class Seen: @unchecked Sendable { var before: Int32 = -1, after: Int32 = -1, outputs: [Float] = [] }
        let seen = Seen()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            galam_keep_denormals_here()
            seen.before = galam_denormals_flushed()
            let context = ComputeContext(threads: 2)
            let dense = Dense("d", units: 4)
            let model = Sequential(inputShape: [64], layers: [dense], seed: 1, context: context)
            // Unit weights and no bias: each output is the sum of 64 subnormal inputs.
            dense.parameters[0].write([Float](repeating: 1, count: 64 * 4))
            context.activate()
            let x = Tensor(shape: [8, 64], values: [Float](repeating: 1e-39, count: 8 * 64))
            seen.outputs = model.forward(x, training: false).values
            seen.after = galam_denormals_flushed()
            done.signal()
        }
        thread.start()
        done.wait()
        #if arch(x86_64)
        XCTAssertEqual(seen.before, 0)
        XCTAssertEqual(seen.after, 1)
        XCTAssertEqual(seen.outputs, [Float](repeating: 0, count: 32), "subnormal inputs read as zero")
        #endif
    }
}

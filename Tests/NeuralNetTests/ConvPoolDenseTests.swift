import Randomness
import XCTest
@testable import NeuralNet

/// Forward passes against naive loops, and backward passes against finite differences.
final class ConvPoolDenseTests: XCTestCase {
    /// Naive Keras Conv2D (NHWC input, kh×kw×in×out kernel), stride 1, optional ReLU.
    func naiveConv2D(_ x: [Float], n: Int, h: Int, w: Int, c: Int, k: [Float], kh: Int, kw: Int,
                     f: Int, bias: [Float], same: Bool, relu: Bool) -> [Float] {
        let pt = same ? (kh - 1) / 2 : 0, pl = same ? (kw - 1) / 2 : 0
        let oh = same ? h : h - kh + 1, ow = same ? w : w - kw + 1
        var y = [Float](repeating: 0, count: n * oh * ow * f)
        for b in 0..<n { for i in 0..<oh { for j in 0..<ow { for o in 0..<f {
            var s = Double(bias[o])
            for di in 0..<kh { for dj in 0..<kw {
                let ii = i + di - pt, jj = j + dj - pl
                if ii < 0 || jj < 0 || ii >= h || jj >= w { continue }
                for ci in 0..<c {
                    s += Double(x[((b * h + ii) * w + jj) * c + ci]) * Double(k[((di * kw + dj) * c + ci) * f + o])
                }
            } }
            let v = Float(s)
            y[((b * oh + i) * ow + j) * f + o] = relu ? max(0, v) : v
        } } } }
        return y
    }

    func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tol, file: file, line: line)
    }

    func testConv2DForwardMatchesNaive() {
        for (same, relu, f) in [(false, false, 5), (true, true, 5), (true, false, 5), (true, true, 32)] {
            let conv = built(Conv("c", filters: f, kernel: [3, 3], padding: same ? .same : .valid, relu: relu), [7, 6, 3])
            let xv = randomValues(2 * 7 * 6 * 3, seed: 11)
            let y = conv.forward(Tensor(shape: [2, 7, 6, 3], values: xv), training: false)
            let ref = naiveConv2D(xv, n: 2, h: 7, w: 6, c: 3, k: conv.parameters[0].read(), kh: 3, kw: 3, f: f,
                                  bias: conv.parameters[1].read(), same: same, relu: relu)
            XCTAssertEqual(y.shape, same ? [2, 7, 6, f] : [2, 5, 4, f])
            assertClose(y.values, ref)
        }
    }

    /// oneDNN's `auto` may pick Winograd (64 channels, 3×3): same results to rounding, and
    /// gradients that pass the finite-difference check.
    func testAutoAlgorithmMatchesNaive() {
        let layer = Conv("w", filters: 64, kernel: [3, 3], padding: .same, relu: true)
        layer.context = ComputeContext(convolutionAlgorithm: .auto)
        let conv = built(layer, [16, 16, 64])
        XCTAssertEqual(conv.algorithm, .auto)
        let xv = randomValues(16 * 16 * 16 * 64, seed: 17)
        let y = conv.forward(Tensor(shape: [16, 16, 16, 64], values: xv), training: false)
        let ref = naiveConv2D(xv, n: 16, h: 16, w: 16, c: 64, k: conv.parameters[0].read(), kh: 3, kw: 3, f: 64,
                              bias: conv.parameters[1].read(), same: true, relu: true)
        assertClose(y.values, ref, tol: 1e-3)
        checkLayerGradients(conv, inputShape: [16, 16, 64], batch: 16)
    }

    func testConv1DForwardMatchesNaive() {
        // A Conv1D is a Conv2D with height 1: reuse the 2-D reference.
        for same in [false, true] {
            let conv = built(Conv("c", filters: 4, kernel: [3], padding: same ? .same : .valid, relu: true), [11, 2])
            let xv = randomValues(3 * 11 * 2, seed: 12)
            let y = conv.forward(Tensor(shape: [3, 11, 2], values: xv), training: false)
            let ref = naiveConv2D(xv, n: 3, h: 1, w: 11, c: 2, k: conv.parameters[0].read(), kh: 1, kw: 3, f: 4,
                                  bias: conv.parameters[1].read(), same: same, relu: true)
            XCTAssertEqual(y.shape, [3, same ? 11 : 9, 4])
            assertClose(y.values, ref)
        }
    }

    func testMaxPoolForwardMatchesNaive() {
        let p2 = built(MaxPool("p", pool: [2, 2]), [5, 7, 3])
        let xv = randomValues(2 * 5 * 7 * 3, seed: 13)
        let y = p2.forward(Tensor(shape: [2, 5, 7, 3], values: xv), training: false)
        XCTAssertEqual(y.shape, [2, 2, 3, 3])
        var ref: [Float] = []
        for b in 0..<2 { for i in 0..<2 { for j in 0..<3 { for c in 0..<3 {
            var m = -Float.infinity
            for di in 0..<2 { for dj in 0..<2 { m = max(m, xv[((b * 5 + 2 * i + di) * 7 + 2 * j + dj) * 3 + c]) } }
            ref.append(m)
        } } } }
        XCTAssertEqual(y.values, ref)

        let p1 = built(MaxPool("p", pool: [3]), [11, 2])
        let xv1 = randomValues(2 * 11 * 2, seed: 14)
        let y1 = p1.forward(Tensor(shape: [2, 11, 2], values: xv1), training: false)
        XCTAssertEqual(y1.shape, [2, 3, 2])
        var ref1: [Float] = []
        for b in 0..<2 { for i in 0..<3 { for c in 0..<2 {
            ref1.append((0..<3).map { xv1[(b * 11 + 3 * i + $0) * 2 + c] }.max()!)
        } } }
        XCTAssertEqual(y1.values, ref1)
    }

    func testDenseForwardMatchesNaive() {
        let d = built(Dense("d", units: 6, relu: true), [9])
        let xv = randomValues(4 * 9, seed: 15)
        let y = d.forward(Tensor(shape: [4, 9], values: xv), training: false)
        let k = d.parameters[0].read(), b = d.parameters[1].read()
        var ref: [Float] = []
        for n in 0..<4 { for o in 0..<6 {
            var s = Double(b[o])
            for i in 0..<9 { s += Double(xv[n * 9 + i]) * Double(k[i * 6 + o]) }
            ref.append(max(0, Float(s)))
        } }
        assertClose(y.values, ref)
    }

    func testFlattenKeepsKerasOrder() {
        let f = built(Flatten("f"), [2, 3, 4])
        let xv = randomValues(2 * 24, seed: 16)
        let y = f.forward(Tensor(shape: [2, 2, 3, 4], values: xv), training: false)
        XCTAssertEqual(y.shape, [2, 24])
        XCTAssertEqual(y.values, xv)
    }

    func testConvGradients() {
        checkLayerGradients(built(Conv("c2v", filters: 3, kernel: [3, 3]), [5, 6, 2]), inputShape: [5, 6, 2])
        checkLayerGradients(built(Conv("c2s", filters: 3, kernel: [3, 3], padding: .same, relu: true), [4, 5, 2]),
                            inputShape: [4, 5, 2])
        checkLayerGradients(built(Conv("c1", filters: 3, kernel: [3], padding: .valid, relu: true), [9, 2]),
                            inputShape: [9, 2])
        // Blocked layouts on both sides (16 channels in and out).
        let blocked = built(Conv("c16", filters: 16, kernel: [3, 3], padding: .same, relu: true), [4, 4, 16])
        checkLayerGradients(blocked, inputShape: [4, 4, 16])
        checkLayerGradients(built(MaxPool("p16", pool: [2, 2]), [4, 4, 16]), inputShape: [4, 4, 16])
    }

    func testPoolDenseFlattenGradients() {
        checkLayerGradients(built(MaxPool("p2", pool: [2, 2]), [5, 4, 3]), inputShape: [5, 4, 3])
        checkLayerGradients(built(MaxPool("p1", pool: [3]), [10, 2]), inputShape: [10, 2])
        checkLayerGradients(built(Dense("d", units: 5, relu: true), [7]), inputShape: [7])
        checkLayerGradients(built(Dense("dl", units: 3), [4]), inputShape: [4])
        checkLayerGradients(built(ReLU("r"), [6]), inputShape: [6])
    }

    func testDropoutInvertedAndDeterministic() {
        let d = built(Dropout("drop", rate: 0.25), [1000])
        let x = Tensor(shape: [2, 1000], values: [Float](repeating: 1, count: 2000))
        XCTAssertEqual(d.forward(x, training: false).values, x.values, "inference is the identity")
        d.rng = SplitMix64(seed: 5)
        let y = d.forward(x, training: true).values
        let kept = y.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 2000, 0.75, accuracy: 0.04)
        d.rng = SplitMix64(seed: 5)
        XCTAssertEqual(d.forward(x, training: true).values, y, "same seed, same mask")
        let dx = d.backward(Tensor(shape: [2, 1000], values: [Float](repeating: 2, count: 2000)))!.values
        XCTAssertEqual(dx, y.map { $0 * 2 })
    }
}

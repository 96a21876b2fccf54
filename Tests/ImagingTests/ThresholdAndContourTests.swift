import Foundation
@testable import Imaging
import Randomness
import SurveyIO
import XCTest

final class ThresholdAndContourTests: XCTestCase {
    func testThresholdConvergesToMidpointOfTwoLevels() throws {
        // Unequal class sizes: the midpoint start already splits the classes, so the next
        // iterate is (mean high + mean low) / 2 = midpoint, whatever the proportions.
        var values = [Float](repeating: 0.2, count: 900)
        values += [Float](repeating: 0.7, count: 100)
        XCTAssertEqual(try IterativeThreshold(tolerance: 1e-6).threshold(of: values), 0.45, accuracy: 1e-6)
        // With noise the converged threshold matches a plain reference loop.
        var rng = SplitMix64(seed: 3)
        let noisy = (0..<2000).map { i -> Float in (i < 1500 ? 0.1 : 0.8) + Float(rng.gaussian() * 0.05) }
        var t = (noisy.max()! + noisy.min()!) / 2
        for _ in 0..<100 {
            let fg = noisy.filter { $0 > t }, bg = noisy.filter { $0 <= t }
            let next = (fg.reduce(0, +) / Float(fg.count) + bg.reduce(0, +) / Float(bg.count)) / 2
            let done = abs(next - t) < 1e-6
            t = next
            if done { break }
        }
        XCTAssertEqual(try IterativeThreshold(tolerance: 1e-6).threshold(of: noisy), t, accuracy: 1e-4)
        XCTAssertEqual(t, 0.45, accuracy: 0.01)
    }

    func testFlatImageIsRejectedAsEmpty() {
        XCTAssertThrowsError(try IterativeThreshold.paper.threshold(of: [Float](repeating: 0.3, count: 64))) {
            XCTAssertEqual($0 as? ImagingRejection, .empty)
        }
    }

    func testEllipseFitRecoversNoisyEllipse() throws {
        let truth = Ellipse(centerX: 61.3, centerY: 70.8, semiMajor: 30, semiMinor: 14, angleRadians: 0.6)
        var rng = SplitMix64(seed: 11)
        for noise in [0.0, 0.15] {
            let points = (0..<200).map { k -> (x: Double, y: Double) in
                let p = truth.point(at: 2 * Double.pi * Double(k) / 200)
                return (p.x + noise * rng.gaussian(), p.y + noise * rng.gaussian())
            }
            let e = try XCTUnwrap(EllipseFit.fit(points))
            XCTAssertEqual(e.centerX, truth.centerX, accuracy: 0.01 * truth.semiMinor)
            XCTAssertEqual(e.centerY, truth.centerY, accuracy: 0.01 * truth.semiMinor)
            XCTAssertEqual(e.semiMajor, truth.semiMajor, accuracy: 0.01 * truth.semiMajor)
            XCTAssertEqual(e.semiMinor, truth.semiMinor, accuracy: 0.01 * truth.semiMinor)
            XCTAssertEqual(e.angleRadians, truth.angleRadians, accuracy: 0.01 * truth.angleRadians)
        }
        // A partial arc (a quarter of the ellipse) still pins the ellipse down without noise.
        let arc = (0..<50).map { truth.point(at: Double($0) / 50 * Double.pi / 2) }
        let e = try XCTUnwrap(EllipseFit.fit(arc.map { (x: $0.x, y: $0.y) }))
        XCTAssertEqual(e.semiMajor, truth.semiMajor, accuracy: 1e-6 * truth.semiMajor)
        // Collinear points determine no ellipse.
        XCTAssertNil(EllipseFit.fit((0..<10).map { (x: Double($0), y: 2 * Double($0)) }))
    }

    func testExternalContourIsTheOuterBorderOfEachObject() {
        let W = 40, H = 30
        var mask = [Bool](repeating: false, count: W * H)
        // A filled ellipse with a hole holding a small island, and a separate square.
        let blob = Ellipse(centerX: 15, centerY: 14, semiMajor: 11, semiMinor: 8, angleRadians: 0.3)
        for y in 0..<H { for x in 0..<W where blob.contains(x: Double(x), y: Double(y)) { mask[y * W + x] = true } }
        for y in 10...18 { for x in 11...19 { mask[y * W + x] = false } }
        for y in 13...15 { for x in 14...16 { mask[y * W + x] = true } }
        for y in 5...9 { for x in 30...35 { mask[y * W + x] = true } }
        let contours = Contours.external(mask, width: W, height: H)
        XCTAssertEqual(contours.count, 2, "the island inside the hole is not external")
        // Reference: object pixels of the outer object with a 4-neighbour reachable from outside.
        let labels = ConnectedComponents.label(mask, width: W, height: H)
        for contour in contours {
            let l = labels.labels[contour[0].y * W + contour[0].x]
            var expected = Set<PixelPoint>()
            for y in 0..<H {
                for x in 0..<W where labels.labels[y * W + x] == l {
                    let n = [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]
                    if n.contains(where: { $0.0 < 0 || $0.1 < 0 || $0.0 >= W || $0.1 >= H || (!mask[$0.1 * W + $0.0] && !(11...19 ~= $0.0 && 10...18 ~= $0.1)) }) {
                        expected.insert(PixelPoint(x, y))
                    }
                }
            }
            XCTAssertEqual(Set(contour), expected)
            // Consecutive points are 8-neighbours: a closed walk.
            for (a, b) in zip(contour, contour.dropFirst() + [contour[0]]) {
                XCTAssertLessThanOrEqual(max(abs(a.x - b.x), abs(a.y - b.y)), 1)
            }
        }
    }

    func testConnectedComponentsMatchNaiveFloodFill() {
        var rng = SplitMix64(seed: 5)
        for (W, H, p) in [(23, 17, 0.45), (40, 31, 0.55), (9, 50, 0.3)] {
            let mask = (0..<(W * H)).map { _ in rng.uniform() < p }
            for eight in [true, false] {
                let got = ConnectedComponents.label(mask, width: W, height: H, minPixels: 3, eightConnected: eight)
                // Naive reference: a recursive-free flood fill with a queue, labelling in raster order.
                var ref = [Int32](repeating: 0, count: W * H)
                var seen = [Bool](repeating: false, count: W * H)
                var next: Int32 = 0
                for s in 0..<(W * H) where mask[s] && !seen[s] {
                    var queue = [s], group: [Int] = []
                    seen[s] = true
                    while !queue.isEmpty {
                        let q = queue.removeFirst()
                        group.append(q)
                        for dy in -1...1 { for dx in -1...1 {
                            if (dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0) { continue }
                            let x = q % W + dx, y = q / W + dy
                            if x >= 0 && y >= 0 && x < W && y < H && mask[y * W + x] && !seen[y * W + x] {
                                seen[y * W + x] = true
                                queue.append(y * W + x)
                            }
                        } }
                    }
                    if group.count >= 3 { next += 1; for q in group { ref[q] = next } }
                }
                XCTAssertEqual(got.count, Int(next))
                XCTAssertEqual(got.labels, ref)
            }
        }
    }
}

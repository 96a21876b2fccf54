import Foundation
import Imaging
import XCTest

/// Canny edges (optional step before contour tracing): hand-checkable shapes.
final class CannyEdgesTests: XCTestCase {
    func testEdgesOfADiscFormOneThinRingOnItsBorder() throws {
        let W = 80, H = 80
        var disc = [Bool](repeating: false, count: W * H)
        for y in 0..<H { for x in 0..<W where hypot(Double(x) - 40, Double(y) - 40) <= 15 { disc[y * W + x] = true } }
        let edges = CannyEdges.paper.edges(binary: disc, width: W, height: H)
        // Every edge pixel touches the border: object and background within its 3×3 neighbourhood.
        for i in 0..<(W * H) where edges[i] {
            let x = i % W, y = i / W
            var object = false, background = false
            for dy in -1...1 { for dx in -1...1 { if disc[(y + dy) * W + x + dx] { object = true } else { background = true } } }
            XCTAssertTrue(object && background, "edge pixel (\(x), \(y)) is off the border")
        }
        // One closed ring: a single contour of ≥ 5 points whose ellipse is the disc within a pixel.
        let contours = Contours.external(edges, width: W, height: H).filter { $0.count >= 5 }
        XCTAssertEqual(contours.count, 1)
        let e = try XCTUnwrap(EllipseFit.fit(contours[0]))
        XCTAssertEqual(e.centerX, 40, accuracy: 1)
        XCTAssertEqual(e.centerY, 40, accuracy: 1)
        XCTAssertEqual(e.semiMajor, 15, accuracy: 1)
        XCTAssertEqual(e.semiMinor, 15, accuracy: 1)
    }

    func testHysteresisKeepsOnlyWeakEdgesAttachedToStrongOnes() {
        // A vertical step of 10 grey levels: Sobel |gx| = 4 × 10 = 40, between 30 and 90.
        let W = 30, H = 20
        let weak = (0..<(W * H)).map { i -> Float in i % W >= 15 ? 10 : 0 }
        XCTAssertFalse(CannyEdges.paper.edges(weak, width: W, height: H).contains(true), "isolated weak edge dropped")
        let kept = CannyEdges(lowThreshold: 30, highThreshold: 35).edges(weak, width: W, height: H)
        // Exactly one column survives non-maximum suppression: the last dark one (x = 14).
        for y in 0..<H { for x in 0..<W { XCTAssertEqual(kept[y * W + x], x == 14, "(\(x), \(y))") } }
    }
}

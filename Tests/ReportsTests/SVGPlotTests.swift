import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reports
import XCTest

final class SVGPlotTests: XCTestCase {
    func testNiceTicks() {
        XCTAssertEqual(SVGPlot.ticks(0...1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 })
        XCTAssertEqual(SVGPlot.ticks(3830...8000, count: 6), [4000, 5000, 6000, 7000, 8000])
        XCTAssertEqual(SVGPlot.ticks(-0.35...0.25, count: 6), [-0.3, -0.2, -0.1, 0, 0.1, 0.2])
    }

    /// The document is well-formed XML with one polyline per series and escaped labels.
    func testWellFormedSVG() throws {
        var p = SVGPlot(title: "a < b & c", xLabel: "λ (Å)", yLabel: "flux")
        p.series = [.init(label: "one", x: [1, 2, 3], y: [1, 4, 9], color: "black"),
                    .init(label: "two", x: [1, 2, 3], y: [2, .nan, 3], color: "red")]
        let doc = try XMLDocument(xmlString: p.svg())
        XCTAssertEqual(try doc.nodes(forXPath: "//*[local-name()='polyline']").count, 2)
        XCTAssertTrue(p.svg().contains("a &lt; b &amp; c"))
    }
}

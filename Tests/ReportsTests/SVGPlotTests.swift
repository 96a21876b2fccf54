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

final class FigureTests: XCTestCase {
    func testHistogramCountsByHand() {
        XCTAssertEqual(Figures.histogram([0, 0.1, 0.5, 0.99, 1.0, 2.0, .nan], range: 0...1, bins: 2), [2, 3])
    }

    /// Every figure is well-formed XML, and the report embeds them in one HTML file.
    func testFiguresAndReportAreWellFormed() throws {
        let truth = (0..<200).map { 8.5 + Double($0) / 120 }
        let pred = truth.enumerated().map { $0.element + 0.1 * sin(Double($0.offset)) }
        let figs = [
            Figures.predictedVsTrue(title: "age", label: "log age", predicted: pred, truth: truth),
            Figures.histograms(title: "labels", xLabel: "log age", samples: [("train", truth), ("test", pred)]),
            Figures.lossCurves(title: "loss", stages: [("M1", [1, 0.5, 0.3], [1.1, 0.6, 0.4])]),
            Figures.bars(title: "SD per S/N", yLabel: "SD (dex)", categories: ["[5, 10)", "[10, 15)"], series: [("age", [0.2, 0.15]), ("[M/H]", [0.18, .nan])]),
        ]
        for f in figs { XCTAssertNoThrow(try XMLDocument(xmlString: f)) }
        XCTAssertTrue(figs[0].contains("SD = \(String(format: "%.4f", RegressionMetrics(predicted: pred, truth: truth).sd))"))
        var r = HTMLReport(title: "GalAM <report>")
        r.add("Metrics", [.table(header: ["model", "SD"], rows: [["multi-modal", "0.15"]]), .figure(svg: figs[0], caption: "a & b")])
        let html = r.html()
        XCTAssertTrue(html.contains("<title>GalAM &lt;report&gt;</title>"))
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertEqual(HTMLReport.markdownTable(header: ["a", "b"], rows: [["1", "2"]]), "| a | b |\n|---|---|\n| 1 | 2 |\n")
    }
}

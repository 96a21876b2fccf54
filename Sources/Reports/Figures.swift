import Foundation

/// The report's figures, after the paper's Figs. 10–16, as SVG strings.
public enum Figures {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// Counts of `values` in `bins` equal bins over `range`.
    public static func histogram(_ values: [Double], range: ClosedRange<Double>, bins: Int) -> [Int] {
        var h = [Int](repeating: 0, count: bins)
        let w = (range.upperBound - range.lowerBound) / Double(bins)
        for v in values where v.isFinite && range.contains(v) { h[min(bins - 1, Int((v - range.lowerBound) / w))] += 1 }
        return h
    }

    /// Step histograms of several samples (e.g. a label in the train, validation and test
    /// splits, Fig. 10), normalised to unit area so samples of different size compare.
    public static func histograms(title: String, xLabel: String, samples: [(label: String, values: [Double])], bins: Int = 30) -> String {
        let all = samples.flatMap(\.values).filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max(), hi > lo else { return SVGPlot(title: title, xLabel: xLabel, yLabel: "density").svg() }
        let w = (hi - lo) / Double(bins)
        var plot = SVGPlot(title: title, xLabel: xLabel, yLabel: "density")
        for (k, s) in samples.enumerated() {
            let h = histogram(s.values, range: lo...hi, bins: bins)
            let norm = Double(max(s.values.count, 1)) * w
            var x: [Double] = [lo], y: [Double] = [0]
            for (i, c) in h.enumerated() {
                let d = Double(c) / norm
                x += [lo + Double(i) * w, lo + Double(i + 1) * w]; y += [d, d]
            }
            x.append(hi); y.append(0)
            plot.series.append(.init(label: "\(s.label) (N = \(s.values.count))", x: x, y: y, color: palette[k % palette.count]))
        }
        plot.yRange = 0...((plot.series.flatMap(\.y).max() ?? 1) * 1.15)
        return plot.svg()
    }

    /// Training and validation loss per epoch for each stage (Fig. 11).
    public static func lossCurves(title: String, stages: [(name: String, train: [Double], validation: [Double])]) -> String {
        var plot = SVGPlot(title: title, xLabel: "epoch", yLabel: "log10 loss (MSE + L2)")
        plot.legendWidth = 280
        plot.width = 980
        plot.height = max(plot.height, 28 + 14 * Double(2 * stages.count) + 24)
        for (k, s) in stages.enumerated() {
            let c = palette[k % palette.count]
            plot.series.append(.init(label: "\(s.name) train", x: s.train.indices.map { Double($0 + 1) }, y: s.train.map { log10(max($0, 1e-12)) }, color: c))
            plot.series.append(.init(label: "\(s.name) validation", x: s.validation.indices.map { Double($0 + 1) },
                                     y: s.validation.map { log10(max($0, 1e-12)) }, color: c, points: true))
        }
        return plot.svg()
    }

    /// Predicted against true values as a density map (counts per cell, log-scaled greys to
    /// blue), the 1:1 line, bias and SD in the corner and the residual histogram beside it
    /// (Figs. 12–14).
    public static func predictedVsTrue(title: String, label: String, predicted: [Double], truth: [Double], cells: Int = 40) -> String {
        let m = RegressionMetrics(predicted: predicted, truth: truth)
        let all = (predicted + truth).filter(\.isFinite)
        let lo = (all.min() ?? 0), hi = max(all.max() ?? 1, lo + 1e-6)
        let pad = 0.03 * (hi - lo), r = (lo - pad)...(hi + pad)
        let size = 300.0, left = 56.0, top = 30.0, gap = 50.0, histW = 200.0
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func px(_ v: Double) -> Double { left + (v - r.lowerBound) / (r.upperBound - r.lowerBound) * size }
        func py(_ v: Double) -> Double { top + size - (v - r.lowerBound) / (r.upperBound - r.lowerBound) * size }
        var grid = [Int](repeating: 0, count: cells * cells)
        for (p, t) in zip(predicted, truth) where r.contains(p) && r.contains(t) {
            let i = min(cells - 1, Int((t - r.lowerBound) / (r.upperBound - r.lowerBound) * Double(cells)))
            let j = min(cells - 1, Int((p - r.lowerBound) / (r.upperBound - r.lowerBound) * Double(cells)))
            grid[j * cells + i] += 1
        }
        let maxCount = Double(grid.max() ?? 1)
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + size + gap + histW + 20))" height="\(Int(top + size + 50))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="18" font-size="13">\(title)</text>

        """
        let cw = size / Double(cells)
        for j in 0..<cells {
            for i in 0..<cells where grid[j * cells + i] > 0 {
                let t = log(1 + Double(grid[j * cells + i])) / log(1 + maxCount)
                let c = String(format: "rgb(%d,%d,%d)", Int(230 - 200 * t), Int(235 - 160 * t), Int(250 - 90 * t))
                s += "<rect x=\"\(f(left + Double(i) * cw))\" y=\"\(f(top + size - Double(j + 1) * cw))\" width=\"\(f(cw + 0.3))\" height=\"\(f(cw + 0.3))\" fill=\"\(c)\"/>"
            }
        }
        s += "\n<line x1=\"\(f(px(r.lowerBound)))\" y1=\"\(f(py(r.lowerBound)))\" x2=\"\(f(px(r.upperBound)))\" y2=\"\(f(py(r.upperBound)))\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(size))\" height=\"\(f(size))\" fill=\"none\" stroke=\"black\"/>\n"
        for t in SVGPlot.ticks(r, count: 5) {
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + size + 14))\" text-anchor=\"middle\">\(String(format: "%g", t))</text>"
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(String(format: "%g", t))</text>\n"
        }
        s += "<text x=\"\(f(left + size / 2))\" y=\"\(f(top + size + 32))\" text-anchor=\"middle\">true \(label)</text>\n"
        s += "<text transform=\"translate(14 \(f(top + size / 2))) rotate(-90)\" text-anchor=\"middle\">predicted \(label)</text>\n"
        s += "<text x=\"\(f(left + 8))\" y=\"\(f(top + 16))\">N = \(m.count)</text>"
        s += "<text x=\"\(f(left + 8))\" y=\"\(f(top + 30))\">bias = \(String(format: "%.4f", m.bias))</text>"
        s += "<text x=\"\(f(left + 8))\" y=\"\(f(top + 44))\">SD = \(String(format: "%.4f", m.sd))</text>\n"
        // Residual histogram.
        let d = zip(predicted, truth).map { $0 - $1 }
        let dmax = max(0.05, (d.map { abs($0) }.max() ?? 0.1)), dr = -dmax...dmax
        let bins = 30
        let h = histogram(d, range: dr, bins: bins)
        let hmax = Double(h.max() ?? 1), hx = left + size + gap
        let bw = histW / Double(bins)
        for (i, c) in h.enumerated() where c > 0 {
            let bh = Double(c) / hmax * (size - 20)
            s += "<rect x=\"\(f(hx + Double(i) * bw))\" y=\"\(f(top + size - bh))\" width=\"\(f(bw - 0.5))\" height=\"\(f(bh))\" fill=\"#1f77b4\"/>"
        }
        s += "\n<rect x=\"\(f(hx))\" y=\"\(f(top))\" width=\"\(f(histW))\" height=\"\(f(size))\" fill=\"none\" stroke=\"black\"/>"
        s += "<line x1=\"\(f(hx + histW / 2))\" y1=\"\(f(top))\" x2=\"\(f(hx + histW / 2))\" y2=\"\(f(top + size))\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>"
        s += "<text x=\"\(f(hx))\" y=\"\(f(top + size + 14))\" text-anchor=\"middle\">\(String(format: "%.2f", -dmax))</text>"
        s += "<text x=\"\(f(hx + histW))\" y=\"\(f(top + size + 14))\" text-anchor=\"middle\">\(String(format: "%.2f", dmax))</text>"
        s += "<text x=\"\(f(hx + histW / 2))\" y=\"\(f(top + size + 32))\" text-anchor=\"middle\">predicted − true</text>\n"
        return s + "</svg>\n"
    }

    /// Grouped bars: one group per category (e.g. S/N bin), one bar per series (Fig. 15).
    public static func bars(title: String, yLabel: String, categories: [String], series: [(label: String, values: [Double])]) -> String {
        let width = 620.0, height = 300.0, left = 60.0, top = 30.0, bottom = 44.0
        let pw = width - left - 20, ph = height - top - bottom
        let vmax = max(series.flatMap(\.values).filter(\.isFinite).max() ?? 1, 1e-9) * 1.15
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="18" font-size="13">\(title)</text>

        """
        let gw = pw / Double(max(categories.count, 1)), bw = gw * 0.8 / Double(max(series.count, 1))
        for (c, name) in categories.enumerated() {
            for (k, ser) in series.enumerated() where c < ser.values.count && ser.values[c].isFinite {
                let h = ser.values[c] / vmax * ph
                s += "<rect x=\"\(f(left + Double(c) * gw + gw * 0.1 + Double(k) * bw))\" y=\"\(f(top + ph - h))\" width=\"\(f(bw - 1))\" height=\"\(f(h))\" fill=\"\(palette[k % palette.count])\"/>"
            }
            s += "<text x=\"\(f(left + (Double(c) + 0.5) * gw))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(name)</text>\n"
        }
        for t in SVGPlot.ticks(0...vmax, count: 5) {
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(top + ph - t / vmax * ph + 4))\" text-anchor=\"end\">\(String(format: "%g", t))</text>"
        }
        for (k, ser) in series.enumerated() {
            s += "<rect x=\"\(f(left + pw - 160))\" y=\"\(f(top + 6 + Double(k) * 14))\" width=\"10\" height=\"8\" fill=\"\(palette[k % palette.count])\"/>"
            s += "<text x=\"\(f(left + pw - 145))\" y=\"\(f(top + 14 + Double(k) * 14))\">\(ser.label)</text>"
        }
        s += "\n<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"black\"/>"
        s += "<text transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(yLabel)</text>\n"
        return s + "</svg>\n"
    }
}

import Foundation

/// A minimal, dependency-free SVG line/scatter plot: one panel, linear axes with "nice"
/// ticks, labelled axes, a legend. Enough for GalAM's figures, readable in any browser.
public struct SVGPlot {
    public struct Series {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        public var color: String
        /// Draw points (true) or a polyline (false).
        public var points: Bool

        public init(label: String, x: [Double], y: [Double], color: String, points: Bool = false) {
            self.label = label
            self.x = x
            self.y = y
            self.color = color
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var width = 720.0
    public var height = 320.0
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Width of a legend column right of the plot area (included in `width`); nil draws the
    /// legend inside the plot's top-right corner, where many series would cover the curves.
    public var legendWidth: Double?

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Round tick positions covering `range` (about `count` of them, steps 1, 2 or 5 × 10^k).
    public static func ticks(_ range: ClosedRange<Double>, count: Int = 6) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0 else { return [range.lowerBound] }
        let raw = span / Double(count)
        let exponent = floor(log10(raw))
        let mag = pow(10, exponent)
        let mult = [1.0, 2, 5, 10].first { $0 * mag >= raw } ?? 10
        // Tick k is k·mult·10^e; for e < 0 divide by 10^−e so 0.3 prints as 0.3, not 0.30000000000000004.
        func value(_ k: Double) -> Double { exponent < 0 ? k * mult / pow(10, -exponent) : k * mult * mag }
        var k = ceil(range.lowerBound / (mult * mag))
        var out: [Double] = []
        while value(k) <= range.upperBound + 1e-9 * span { out.append(value(k) == 0 ? 0 : value(k)); k += 1 }
        return out
    }

    /// The SVG document.
    public func svg() -> String {
        let left = 64.0, right = 16.0 + (legendWidth ?? 0), top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let xs = series.flatMap(\.x).filter(\.isFinite), ys = series.flatMap(\.y).filter(\.isFinite)
        let xr = xRange ?? ((xs.min() ?? 0)...(max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)))
        var yr = yRange ?? ((ys.min() ?? 0)...(max(ys.max() ?? 1, (ys.min() ?? 0) + 1e-9)))
        if yRange == nil { let pad = 0.04 * (yr.upperBound - yr.lowerBound); yr = (yr.lowerBound - pad)...(yr.upperBound + pad) }
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * pw }
        func py(_ y: Double) -> Double { top + ph - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func label(_ v: Double) -> String {
            let s = String(format: "%g", (v * 1e6).rounded() / 1e6)
            return s
        }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left + pw / 2))" y="16" text-anchor="middle" font-size="13">\(escape(title))</text>

        """
        for t in Self.ticks(xr) {
            s += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + ph))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph + 4))\" stroke=\"black\"/>"
            s += "<text x=\"\(f(px(t)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(label(t))</text>\n"
        }
        for t in Self.ticks(yr, count: 5) {
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\" stroke=\"black\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(label(t))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        s += "<clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\"/></clipPath>\n"
        for (k, ser) in series.enumerated() {
            let pts = zip(ser.x, ser.y).filter { $0.0.isFinite && $0.1.isFinite }
            if ser.points {
                s += "<g clip-path=\"url(#plot)\" fill=\"\(ser.color)\">"
                for (x, y) in pts { s += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(y)))\" r=\"1.5\"/>" }
                s += "</g>\n"
            } else {
                s += "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"0.8\" points=\""
                s += pts.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
                s += "\"/>\n"
            }
            let ly = top + 14 + Double(k) * 14, lx = legendWidth == nil ? left + pw - 270 : left + pw + 12
            s += ser.points ? "<circle cx=\"\(f(lx + 5))\" cy=\"\(f(ly - 6.5))\" r=\"2\" fill=\"\(ser.color)\"/>"
                : "<rect x=\"\(f(lx))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"3\" fill=\"\(ser.color)\"/>"
            s += "<text x=\"\(f(lx + 15))\" y=\"\(f(ly - 3))\">\(escape(ser.label))</text>\n"
        }
        return s + "</svg>\n"
    }

    func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

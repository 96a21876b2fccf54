import Foundation
import SurveyIO

/// Spectra side by side in one SVG: rest-frame wavelength, flux divided by its median over
/// 5000–5500 Å (rest) so galaxies of any brightness compare, each offset vertically.
public enum SpectrumFigure {
    public static func svg(_ spectra: [(label: String, spectrum: SDSSSpectrum)], title: String) -> String {
        let colors = ["black", "#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e"]
        var plot = SVGPlot(title: title, xLabel: "rest-frame wavelength (Å)", yLabel: "flux / median(5000–5500 Å) + offset")
        plot.width = 820
        plot.height = 360
        for (k, item) in spectra.enumerated() {
            let s = item.spectrum
            let rest = s.wavelengthAngstrom.map { $0 / (1 + s.object.z) }
            let norm = rest.indices.filter { rest[$0] >= 5000 && rest[$0] <= 5500 && s.ivar[$0] > 0 }.map { Double(s.flux[$0]) }.sorted()
            let m = norm.isEmpty ? 1 : max(norm[norm.count / 2], 1e-9)
            let y = s.flux.indices.map { s.ivar[$0] > 0 ? Double(s.flux[$0]) / m + Double(k) : .nan }
            plot.series.append(.init(label: item.label + String(format: " (z = %.3f)", s.object.z), x: rest, y: y,
                                     color: colors[k % colors.count]))
        }
        plot.yRange = -0.2...(Double(spectra.count) + 1.2)
        return plot.svg()
    }
}

import Foundation
import StellarPops
import SurveyIO

/// A filter transmission curve (photon response per unit wavelength).
public struct FilterCurve: Sendable {
    public var name: String
    public var wavelengthAngstrom: [Double]
    public var response: [Double]

    /// Linear interpolation of the response (0 outside the tabulated range).
    public func response(at lam: Double) -> Double {
        let w = wavelengthAngstrom
        guard lam > w[0], lam < w[w.count - 1] else { return 0 }
        var lo = 0, hi = w.count - 1
        while hi - lo > 1 { let m = (lo + hi) / 2; if w[m] <= lam { lo = m } else { hi = m } }
        return response[lo] + (lam - w[lo]) / (w[hi] - w[lo]) * (response[hi] - response[lo])
    }

    /// AB magnitude of a spectrum f_λ (erg s⁻¹ cm⁻² Å⁻¹) sampled at `wavelengthAngstrom`, for a
    /// photon-counting detector: m = −2.5 log10(∫ f_λ λ R dλ / ∫ f_ν^AB (c/λ²) λ R dλ),
    /// f_ν^AB = 3631 Jy. Trapezoidal integration on the spectrum's own grid.
    public func abMagnitude(wavelengthAngstrom lam: [Double], fluxDensity f: [Double]) -> Double {
        let cAngstromPerS = 2.99792458e18
        let fnuAB = 3631e-23
        var num = 0.0, den = 0.0
        for i in 1..<lam.count {
            let dl = lam[i] - lam[i - 1]
            let r0 = response(at: lam[i - 1]), r1 = response(at: lam[i])
            if r0 == 0 && r1 == 0 { continue }
            num += 0.5 * dl * (f[i - 1] * lam[i - 1] * r0 + f[i] * lam[i] * r1)
            den += 0.5 * dl * (fnuAB * cAngstromPerS / lam[i - 1] * r0 + fnuAB * cAngstromPerS / lam[i] * r1)
        }
        return -2.5 * log10(num / den)
    }
}

/// The SDSS u, g, r, i, z curves (DR7, with atmosphere) from the EAZY `FILTER.RES.txt` that the
/// pPXF 8.2.6 distribution carries (entries 156–160), read from the template cache.
public enum SDSSFilters {
    public static let eazyEntries = ["u": 156, "g": 157, "r": 158, "i": 159, "z": 160]

    /// Loads the five SDSS filters (keys u, g, r, i, z).
    public static func load(cache: TemplateCache = TemplateCache()) throws -> [String: FilterCurve] {
        let dist = TemplateCache.eMiles
        guard cache.isComplete(dist) else { throw cache.missingError(dist) }
        let path = cache.directory(of: dist) + "/ppxf/examples/FILTER.RES.txt"
        let all = try parseEAZY(path: path)
        var out: [String: FilterCurve] = [:]
        for (band, entry) in eazyEntries {
            guard entry <= all.count else { throw SurveyIOError(path: path, reason: "has \(all.count) filters, expected ≥ \(entry)") }
            var f = all[entry - 1]
            guard f.name.contains("SDSS/\(band)") else {
                throw SurveyIOError(path: path, reason: "entry \(entry) is '\(f.name)', expected SDSS \(band)")
            }
            f.name = band
            out[band] = f
        }
        return out
    }

    /// Parses an EAZY filter file: a header line "N description" then N lines "i λ R"; `#` lines are comments.
    public static func parseEAZY(path: String) throws -> [FilterCurve] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SurveyIOError(path: path, reason: "cannot read filter file")
        }
        // Lines starting with '#' are comments (pPXF's copy has a provenance header).
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }
        var out: [FilterCurve] = []
        var i = 0
        while i < lines.count {
            let head = lines[i].split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let n = Int(head.first ?? ""), i + n < lines.count else {
                throw SurveyIOError(path: path, reason: "malformed filter header at line \(i + 1)")
            }
            var w: [Double] = [], r: [Double] = []
            for j in 1...n {
                let f = lines[i + j].split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 3, let lam = Double(f[1]), let resp = Double(f[2]) else {
                    throw SurveyIOError(path: path, reason: "malformed filter row at line \(i + j + 1)")
                }
                w.append(lam); r.append(resp)
            }
            out.append(FilterCurve(name: head.count > 1 ? String(head[1]) : "", wavelengthAngstrom: w, response: r))
            i += n + 1
        }
        return out
    }
}

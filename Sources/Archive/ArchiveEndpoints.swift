import Foundation
import SurveyIO

/// Where the SDSS services live, and the URL of each request. Every URL is built from
/// validated numbers and tokens (`SelectionRow`), never from free text a server sent.
public struct ArchiveEndpoints: Sendable, Equatable, Codable {
    /// SkyServer: SQL search and image cutouts (`{skyserver}/dr{N}/SkyServerWS/…`).
    public var skyServer: String
    /// The Science Archive Server: spectra (`{sas}/dr{N}/sdss/spectro/redux/…`).
    public var sas: String
    /// The data release number (17 = DR17).
    public var release: Int

    public static let publicSkyServer = "https://skyserver.sdss.org"
    public static let publicSAS = "https://data.sdss.org/sas"

    public init(skyServer: String = ArchiveEndpoints.publicSkyServer, sas: String = ArchiveEndpoints.publicSAS, release: Int = 17) throws {
        for (name, url) in [("--skyserver-url", skyServer), ("--sas-url", sas)] {
            guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  c.host?.isEmpty == false, c.query == nil else {
                throw SurveyIOError(path: name, reason: "'\(url)' is not an http(s) base URL (scheme, host and optional path, no query)")
            }
        }
        guard (1...99).contains(release) else { throw SurveyIOError(path: "--release", reason: "DR\(release) is not a data release number") }
        self.skyServer = Self.trimmed(skyServer)
        self.sas = Self.trimmed(sas)
        self.release = release
    }

    private static func trimmed(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }

    /// SkyServer's SQL search web service, CSV output.
    public func sqlSearch(_ query: String) -> String {
        "\(skyServer)/dr\(release)/SkyServerWS/SearchTools/SqlSearch?cmd=\(Self.encode(query))&format=csv"
    }

    /// Which spectrum file to fetch: `lite` (COADD + SPECOBJ + SPZLINE, ≈ 200 KB) or `full`
    /// (with every exposure).
    public enum SpectrumKind: String, Sendable, Codable, CaseIterable { case lite, full }

    /// The spectrum on the SAS, under the row's own run2d: numbers (26, 103, 104: SDSS-I/II)
    /// live under `sdss/`, `v5_*` reductions (BOSS/eBOSS) under `eboss/` from DR14 on.
    public func spectrum(plate: Int, mjd: Int, fiber: Int, run2d: String, kind: SpectrumKind) -> String {
        let tree = run2d.allSatisfy(\.isNumber) ? "sdss" : "eboss"
        let folder = kind == .lite ? "spectra/lite" : "spectra/full"
        return "\(sas)/dr\(release)/\(tree)/spectro/redux/\(run2d)/\(folder)/\(String(format: "%04d", plate))/"
            + SDSSNames.spectrum(plate: plate, mjd: mjd, fiber: fiber)
    }

    /// SkyServer's JPEG cutout service: `width` × `height` pixels of `scale` arcsec each.
    public func cutout(ra: Double, dec: Double, scale: Double, width: Int, height: Int) -> String {
        "\(skyServer)/dr\(release)/SkyServerWS/ImgCutout/getjpeg?ra=\(Self.number(ra))&dec=\(Self.number(dec))"
            + "&scale=\(Self.number(scale))&width=\(width)&height=\(height)"
    }

    /// Shortest decimal that reads back as the same Double ("0.396127", "-0.396696").
    static func number(_ x: Double) -> String { "\(x)" }

    /// Percent-encoding for a query value: everything but unreserved characters.
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

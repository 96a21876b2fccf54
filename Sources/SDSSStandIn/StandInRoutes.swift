import Foundation
import SurveyIO

/// An answer, before the fault that may spoil it is applied.
struct StandInReply {
    var status = 200
    var contentType = "application/octet-stream"
    var body = Data()
    /// Content-Length to announce when it differs from the body (a dropped connection).
    var announcedLength: Int?
    var extraHeaders: [(String, String)] = []
    var delay = 0.0
    var dropAfterBody = false

    static func text(_ status: Int, _ text: String, type: String = "text/plain") -> StandInReply {
        StandInReply(status: status, contentType: type, body: Data(text.utf8))
    }

    static let htmlErrorPage = """
        <!DOCTYPE html>
        <html><head><title>SkyServer: error</title></head>
        <body><h1>Sorry, the server is too busy</h1><p>Please try again later.</p></body></html>
        """
}

extension SDSSStandIn {
    /// The answer to `uri`: SQL search, SAS spectrum or cutout, with any injected fault.
    func reply(to uri: String) -> StandInReply {
        guard let c = URLComponents(string: uri) else { return .text(400, "bad request") }
        let items = Dictionary((c.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        let path = c.path
        let key: String
        var answer: StandInReply
        if path.hasSuffix("/SkyServerWS/SearchTools/SqlSearch") {
            key = "sql"
            answer = sql(items["cmd"] ?? "", format: items["format"] ?? "")
        } else if path.hasPrefix("/sas/"), let name = path.split(separator: "/").last.map(String.init) {
            key = "spectra/" + name
            answer = spectrum(path: path, name: name)
        } else if path.hasSuffix("/SkyServerWS/ImgCutout/getjpeg") {
            let (r, a) = cutout(items)
            key = r
            answer = a
        } else {
            return .text(404, "no such service")
        }
        guard let fault = nextFault(key) else { return answer }
        return apply(fault, to: answer)
    }

    private func apply(_ fault: StandInFault, to answer: StandInReply) -> StandInReply {
        var a = answer
        switch fault {
        case .status(let code, let retryAfter):
            a = .text(code, "error \(code)")
            if let retryAfter { a.extraHeaders.append(("Retry-After", retryAfter)) }
        case .htmlPage:
            a = .text(200, StandInReply.htmlErrorPage, type: "text/html")
        case .slow(let seconds):
            a.delay += seconds
        case .dropMidBody:
            a.announcedLength = a.body.count
            a.body = a.body.prefix(a.body.count / 2)
            a.dropAfterBody = true
        case .truncate(let fraction):
            a.body = a.body.prefix(Int(Double(a.body.count) * fraction))
        case .notFound:
            a = .text(404, "not found")
        }
        return a
    }

    /// Understands the two clauses the fetcher's paged query varies: `TOP n` and
    /// `specObjID > x`; the rest of the query (the paper's cuts) is taken as met.
    private func sql(_ cmd: String, format: String) -> StandInReply {
        guard format == "csv", cmd.uppercased().contains("SELECT") else { return .text(400, "bad query") }
        func number(after pattern: String) -> UInt64? {
            guard let r = cmd.range(of: pattern, options: [.regularExpression, .caseInsensitive]) else { return nil }
            return UInt64(cmd[r].filter(\.isNumber))
        }
        let top = number(after: "TOP\\s+[0-9]+").map(Int.init) ?? Int.max
        let after = number(after: "specObjID\\s*>\\s*[0-9]+")
        lock.lock()
        let rows = galaxies.filter { after == nil || $0.specObjID > after! }.prefix(top).map(\.sqlRow)
        let extra = after == nil ? extraSQLLines : []
        lock.unlock()
        let header = "specObjID,plate,mjd,fiberID,run2d,ra,dec,z,zWarning,snMedian_r,petroR90_r"
        return .text(200, (["#Table1", header] + rows + extra).joined(separator: "\n") + "\n", type: "text/plain")
    }

    /// `/sas/dr{N}/{sdss|eboss}/spectro/redux/{run2d}/spectra/lite/{plate}/spec-….fits`: only
    /// the galaxy's own run2d, tree and plate folder find its file.
    private func spectrum(path: String, name: String) -> StandInReply {
        lock.lock()
        let g = galaxies.first { $0.specFile == name }
        lock.unlock()
        guard let g, let data = g.spectrum else { return .text(404, "not found") }
        let expected = "/\(g.tree)/spectro/redux/\(g.run2d)/spectra/"
        let plate = "/" + String(format: "%04d", g.plate) + "/" + name
        guard path.contains(expected), path.hasSuffix(plate) else { return .text(404, "not found") }
        return StandInReply(status: 200, contentType: "application/fits", body: data)
    }

    /// The stored cutout of the galaxy at (ra, dec); the key names it as the fetcher does.
    private func cutout(_ items: [String: String]) -> (String, StandInReply) {
        guard let ra = items["ra"].flatMap(Double.init), let dec = items["dec"].flatMap(Double.init) else {
            return ("images/?", .text(400, "ra and dec required"))
        }
        lock.lock()
        let g = galaxies.first { abs($0.ra - ra) < 1e-9 && abs($0.dec - dec) < 1e-9 }
        lock.unlock()
        let key = "images/" + SDSSNames.image(ra: ra, dec: dec)
        guard let g, let data = g.image else { return (key, .text(404, "no image")) }
        return (key, StandInReply(status: 200, contentType: "image/jpeg", body: data))
    }
}

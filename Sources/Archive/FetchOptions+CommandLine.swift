import Foundation
import SurveyIO

extension FetchOptions {
    /// Options from the command line's values, each checked with an error naming the option.
    public static func fromCommandLine(out: String, skyServer: String, sas: String, release: Int, sqlFile: String?,
                                       conditions: [String], pageSize: Int, spectra: String, images: Bool, imageSize: Int,
                                       scale: Double, scaleBy: String?, petro90Multiple: Double, n: Int?, seed: UInt64,
                                       shard: String?) throws -> FetchOptions {
        let endpoints = try ArchiveEndpoints(skyServer: skyServer, sas: sas, release: release)
        let kind: SelectionQuery.Kind
        if let sqlFile {
            guard conditions.isEmpty else { throw SurveyIOError(path: "--where", reason: "cannot be combined with --sql (put the conditions in the file)") }
            guard let text = try? String(contentsOfFile: sqlFile, encoding: .utf8) else { throw SurveyIOError(path: sqlFile, reason: "cannot read the --sql file") }
            let sql = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !sql.isEmpty else { throw SurveyIOError(path: sqlFile, reason: "the --sql file is empty") }
            kind = .custom(sql)
        } else {
            kind = .paper(extraConditions: conditions)
        }
        guard (1...SelectionQuery.serviceRowLimit).contains(pageSize) else {
            throw SurveyIOError(path: "--page-size", reason: "must be 1…\(SelectionQuery.serviceRowLimit)")
        }
        var o = FetchOptions(outputDirectory: out, endpoints: endpoints, query: SelectionQuery(kind: kind, pageSize: pageSize))
        switch spectra {
        case "none": o.spectra = nil
        case "lite": o.spectra = .lite
        case "full": o.spectra = .full
        default: throw SurveyIOError(path: "--spectra", reason: "'\(spectra)' is not none, lite or full")
        }
        guard (8...2048).contains(imageSize) else { throw SurveyIOError(path: "--image-size", reason: "must be 8…2048 pixels") }
        guard scale.isFinite, scale > 0 else { throw SurveyIOError(path: "--scale", reason: "must be a positive number of arcsec per pixel") }
        var image = ImageRequest(width: imageSize, height: imageSize, scale: scale)
        switch scaleBy {
        case nil: break
        case "petro90":
            guard petro90Multiple.isFinite, petro90Multiple > 0 else { throw SurveyIOError(path: "--petro90-multiple", reason: "must be positive") }
            image.petro90Multiple = petro90Multiple
        default: throw SurveyIOError(path: "--scale-by", reason: "'\(scaleBy!)' is not petro90")
        }
        o.images = images ? image : nil
        guard o.spectra != nil || o.images != nil else { throw SurveyIOError(path: "--spectra", reason: "with --no-images and --spectra none there is nothing to fetch") }
        if let n {
            guard n > 0 else { throw SurveyIOError(path: "--n", reason: "must be positive") }
            o.sample = Sample(n: n, seed: seed)
        }
        o.shard = try Shard.resolve(shard)
        return o
    }
}

extension FetchSummary {
    /// The lines `galam fetch-sdss` prints at the end.
    public func report(out: String) -> String {
        func line(_ name: String, _ c: FetchCounts) -> String {
            "  \(name): \(c.ok) ok, \(c.missing) missing, \(c.failed) failed" + (c.pending > 0 ? ", \(c.pending) pending (other shards or stopped)" : "")
        }
        return ["fetch-sdss: \(selected) galaxies selected; this run fetched \(attempted) files (\(alreadyPresent) were already there), "
                + String(format: "%d requests, %d retries, %.1f MB in %.1f s", requests, retries, Double(bytes) / 1e6, seconds)
                + (cancelled ? " — stopped, run the same command to resume" : ""),
                line("spectra", spectra), line("images", images),
                "wrote \(out)/catalog.csv, manifest.json, selection.csv"].joined(separator: "\n")
    }
}

import Foundation
import SurveyIO

/// The output table of `galam predict`, written as rows arrive: a CSV streamed to a temporary
/// file, or (for a path ending in `.fits`) a FITS binary table `PREDICTIONS` written at the
/// end. Either way it appears under its name only when complete. `keywords` (the calibration
/// method and settings) go into the FITS table's header, or for a CSV into the manifest
/// `<path>.manifest.json` written beside it.
final class PredictionWriter {
    let path: String
    let columns: [ColumnName]
    let fits: Bool
    /// FITS table header cards (values up to 68 characters).
    var keywords: [(key: String, value: String, comment: String)] = []
    /// The CSV's manifest entries.
    var manifest: [String: String] = [:]
    private var rows: [[String]] = []
    private let tmp: String
    private let handle: FileHandle?
    private var finished = false

    /// Columns written as numbers in the FITS table; their TUNIT and TTYPE comment come from
    /// `IntervalColumns.fitsDescription` (log quantities get no unit: FITS has no log units).
    static let numeric: Set<ColumnName> = Set([.logAge, .mh, .oodScore] + ColumnName.intervalColumns)

    /// The manifest beside a CSV output.
    static func manifestPath(for path: String) -> String { path + ".manifest.json" }

    /// Which columns the FITS table holds as numbers (the rest as strings).
    let isNumeric: (ColumnName) -> Bool

    init(path: String, columns: [ColumnName], numeric: @escaping (ColumnName) -> Bool = { PredictionWriter.numeric.contains($0) }) throws {
        self.path = path
        self.columns = columns
        self.isNumeric = numeric
        fits = path.lowercased().hasSuffix(".fits")
        tmp = AtomicFile.temporaryPath(for: path)
        if fits {
            handle = nil
        } else {
            guard FileManager.default.createFile(atPath: tmp, contents: Data(try Catalog(columns: columns).csvText().utf8)),
                  let h = FileHandle(forWritingAtPath: tmp) else { throw SurveyIOError(path: path, reason: "cannot create output") }
            h.seekToEndOfFile()
            handle = h
        }
    }

    deinit {
        if !finished { try? handle?.close(); try? FileManager.default.removeItem(atPath: tmp) }
    }

    func append(_ batch: [[String]]) throws {
        guard let handle else { rows += batch; return }
        let text = try Catalog(columns: columns, rows: batch).csvText()
        handle.write(Data(text.drop { $0 != "\n" }.dropFirst().utf8))  // the header is written once
    }

    func finish() throws {
        finished = true
        if let handle {
            try handle.close()
            guard rename(tmp, path) == 0 else { throw SurveyIOError(path: path, reason: "cannot move the output into place") }
            let entries = manifest.merging(["tool": "galam \(GalAMVersion.string)", "output": (path as NSString).lastPathComponent]) { a, _ in a }
            try Provenance.writeJSON(entries, to: Self.manifestPath(for: path))
            return
        }
        try AtomicFile.produce(path) { tmpPath in
            let f = try FITSFile(creatingAt: tmpPath)
            try f.writeEmptyPrimary(keywords: [("ORIGIN", "galam predict"), ("GALAMVER", GalAMVersion.string)])
            try f.writeBinaryTable(extname: "PREDICTIONS", columns: columns.enumerated().map { j, name in
                let v = rows.map { $0[j] }
                let d = IntervalColumns.fitsDescription(name.rawValue) ?? ("", "")
                if isNumeric(name) {
                    return FITSColumn(name.rawValue.uppercased(), .float64(v.map { Double($0) ?? .nan }), unit: d.unit, comment: d.comment)
                }
                return FITSColumn(name.rawValue.uppercased(), .string(v, width: max(1, v.map(\.utf8.count).max() ?? 1)), comment: d.comment)
            })
            for k in keywords { try f.writeKeyword(k.key, k.value, comment: k.comment.isEmpty ? nil : k.comment) }
            try f.close()
        }
    }
}

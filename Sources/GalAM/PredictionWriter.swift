import Foundation
import SurveyIO

/// The output table of `galam predict`, written as rows arrive: a CSV streamed to a temporary
/// file, or (for a path ending in `.fits`) a FITS binary table `PREDICTIONS` written at the
/// end. Either way it appears under its name only when complete.
final class PredictionWriter {
    let path: String
    let columns: [ColumnName]
    let fits: Bool
    private var rows: [[String]] = []
    private let tmp: String
    private let handle: FileHandle?
    private var finished = false

    /// Columns written as numbers (with their unit) in the FITS table.
    static let numeric: [ColumnName: String] = [.logAge: "dex", .mh: "dex"]

    init(path: String, columns: [ColumnName]) throws {
        self.path = path
        self.columns = columns
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
            return
        }
        try AtomicFile.produce(path) { tmpPath in
            let f = try FITSFile(creatingAt: tmpPath)
            try f.writeEmptyPrimary(keywords: [("ORIGIN", "galam predict"), ("GALAMVER", GalAMVersion.string)])
            try f.writeBinaryTable(extname: "PREDICTIONS", columns: columns.enumerated().map { j, name in
                let v = rows.map { $0[j] }
                if let unit = Self.numeric[name] { return FITSColumn(name.rawValue.uppercased(), .float64(v.map { Double($0) ?? .nan }), unit: unit) }
                return FITSColumn(name.rawValue.uppercased(), .string(v, width: max(1, v.map(\.utf8.count).max() ?? 1)))
            })
            try f.close()
        }
    }
}

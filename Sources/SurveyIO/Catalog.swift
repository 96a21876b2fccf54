import CSV
import Foundation

/// A survey catalog: a CSV table with a header row, read and written with CSV.swift (quoted
/// fields, embedded commas and newlines handled per RFC 4180). Columns are found by name.
public struct Catalog: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[String]]
    /// Where it was read from (labels errors).
    public var path: String

    public init(columns: [String], rows: [[String]] = [], path: String = "<memory>") {
        self.columns = columns
        self.rows = rows
        self.path = path
    }

    /// Reads a CSV file whose first row names the columns.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found")
        }
        try self.init(csvData: data, path: path)
    }

    /// Parses CSV bytes whose first row names the columns; `path` labels errors.
    public init(csvData data: Data, path: String = "<memory>") throws {
        guard let text = String(data: data, encoding: .utf8) else {
            throw SurveyIOError(path: path, reason: "not UTF-8 text")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw SurveyIOError(path: path, reason: "not a readable CSV file (\(error))")
        }
        guard let header = reader.headerRow, !header.isEmpty, header != [""] else {
            throw SurveyIOError(path: path, reason: "empty catalog: no header row")
        }
        var rows: [[String]] = []
        var line = 1
        while let row = reader.next() {
            line += 1
            if row == [""] { continue }  // blank line
            guard row.count == header.count else {
                throw SurveyIOError(path: path, reason: "row \(line) has \(row.count) fields, the header has \(header.count)")
            }
            rows.append(row)
        }
        if let e = reader.error {
            throw SurveyIOError(path: path, reason: "malformed CSV after row \(line): \(e)")
        }
        self.init(columns: header, rows: rows, path: path)
    }

    public var count: Int { rows.count }

    /// Index of column `name`, or an error naming the file and the missing column.
    public func columnIndex(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw SurveyIOError(path: path, reason: "missing column '\(name)' (columns: \(columns.joined(separator: ", ")))")
        }
        return i
    }

    /// All values of column `name`.
    public func column(_ name: String) throws -> [String] {
        let i = try columnIndex(name)
        return rows.map { $0[i] }
    }

    /// Appends (or overwrites) a column.
    public mutating func setColumn(_ name: String, _ values: [String]) {
        precondition(values.count == rows.count, "column length must equal the row count")
        if let i = columns.firstIndex(of: name) {
            for r in rows.indices { rows[r][i] = values[r] }
        } else {
            columns.append(name)
            for r in rows.indices { rows[r].append(values[r]) }
        }
    }

    /// The CSV text.
    public func csvText() throws -> String {
        let stream = OutputStream(toMemory: ())
        let w = try CSVWriter(stream: stream)
        try w.write(row: columns)
        for r in rows { try w.write(row: r) }
        w.stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data,
              var text = String(data: data, encoding: .utf8) else {
            throw SurveyIOError(path: path, reason: "cannot encode CSV")
        }
        if !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// Writes the catalog atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(try csvText(), to: path)
    }
}

extension Catalog {
    /// The catalog at `path`; without one, a catalog listing (sorted) the files of `directory`
    /// that `include` accepts, in column `column`. Either way `directory` must exist, so a
    /// mistyped folder is one clear error rather than a file-not-found per galaxy.
    public static func readOrListing(_ path: String?, directory: String, column: String, kind: String,
                                     include: (String) -> Bool) throws -> Catalog {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw SurveyIOError(path: directory, reason: "\(kind) folder not found")
        }
        if let path { return try Catalog(contentsOf: path) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter(include).sorted()
        return Catalog(columns: [column], rows: files.map { [$0] }, path: directory)
    }

    /// SDSS spectrum file names (`spec-*.fits`).
    public static func isSpectrumFile(_ name: String) -> Bool { name.hasPrefix("spec-") && name.hasSuffix(".fits") }

    /// JPEG file names.
    public static func isJPEGFile(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.hasSuffix(".jpg") || n.hasSuffix(".jpeg")
    }
}

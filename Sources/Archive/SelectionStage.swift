import Foundation
import SurveyIO

/// The selected galaxies: validated rows in canonical order (plate, MJD, fibre), sampled
/// when `--n` asks, saved as `selection.csv` with its record in `.fetch-state/selection.json`.
public struct Selection: Sendable {
    public var header: [String]
    public var rows: [SelectionRow]
    public var record: SelectionRecord
}

/// How the selection was made, kept beside `selection.csv` so a resumed run (or another
/// shard) reuses it instead of asking the service again.
public struct SelectionRecord: Codable, Sendable, Equatable {
    /// What defines the selection: release, SkyServer URL, query, sample.
    public var signature: String
    public var query: String
    public var pages: Int
    /// Rows the service returned, and how many of them were usable (before sampling).
    public var returnedRows: Int
    public var validRows: Int
    public var sample: FetchOptions.Sample?
    /// Rows not used, and why (the first 1,000; `malformedCount` counts them all).
    public var malformed: [MalformedRow]
    public var malformedCount: Int
    /// SHA-256 of selection.csv, so a damaged copy is noticed.
    public var selectionSHA256: String
}

enum SelectionStage {
    static let keptMalformed = 1000

    static func signature(_ o: FetchOptions) -> String {
        var s = "DR\(o.endpoints.release) \(o.endpoints.skyServer)\n\(o.query.recordedText)"
        if let sample = o.sample { s += "\nsample n=\(sample.n) seed=\(sample.seed)" }
        return s
    }

    /// The saved selection when it was made with the same options; otherwise queries.
    static func loadOrQuery(_ o: FetchOptions, transfer: HTTPTransfer, layout: FetchLayout) async throws -> Selection {
        if let saved = try? load(layout, signature: signature(o)) { return saved }
        return try await query(o, transfer: transfer, layout: layout)
    }

    static func load(_ layout: FetchLayout, signature: String) throws -> Selection? {
        guard let data = FileManager.default.contents(atPath: layout.selectionRecord),
              let record = try? JSONDecoder().decode(SelectionRecord.self, from: data),
              record.signature == signature,
              (try? Provenance.sha256(ofFile: layout.selectionCSV)) == record.selectionSHA256 else { return nil }
        let csv = try Catalog(contentsOf: layout.selectionCSV)
        let columns = try SelectionColumns(header: csv.columns, source: layout.selectionCSV)
        let rows = try csv.rows.map { try columns.row($0).mapError { SurveyIOError(path: layout.selectionCSV, reason: $0.reason) }.get() }
        return Selection(header: csv.columns, rows: rows, record: record)
    }

    static func query(_ o: FetchOptions, transfer: HTTPTransfer, layout: FetchLayout) async throws -> Selection {
        let limiter = RateLimiter(perSecond: transfer.policy.queriesPerSecond)
        var header: [String]?
        var columns: SelectionColumns?
        var rows: [SelectionRow] = []
        var malformed: [MalformedRow] = []
        var seen: [String: Int] = [:]
        var returned = 0, pages = 0
        var last: UInt64?
        var lineOffset = 0
        while true {
            let sql = o.query.page(after: last)
            let url = o.endpoints.sqlSearch(sql)
            let source = "SQL search at \(o.endpoints.skyServer) (page \(pages + 1))"
            let outcome = try await transfer.fetch(url, maxBytes: transfer.policy.maxQueryBytes, limiter: limiter) { data in
                Result {
                    let table = try SkyServerCSV(parsing: String(decoding: data, as: UTF8.self), source: source)
                    _ = try SelectionColumns(header: table.header, source: source)
                    return table
                }.mapError { BodyProblem(($0 as? SurveyIOError)?.reason ?? "\($0)", retryable: true) }
            }
            let table: SkyServerCSV
            switch outcome {
            case .ok(let t): table = t
            case .missing(let why), .failed(let why): throw SurveyIOError(path: source, reason: why)
            }
            pages += 1
            if header == nil {
                header = table.header
                columns = try SelectionColumns(header: table.header, source: source)
            } else if table.header != header {
                throw SurveyIOError(path: source, reason: "its columns differ from the first page's")
            }
            malformed += table.malformed.map { MalformedRow(line: $0.line + lineOffset, reason: $0.reason, text: $0.text) }
            returned += table.rows.count + table.malformed.count
            for (line, fields) in table.rows {
                switch columns!.row(fields) {
                case .success(let row):
                    if let first = seen[row.specFile] {
                        malformed.append(MalformedRow(line: line + lineOffset, reason: "duplicate of line \(first) (\(row.specFile))", text: fields.joined(separator: ",")))
                    } else {
                        seen[row.specFile] = line + lineOffset
                        rows.append(row)
                    }
                case .failure(let p):
                    malformed.append(MalformedRow(line: line + lineOffset, reason: p.reason, text: String(fields.joined(separator: ",").prefix(200))))
                }
            }
            lineOffset += table.lineCount  // lines numbered as if the pages were one listing
            let pageRows = table.rows.count + table.malformed.count
            guard o.query.isPaged, pageRows >= o.query.pageSize,
                  let next = table.rows.compactMap({ columns!.specObjID($0.fields) }).max() else {
                if !o.query.isPaged, pageRows >= SelectionQuery.serviceRowLimit {
                    printError("fetch-sdss: warning: the query returned \(pageRows) rows, SkyServer's limit; the result is probably cut short (page it, e.g. by specObjID ranges)")
                }
                break
            }
            last = next
        }
        rows.sort { $0.sortKey < $1.sortKey }
        let valid = rows.count
        if let sample = o.sample {
            rows = SeededSample.indices(count: rows.count, n: sample.n, seed: sample.seed).map { rows[$0] }
        }
        let columnsOut = header ?? SelectionColumns.required
        try Catalog(columns: columnsOut, rows: rows.map(\.fields), path: layout.selectionCSV).write(to: layout.selectionCSV)
        let record = SelectionRecord(signature: signature(o), query: o.query.recordedText, pages: pages, returnedRows: returned,
                                     validRows: valid, sample: o.sample, malformed: Array(malformed.prefix(keptMalformed)),
                                     malformedCount: malformed.count, selectionSHA256: try Provenance.sha256(ofFile: layout.selectionCSV))
        try Provenance.writeJSON(record, to: layout.selectionRecord)
        for m in malformed.prefix(5) { printError("fetch-sdss: selection line \(m.line) not used: \(m.reason)") }
        if malformed.count > 5 { printError("fetch-sdss: … \(malformed.count - 5) more rows not used (see manifest.json)") }
        return Selection(header: columnsOut, rows: rows, record: record)
    }
}

import Foundation
import SurveyIO

/// The CSV that SkyServer's SQL search returns: `#` comment lines (`#Table1`), a header row,
/// data rows; fields may be quoted ("a, b" and doubled quotes). Parsed leniently: a row
/// that cannot be read is recorded with its line number and why, never fatal, since one bad
/// row among 500,000 must not cost the other 499,999.
public struct SkyServerCSV: Sendable {
    public var header: [String]
    /// Data rows with as many fields as the header, with their 1-based line numbers.
    public var rows: [(line: Int, fields: [String])]
    /// Rows that could not be read.
    public var malformed: [MalformedRow]
    /// Lines in the text (to number the lines of several pages as one listing).
    public var lineCount: Int

    /// Parses `text`; throws only when there is no header at all or the text is an error
    /// page rather than a table.
    public init(parsing text: String, source: String) throws {
        if let problem = ResponseCheck.errorPage(in: Data(text.utf8.prefix(4096))) {
            throw SurveyIOError(path: source, reason: problem)
        }
        var header: [String]?
        var rows: [(Int, [String])] = []
        var malformed: [MalformedRow] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so both line ends are named.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            guard let fields = Self.fields(of: line) else {
                malformed.append(MalformedRow(line: lineNumber, reason: "unbalanced quotes", text: String(line.prefix(200))))
                continue
            }
            guard let h = header else {
                header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                continue
            }
            guard fields.count == h.count else {
                malformed.append(MalformedRow(line: lineNumber, reason: "\(fields.count) fields, the header has \(h.count)",
                                              text: String(line.prefix(200))))
                continue
            }
            rows.append((lineNumber, fields))
        }
        guard let header, !header.isEmpty else {
            throw SurveyIOError(path: source, reason: "no header row in the response (\(Self.preview(text)))")
        }
        if header.count == 1, header[0].lowercased().hasPrefix("error") {
            throw SurveyIOError(path: source, reason: "the service answered with an error: \(Self.preview(text))")
        }
        self.header = header
        self.rows = rows
        self.malformed = malformed
        self.lineCount = lineNumber
    }

    /// The fields of one line, or nil when a quote is left open. Quoted fields keep their
    /// content verbatim (commas, doubled quotes → one quote).
    static func fields(of line: Substring) -> [String]? {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if inQuotes {
                if c == "\"" {
                    let next = line.index(after: i)
                    if next < line.endIndex, line[next] == "\"" { current.append("\""); i = next } else { inQuotes = false }
                } else { current.append(c) }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "," {
                fields.append(current); current = ""
            } else { current.append(c) }
            i = line.index(after: i)
        }
        if inQuotes { return nil }
        fields.append(current)
        return fields
    }

    static func preview(_ text: String) -> String {
        let flat = text.prefix(160).replacingOccurrences(of: "\n", with: " ⏎ ")
        return flat.isEmpty ? "empty response" : "starts: \(flat)"
    }
}

/// A row of the SQL result that was not used, and why.
public struct MalformedRow: Codable, Sendable, Equatable {
    public var line: Int
    public var reason: String
    public var text: String
}

/// Checks shared by every response body.
public enum ResponseCheck {
    /// Why `head` (the first bytes of a body) is an HTML or XML error page rather than data —
    /// SkyServer answers some failures with status 200 and a web page — or nil.
    public static func errorPage(in head: Data) -> String? {
        let prefix = String(decoding: head.prefix(1024), as: UTF8.self)
        let trimmed = prefix.drop { $0.isWhitespace || $0 == "\u{FEFF}" }.lowercased()
        guard trimmed.hasPrefix("<") else { return nil }
        if trimmed.hasPrefix("<!doctype html") || trimmed.contains("<html") || trimmed.contains("<head") || trimmed.contains("<body") {
            let title = prefix.range(of: "<title>", options: .caseInsensitive).flatMap { start in
                prefix.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<prefix.endIndex)
                    .map { String(prefix[start.upperBound..<$0.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines) }
            }
            return "an HTML page instead of data" + (title.map { " (title: \(String($0.prefix(80))))" } ?? "")
        }
        if trimmed.hasPrefix("<?xml") { return "an XML document instead of data" }
        return nil
    }
}

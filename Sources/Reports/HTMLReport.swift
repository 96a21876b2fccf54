import Foundation

/// A self-contained HTML report: sections of text, tables and inline SVG figures, no
/// external files or scripts, so it can be mailed or archived as one file.
public struct HTMLReport {
    public enum Block {
        case paragraph(String)
        case table(header: [String], rows: [[String]])
        case figure(svg: String, caption: String)
    }

    public var title: String
    public var sections: [(heading: String, blocks: [Block])] = []

    public init(title: String) { self.title = title }

    public mutating func add(_ heading: String, _ blocks: [Block]) { sections.append((heading, blocks)) }

    static func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    public func html() -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
        <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}
        th{background:#f0f0f0}figure{margin:1em 0}figcaption{font-size:90%;color:#555}</style></head><body>
        <h1>\(Self.escape(title))</h1>

        """
        for s in sections {
            h += "<h2>\(Self.escape(s.heading))</h2>\n"
            for b in s.blocks {
                switch b {
                case .paragraph(let t): h += "<p>\(Self.escape(t))</p>\n"
                case .table(let header, let rows):
                    h += "<table><tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
                    for r in rows { h += "<tr>" + r.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
                    h += "</table>\n"
                case .figure(let svg, let caption):
                    h += "<figure>\(svg)<figcaption>\(Self.escape(caption))</figcaption></figure>\n"
                }
            }
        }
        return h + "</body></html>\n"
    }

    /// A Markdown table (for metrics.md and the README).
    public static func markdownTable(header: [String], rows: [[String]]) -> String {
        var s = "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
        return s
    }
}

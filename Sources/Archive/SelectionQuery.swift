import Foundation
import SurveyIO

/// The SQL that selects the galaxies, and how it is paged. SkyServer returns at most
/// 500,000 rows per query, so the paper's selection (≈ 800,000 spectra) is read in pages
/// ordered by `specObjID`: each page asks for the rows after the last one it has.
public struct SelectionQuery: Sendable, Equatable {
    /// The paper's selection (Li et al. 2025, Sect. 2.1): SDSS-I/II legacy galaxy spectra
    /// (run2d 26 in DR17), 0.002 ≤ z ≤ 0.3, no redshift warning, r-band median S/N ≥ 5;
    /// `petroR90_r` comes along for `--scale-by petro90`.
    public static let paperConditions = [
        "s.class = 'GALAXY'", "s.z BETWEEN 0.002 AND 0.3", "s.zWarning = 0", "s.snMedian_r >= 5", "s.run2d = '26'",
    ]
    public static let paperColumns = "s.specObjID, s.plate, s.mjd, s.fiberID, s.run2d, s.ra, s.dec, s.z, s.zWarning, s.snMedian_r, p.petroR90_r"

    /// SkyServer's largest result.
    public static let serviceRowLimit = 500_000

    /// A query of one's own (`--sql FILE`), run once as written, or the paper's query with
    /// extra conditions, paged.
    public enum Kind: Sendable, Equatable {
        case paper(extraConditions: [String])
        case custom(String)
    }

    public var kind: Kind
    /// Rows per page of the paged query (the service's limit by default; tests use a few).
    public var pageSize: Int

    public init(kind: Kind = .paper(extraConditions: []), pageSize: Int = SelectionQuery.serviceRowLimit) {
        self.kind = kind
        self.pageSize = max(1, pageSize)
    }

    /// Whether the query is paged by specObjID.
    public var isPaged: Bool { if case .paper = kind { return true } else { return false } }

    /// The SQL of the page after `lastSpecObjID` (nil: the first page).
    public func page(after lastSpecObjID: UInt64?) -> String {
        switch kind {
        case .custom(let sql):
            return sql
        case .paper(let extra):
            var conditions = Self.paperConditions + extra.map { "(\($0))" }
            if let lastSpecObjID { conditions.append("s.specObjID > \(lastSpecObjID)") }
            return "SELECT TOP \(pageSize) \(Self.paperColumns) FROM SpecObj AS s LEFT OUTER JOIN PhotoObj AS p ON s.bestObjID = p.objID "
                + "WHERE " + conditions.joined(separator: " AND ") + " ORDER BY s.specObjID"
        }
    }

    /// The query as recorded in the manifest: the first page's text, with the paging clause
    /// described in words for paged queries.
    public var recordedText: String {
        isPaged ? page(after: nil) + "  -- paged: each next page adds AND s.specObjID > (last specObjID read)" : page(after: nil)
    }
}

import Foundation

/// Bookkeeping shared by the stages that write a catalog of every galaxy's fate beside an
/// array of the accepted ones (`prepare-spectra`, `prepare-images`, `prepare`).
public enum StageOutcomes {
    /// For each catalog row, its row in the output array ("0", "1", … in catalog order), or
    /// "-1" when it was rejected.
    public static func indexColumn(accepted: [Bool]) -> [String] {
        var next = 0
        return accepted.map { a in
            guard a else { return "-1" }
            defer { next += 1 }
            return String(next)
        }
    }

    /// A rejection reason with its numbers replaced by "#", so that counts group reasons that
    /// differ only in a value ("S/N 3.2 < 5" and "S/N 4.1 < 5").
    public static func groupingKey(_ reason: String) -> String {
        reason.replacingOccurrences(of: "[-+]?[0-9][0-9.e+-]*", with: "#", options: .regularExpression)
    }

    /// SHA-256 of the catalog (when given) and of every input file that exists, by path;
    /// "unreadable" for a file that exists but cannot be read.
    public static func inputChecksums(catalogPath: String?, files: [String]) throws -> [String: String] {
        var inputs: [String: String] = [:]
        if let catalogPath { inputs[catalogPath] = try Provenance.sha256(ofFile: catalogPath) }
        for p in files where FileManager.default.fileExists(atPath: p) {
            inputs[p] = (try? Provenance.sha256(ofFile: p)) ?? "unreadable"
        }
        return inputs
    }
}

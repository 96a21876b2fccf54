import CFITSIO
import Foundation

/// One column of a FITS binary table to write. `elementsPerRow` > 1 makes a vector column
/// (for example SDSS's `SN_MEDIAN`, five values per row).
public struct FITSColumn {
    public enum Values {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
        case string([String], width: Int)
    }

    public let name: String
    public let values: Values
    public let elementsPerRow: Int
    public let unit: String
    /// Written as the comment of the column's TTYPEn card (what the column holds, e.g. for
    /// logarithmic quantities, which FITS gives no unit).
    public let comment: String

    public init(_ name: String, _ values: Values, elementsPerRow: Int = 1, unit: String = "", comment: String = "") {
        self.name = name
        self.values = values
        self.elementsPerRow = elementsPerRow
        self.unit = unit
        self.comment = comment
    }

    var count: Int {
        switch values {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .string(let v, _): return v.count
        }
    }

    var tform: String {
        switch values {
        case .float32: return "\(elementsPerRow)E"
        case .float64: return "\(elementsPerRow)D"
        case .int32: return "\(elementsPerRow)J"
        case .int64: return "\(elementsPerRow)K"
        case .string(_, let width): return "\(max(width, 1))A"
        }
    }
}

extension FITSFile {
    /// Writes an empty primary HDU (as SDSS `spec` files have) with optional string keywords.
    public func writeEmptyPrimary(keywords: [(String, String)] = []) throws {
        var status: Int32 = 0
        var naxes: [Int64] = []
        ffcrimll(try fptr, 8, 0, &naxes, &status)
        try check(status, "creating the primary HDU")
        for (k, v) in keywords { try writeKeyword(k, v) }
    }

    /// Writes a 1-D float32 primary image with a linear wavelength axis (CRVAL1, CDELT1,
    /// CRPIX1 = 1), the layout of MILES SSP files.
    public func writeImage1D(_ data: [Float], crval1: Double, cdelt1: Double) throws {
        var status: Int32 = 0
        var naxes = [Int64(data.count)]
        ffcrimll(try fptr, FLOAT_IMG, 1, &naxes, &status)
        try check(status, "creating the image HDU")
        var values = data
        ffppr(try fptr, TFLOAT, 1, Int64(data.count), &values, &status)
        try check(status, "writing image data")
        try writeKeyword("CRVAL1", crval1)
        try writeKeyword("CDELT1", cdelt1)
        try writeKeyword("CRPIX1", 1.0)
    }

    /// Appends a binary-table HDU named `extname` holding `columns` (all with the same rows).
    public func writeBinaryTable(extname: String, columns: [FITSColumn]) throws {
        guard let first = columns.first else {
            throw SurveyIOError(path: path, reason: "a table needs at least one column")
        }
        let rows = first.count / max(first.elementsPerRow, 1)
        for c in columns where c.count != rows * c.elementsPerRow {
            throw SurveyIOError(path: path, reason: "column \(c.name) has \(c.count) values, expected \(rows * c.elementsPerRow)")
        }
        var status: Int32 = 0
        var names = columns.map { strdup($0.name) }
        var forms = columns.map { strdup($0.tform) }
        var units = columns.map { strdup($0.unit) }
        defer { (names + forms + units).forEach { free($0) } }
        ffcrtb(try fptr, BINARY_TBL, Int64(rows), Int32(columns.count), &names, &forms, &units, extname, &status)
        try check(status, "creating table \(extname)")
        for (i, c) in columns.enumerated() where !c.comment.isEmpty {
            ffmcom(try fptr, "TTYPE\(i + 1)", c.comment, &status)
            try check(status, "writing the comment of column \(c.name)")
        }
        guard rows > 0 else { return }
        for (i, c) in columns.enumerated() {
            let col = Int32(i + 1)
            let n = Int64(c.count)
            switch c.values {
            case .float32(var v): ffpcl(try fptr, TFLOAT, col, 1, 1, n, &v, &status)
            case .float64(var v): ffpcl(try fptr, TDOUBLE, col, 1, 1, n, &v, &status)
            case .int32(var v): ffpcl(try fptr, TINT, col, 1, 1, n, &v, &status)
            case .int64(var v): ffpcl(try fptr, TLONGLONG, col, 1, 1, n, &v, &status)
            case .string(let v, _):
                var ptrs = v.map { strdup($0) }
                ffpcls(try fptr, col, 1, 1, n, &ptrs, &status)
                ptrs.forEach { free($0) }
            }
            try check(status, "writing column \(c.name)")
        }
    }

    /// Writes a string keyword into the current HDU.
    public func writeKeyword(_ key: String, _ value: String, comment: String? = nil) throws {
        var status: Int32 = 0
        var v = Array(value.utf8CString)
        ffukys(try fptr, key, &v, comment, &status)
        try check(status, "writing keyword \(key)")
    }

    /// Writes a floating-point keyword into the current HDU.
    public func writeKeyword(_ key: String, _ value: Double, comment: String? = nil) throws {
        var status: Int32 = 0
        ffukyd(try fptr, key, value, -15, comment, &status)
        try check(status, "writing keyword \(key)")
    }
}

import CFITSIO
import Foundation

/// A FITS file of GalAM's kind (an empty primary HDU and one binary table) read whole so its
/// table can be rewritten with other rows: `galam merge` joins the tables of sharded runs into
/// the file one run writes. Values are kept exactly (numbers as stored, strings as their bytes
/// without the padding), the column names, forms, units and comments, and every other header
/// card verbatim, so the rewritten file is byte for byte what the writer would have produced.
public struct FITSTableCopy {
    public var extname: String
    /// Columns with all rows, in table order.
    public var columns: [FITSColumn]
    /// The table header's cards after its own (TTYPE, TFORM, …), verbatim and in order.
    public var extraCards: [String]
    /// The file the primary HDU is copied from.
    public var primarySource: String

    public var rowCount: Int { columns.first.map { $0.count / max($0.elementsPerRow, 1) } ?? 0 }

    /// Cards the table writer makes itself.
    static func isStructural(_ key: String) -> Bool {
        ["XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "TFIELDS", "EXTNAME"].contains(key)
            || ["TTYPE", "TFORM", "TUNIT"].contains { key.hasPrefix($0) && Int(key.dropFirst($0.count)) != nil }
    }

    /// Reads table `extname` of the file at `path`.
    public init(path: String, extname: String) throws {
        let f = try FITSFile(readingAt: path)
        defer { try? f.close() }
        try f.moveToHDU(named: extname)
        self.extname = extname
        primarySource = path
        let fptr = try f.fptr
        var status: Int32 = 0
        var ncols: Int32 = 0, rowWidth = 0
        ffgncl(fptr, &ncols, &status)
        ffgkyj(fptr, "NAXIS1", &rowWidth, nil, &status)
        try f.check(status, "reading the layout of table \(extname)")
        let rows = try f.rowCount()
        // The whole table's bytes once: string columns are sliced from it.
        var bytes = [UInt8](repeating: 0, count: rowWidth * rows)
        if rows > 0 { ffgtbb(fptr, 1, 1, Int64(rowWidth * rows), &bytes, &status) }
        try f.check(status, "reading the rows of table \(extname)")
        var columns: [FITSColumn] = []
        var offset = 0
        for c in 1...max(ncols, 1) where ncols > 0 {
            var type: Int32 = 0, rep = 0, width = 0
            ffgtcl(fptr, c, &type, &rep, &width, &status)
            // FLEN_VALUE (71) and FLEN_COMMENT (73) bytes at most.
            var name = [CChar](repeating: 0, count: 128), comment = [CChar](repeating: 0, count: 128), unit = [CChar](repeating: 0, count: 128)
            ffgkys(fptr, "TTYPE\(c)", &name, &comment, &status)
            try f.check(status, "reading column \(c) of table \(extname)")
            var unitStatus: Int32 = 0
            ffgkys(fptr, "TUNIT\(c)", &unit, nil, &unitStatus)
            if unitStatus != 0 { ffcmsg(); unit = [0] }
            let n = String(cString: name), values: FITSColumn.Values, size: Int
            switch type {
            case TDOUBLE: values = .float64(try f.readColumn(n, as: Double.self)); size = 8 * rep
            case TFLOAT: values = .float32(try f.readColumn(n, as: Float.self)); size = 4 * rep
            case TLONG, TINT: values = .int32(try f.readColumn(n, as: Int32.self)); size = 4 * rep
            case TLONGLONG: values = .int64(try f.readColumn(n, as: Int64.self)); size = 8 * rep
            case TSTRING:
                let start = offset
                values = .string((0..<rows).map { r in
                    let field = bytes[(r * rowWidth + start)..<(r * rowWidth + start + rep)]
                    return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
                }, width: rep)
                size = rep
            default:
                throw SurveyIOError(path: path, reason: "column \(n) of table \(extname) has a type (\(type)) that cannot be merged")
            }
            offset += size
            columns.append(FITSColumn(n, values, elementsPerRow: type == TSTRING ? 1 : rep, unit: String(cString: unit),
                                      comment: String(cString: comment)))
        }
        self.columns = columns
        var keys: Int32 = 0, more: Int32 = 0
        ffghsp(fptr, &keys, &more, &status)
        var cards: [String] = []
        for k in 1...max(keys, 1) where keys > 0 {
            var card = [CChar](repeating: 0, count: 81)
            ffgrec(fptr, k, &card, &status)
            let text = String(cString: card)
            let key = text.prefix(8).trimmingCharacters(in: .whitespaces)
            if !Self.isStructural(key) { cards.append(text) }
        }
        try f.check(status, "reading the header of table \(extname)")
        extraCards = cards
    }

    /// The tables' rows interleaved as shards take them: row g of the result is row g / N of
    /// table g mod N (N = `parts.count`). The columns must agree in name, type and unit.
    public static func interleaving(_ parts: [FITSTableCopy]) throws -> FITSTableCopy {
        guard var out = parts.first else { throw SurveyIOError(path: "merge", reason: "no tables to merge") }
        let total = parts.map(\.rowCount).reduce(0, +), n = parts.count
        for p in parts.dropFirst() where p.columns.map(\.name) != out.columns.map(\.name) || p.columns.map(\.unit) != out.columns.map(\.unit) {
            throw SurveyIOError(path: p.primarySource, reason: "its columns differ from those of \(out.primarySource)")
        }
        func pick<T>(_ arrays: [[T]], _ per: Int) -> [T] {
            (0..<total).flatMap { g -> ArraySlice<T> in
                let a = arrays[g % n], r = g / n
                return a[(r * per)..<((r + 1) * per)]
            }
        }
        out.columns = try out.columns.indices.map { j in
            let c = out.columns[j], per = max(c.elementsPerRow, 1)
            let all = parts.map { $0.columns[j].values }
            let values: FITSColumn.Values
            switch c.values {
            case .float64: values = .float64(pick(try all.map { guard case .float64(let v) = $0 else { throw mismatch(c.name) }; return v }, per))
            case .float32: values = .float32(pick(try all.map { guard case .float32(let v) = $0 else { throw mismatch(c.name) }; return v }, per))
            case .int32: values = .int32(pick(try all.map { guard case .int32(let v) = $0 else { throw mismatch(c.name) }; return v }, per))
            case .int64: values = .int64(pick(try all.map { guard case .int64(let v) = $0 else { throw mismatch(c.name) }; return v }, per))
            case .string:
                let strings = try all.map { v -> [String] in
                    guard case .string(let s, _) = v else { throw mismatch(c.name) }
                    return s
                }
                // Each shard's writer sized the column to its longest value; one run sizes it to all.
                let merged = pick(strings, 1)
                values = .string(merged, width: max(1, merged.map(\.utf8.count).max() ?? 1))
            }
            return FITSColumn(c.name, values, elementsPerRow: c.elementsPerRow, unit: c.unit, comment: c.comment)
        }
        return out
    }

    static func mismatch(_ column: String) -> SurveyIOError {
        SurveyIOError(path: "merge", reason: "column \(column) has different types in different shards")
    }

    /// Writes the table, with the primary HDU of `primarySource`, to `path` (atomically).
    public func write(to path: String) throws {
        try AtomicFile.produce(path) { tmp in
            let source = try FITSFile(readingAt: primarySource)
            defer { try? source.close() }
            let f = try FITSFile(creatingAt: tmp)
            var status: Int32 = 0
            try source.moveToPrimary()
            ffcopy(try source.fptr, try f.fptr, 0, &status)
            try f.check(status, "copying the primary HDU of \(primarySource)")
            try f.writeBinaryTable(extname: extname, columns: columns)
            for card in extraCards {
                var c = Array(card.utf8CString)
                ffprec(try f.fptr, &c, &status)
            }
            try f.check(status, "writing the header of table \(extname)")
            try f.close()
        }
    }
}

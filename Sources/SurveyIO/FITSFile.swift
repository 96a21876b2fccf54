import CFITSIO
import Foundation

/// A FITS file opened with cfitsio. HDUs and columns are looked up by name, never by
/// position, so files that add or reorder extensions still read correctly.
///
/// Not thread-safe: use one `FITSFile` per thread (cfitsio itself is built reentrant).
public final class FITSFile {
    public let path: String
    private var handle: UnsafeMutablePointer<fitsfile>?
    /// Largest number of values one column read allocates. Row counts and repeat counts come
    /// from the file's header (NAXIS2, TFORMn), which a few flipped bytes turn into 10¹²; cfitsio
    /// only notices the missing data when it reads, after the allocation. 2²⁶ values (512 MB as
    /// float64) is far beyond any survey file GalAM reads (an SDSS COADD has ≈ 4,600 rows).
    public static let maxColumnValues = 1 << 26

    /// Opens an existing file read-only.
    public init(readingAt path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw SurveyIOError(path: path, reason: "file not found")
        }
        if let data = FileManager.default.contents(atPath: path), let why = FITSFile.headerProblem(data) {
            throw SurveyIOError(path: path, reason: "not a readable FITS file (\(why))")
        }
        var status: Int32 = 0
        galam_fits_open_readonly(&handle, path, &status)
        if status != 0 {
            handle = nil
            throw SurveyIOError(path: path, reason: "not a readable FITS file (\(FITSFile.message(status)))")
        }
    }

    /// The first header card with bytes outside printable ASCII, the FITS standard's only
    /// header characters. cfitsio 4.2 (Debian 12) copies a keyword's value with strcpy into a
    /// 70-byte buffer and aborts the process (glibc's buffer-overflow check) on some such
    /// cards — the fuzzer found it — so headers are checked before cfitsio parses them. HDUs
    /// are followed by their data sizes (BITPIX, NAXISn, PCOUNT, GCOUNT) until one cannot be
    /// followed; cfitsio reports whatever is wrong beyond.
    static func headerProblem(_ data: Data) -> String? {
        let bytes = [UInt8](data)
        var start = 0, hdu = 1
        while start + 2880 <= bytes.count {
            var values: [String: Int] = [:]
            var card = start, ended = false
            while card + 80 <= bytes.count {
                let raw = bytes[card..<(card + 80)]
                if let bad = raw.firstIndex(where: { $0 < 0x20 || $0 > 0x7E }) {
                    return "byte \(bytes[bad]) in header card \((card - start) / 80 + 1) of HDU \(hdu) is not printable ASCII"
                }
                let text = String(decoding: raw, as: UTF8.self)
                let key = text.prefix(8).trimmingCharacters(in: .whitespaces)
                if key == "END" { ended = true; break }
                if text.dropFirst(8).hasPrefix("= "), let v = Int(text.dropFirst(10).prefix(20).trimmingCharacters(in: .whitespaces)) {
                    values[key] = v
                }
                card += 80
            }
            guard ended, let bitpix = values["BITPIX"], [8, 16, 32, 64, -32, -64].contains(bitpix),
                  let naxis = values["NAXIS"], (0...999).contains(naxis) else { return nil }
            let gcount = values["GCOUNT"] ?? 1, pcount = values["PCOUNT"] ?? 0
            guard (0...bytes.count).contains(gcount), (0...bytes.count).contains(pcount) else { return nil }
            var count = naxis == 0 ? 0 : 1
            for i in 0..<naxis {
                guard let d = values["NAXIS\(i + 1)"], d >= 0 else { return nil }
                let (m, o) = count.multipliedReportingOverflow(by: d)
                guard !o, m <= bytes.count else { return nil }
                count = m
            }
            let (withHeap, o1) = count.addingReportingOverflow(pcount)
            let (size, o2) = withHeap.multipliedReportingOverflow(by: abs(bitpix) / 8 * gcount)
            guard !o1, !o2, size >= 0, size <= bytes.count else { return nil }
            let headerEnd = (card + 80 - start + 2879) / 2880 * 2880 + start
            start = headerEnd + (size + 2879) / 2880 * 2880
            hdu += 1
        }
        return nil
    }

    /// Creates a new file (an existing file at `path` is replaced by the caller's rename, so
    /// `path` here should be a temporary name).
    public init(creatingAt path: String) throws {
        self.path = path
        try? FileManager.default.removeItem(atPath: path)
        var status: Int32 = 0
        galam_fits_create(&handle, path, &status)
        if status != 0 {
            handle = nil
            throw SurveyIOError(path: path, reason: "cannot create FITS file (\(FITSFile.message(status)))")
        }
    }

    deinit { try? close() }

    /// Closes the file; for a written file this flushes it. Errors on close (for example a
    /// full disk) are reported rather than lost.
    public func close() throws {
        guard let h = handle else { return }
        var status: Int32 = 0
        ffclos(h, &status)
        handle = nil
        try check(status, "closing")
    }

    /// cfitsio's text for a status code.
    static func message(_ status: Int32) -> String {
        var buf = [CChar](repeating: 0, count: 40)
        ffgerr(status, &buf)
        return "cfitsio status \(status): " + String(cString: buf)
    }

    func check(_ status: Int32, _ doing: String) throws {
        if status != 0 {
            ffcmsg()  // clear cfitsio's message stack so the next error starts clean
            throw SurveyIOError(path: path, reason: "\(doing): \(FITSFile.message(status))")
        }
    }

    var fptr: UnsafeMutablePointer<fitsfile> {
        get throws {
            guard let h = handle else { throw SurveyIOError(path: path, reason: "file is closed") }
            return h
        }
    }

    // MARK: HDUs

    /// Moves to the extension whose EXTNAME is `name` (any HDU type).
    public func moveToHDU(named name: String) throws {
        var status: Int32 = 0
        var cname = Array(name.utf8CString)
        ffmnhd(try fptr, ANY_HDU, &cname, 0, &status)
        if status == BAD_HDU_NUM {
            ffcmsg()
            throw SurveyIOError(path: path, reason: "no HDU named \(name)")
        }
        try check(status, "moving to HDU \(name)")
    }

    /// Moves to the primary HDU.
    public func moveToPrimary() throws {
        var status: Int32 = 0
        var type: Int32 = 0
        ffmahd(try fptr, 1, &type, &status)
        try check(status, "moving to the primary HDU")
    }

    /// A header keyword of the current HDU as a double, or nil when absent.
    public func keywordDouble(_ key: String) throws -> Double? {
        var status: Int32 = 0
        var value = 0.0
        ffgkyd(try fptr, key, &value, nil, &status)
        if status == KEY_NO_EXIST { ffcmsg(); return nil }
        try check(status, "reading keyword \(key)")
        return value
    }

    /// A string header keyword of the current HDU, or nil when absent.
    public func keywordString(_ key: String) throws -> String? {
        var status: Int32 = 0
        var value = [CChar](repeating: 0, count: 72)
        ffgkys(try fptr, key, &value, nil, &status)
        if status == KEY_NO_EXIST { ffcmsg(); return nil }
        try check(status, "reading keyword \(key)")
        return String(cString: value)
    }

    // MARK: Images

    /// The primary array of a 1-D image HDU (for example an SSP template) as Float32.
    public func readImage1D() throws -> [Float] {
        var status: Int32 = 0
        var naxis: Int32 = 0
        ffgidm(try fptr, &naxis, &status)
        try check(status, "reading image dimensions")
        var dims = [Int](repeating: 0, count: max(Int(naxis), 1))
        ffgisz(try fptr, naxis, &dims, &status)
        try check(status, "reading image size")
        // NAXISn come from the header: multiply with overflow checks and bound before allocating.
        var n = 1
        for d in dims {
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, m <= Self.maxColumnValues else {
                throw SurveyIOError(path: path, reason: "image of \(dims) pixels is larger than the \(Self.maxColumnValues) limit")
            }
            n = m
        }
        guard naxis >= 1, n > 0 else { throw SurveyIOError(path: path, reason: "the HDU holds no image") }
        var out = [Float](repeating: 0, count: n)
        var anynul: Int32 = 0
        var nulval: Float = .nan
        ffgpv(try fptr, TFLOAT, 1, Int64(n), &nulval, &out, &anynul, &status)
        try check(status, "reading image data")
        return out
    }

    // MARK: Binary tables

    /// Number of rows of the current table HDU.
    public func rowCount() throws -> Int {
        var status: Int32 = 0
        var n: Int = 0
        ffgnrw(try fptr, &n, &status)
        try check(status, "counting rows")
        return n
    }

    /// Column number of `name` in the current table (exact, case-insensitive match).
    public func columnNumber(_ name: String) throws -> Int32 {
        var status: Int32 = 0
        var col: Int32 = 0
        var template = Array(name.utf8CString)
        ffgcno(try fptr, CASEINSEN, &template, &col, &status)
        if status == COL_NOT_FOUND || status == COL_NOT_UNIQUE {
            ffcmsg()
            throw SurveyIOError(path: path, reason: "no column \(name) in HDU \((try? keywordString("EXTNAME")).flatMap { $0 } ?? "?")")
        }
        try check(status, "finding column \(name)")
        return col
    }

    /// Elements per row (the repeat count) of a column.
    public func columnRepeat(_ name: String) throws -> Int {
        let col = try columnNumber(name)
        var status: Int32 = 0
        var type: Int32 = 0
        var rep: Int = 0
        var width: Int = 0
        ffgtcl(try fptr, col, &type, &rep, &width, &status)
        try check(status, "reading the type of column \(name)")
        return rep
    }

    /// All values of a numeric column (all rows, all elements per row), converted by cfitsio.
    public func readColumn<T: FITSNumeric>(_ name: String, as _: T.Type = T.self) throws -> [T] {
        try readColumn(name, rows: rowCount())
    }

    /// The values of a numeric column in its first `rows` rows (every element of each row).
    /// Throws, before allocating, when the header asks for more than `maxColumnValues` values.
    public func readColumn<T: FITSNumeric>(_ name: String, as _: T.Type = T.self, rows: Int) throws -> [T] {
        let col = try columnNumber(name)
        let repeatCount = try columnRepeat(name)
        let (n, overflow) = rows.multipliedReportingOverflow(by: repeatCount)
        guard rows >= 0, repeatCount >= 0, !overflow, n <= Self.maxColumnValues else {
            throw SurveyIOError(path: path, reason: "column \(name) has \(rows) rows × \(repeatCount) values, more than any survey file (limit \(Self.maxColumnValues) values)")
        }
        var out = [T](repeating: T.fitsNull, count: n)
        guard n > 0 else { return out }
        var status: Int32 = 0
        var anynul: Int32 = 0
        var nulval = T.fitsNull
        ffgcv(try fptr, T.fitsDataType, col, 1, 1, Int64(n), &nulval, &out, &anynul, &status)
        try check(status, "reading column \(name)")
        return out
    }

    /// A string column's value in one row (1-based), trailing blanks removed.
    public func readString(_ name: String, row: Int = 1) throws -> String {
        let col = try columnNumber(name)
        var status: Int32 = 0
        var type: Int32 = 0
        var rep: Int = 0
        var width: Int = 0
        ffgtcl(try fptr, col, &type, &rep, &width, &status)
        try check(status, "reading the type of column \(name)")
        // The width comes from TFORMn; a string column wider than this is corruption.
        guard rep >= 0, width >= 0, max(rep, width) <= 1 << 16 else {
            throw SurveyIOError(path: path, reason: "string column \(name) is \(max(rep, width)) characters wide (limit 65536)")
        }
        var buffer = [CChar](repeating: 0, count: max(rep, width) + 1)
        var anynul: Int32 = 0
        try buffer.withUnsafeMutableBufferPointer { buf in
            var p: UnsafeMutablePointer<CChar>? = buf.baseAddress
            var empty: [CChar] = [0]
            ffgcvs(try fptr, col, Int64(row), 1, 1, &empty, &p, &anynul, &status)
        }
        try check(status, "reading column \(name)")
        return String(cString: buffer).trimmingCharacters(in: .whitespaces)
    }
}

/// Numeric element types cfitsio converts table columns and images to.
public protocol FITSNumeric {
    static var fitsDataType: Int32 { get }
    static var fitsNull: Self { get }
}
extension Float: FITSNumeric {
    public static var fitsDataType: Int32 { TFLOAT }
    public static var fitsNull: Float { .nan }
}
extension Double: FITSNumeric {
    public static var fitsDataType: Int32 { TDOUBLE }
    public static var fitsNull: Double { .nan }
}
extension Int32: FITSNumeric {
    public static var fitsDataType: Int32 { TINT }
    public static var fitsNull: Int32 { 0 }
}
extension Int64: FITSNumeric {
    public static var fitsDataType: Int32 { TLONGLONG }
    public static var fitsNull: Int64 { 0 }
}

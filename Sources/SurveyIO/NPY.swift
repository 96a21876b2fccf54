import Foundation

/// Element types GalAM stores in `.npy` files (little-endian, C order).
public protocol NPYElement: Sendable {
    /// NumPy's `descr` string, for example `<f4`.
    static var npyDescr: String { get }
}
extension Float: NPYElement { public static var npyDescr: String { "<f4" } }
extension UInt8: NPYElement { public static var npyDescr: String { "|u1" } }

/// Header of a `.npy` file (NumPy format 1.0/2.0: magic, version, header length, a Python
/// dict literal with `descr`, `fortran_order` and `shape`, padded to a multiple of 64 bytes).
public struct NPYHeader: Equatable, Sendable {
    public var descr: String
    public var shape: [Int]
    /// Byte offset of the data.
    public var dataOffset: Int

    public var elementCount: Int { shape.reduce(1, *) }

    /// Encodes a version-1.0 header for `shape` (version 2.0 if the dict exceeds 65535 bytes).
    public static func encode(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let v2 = dict.utf8.count + 11 > 65535
        let prefix = v2 ? 12 : 10
        let total = (prefix + dict.utf8.count + 1 + 63) / 64 * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [v2 ? 2 : 1, 0])
        let len = dict.utf8.count
        if v2 {
            d.append(contentsOf: (0..<4).map { UInt8((len >> (8 * $0)) & 0xff) })
        } else {
            d.append(contentsOf: [UInt8(len & 0xff), UInt8(len >> 8)])
        }
        d.append(contentsOf: Array(dict.utf8))
        return d
    }

    /// Parses the header at the start of `bytes`; `path` labels errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYHeader {
        func fail(_ why: String) -> SurveyIOError { SurveyIOError(path: path, reason: "not a valid .npy file: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw fail("bad magic") }
        let major = bytes[6]
        let (lenBytes, start): (Int, Int) = major == 1 ? (2, 10) : (4, 12)
        guard major >= 1, major <= 3, bytes.count >= start else { throw fail("unsupported version \(major)") }
        var len = 0
        for i in 0..<lenBytes { len |= Int(bytes[8 + i]) << (8 * i) }
        guard bytes.count >= start + len else { throw fail("truncated header") }
        guard let dict = String(bytes: bytes[start..<(start + len)], encoding: .utf8) else { throw fail("header is not text") }
        func value(of key: String) -> Substring? {
            guard let r = dict.range(of: "'\(key)':") else { return nil }
            return dict[r.upperBound...].drop(while: { $0 == " " })
        }
        guard let d = value(of: "descr"), d.first == "'", let end = d.dropFirst().firstIndex(of: "'") else { throw fail("no descr") }
        let descr = String(d[d.index(after: d.startIndex)..<end])
        guard let fo = value(of: "fortran_order"), fo.hasPrefix("False") else { throw fail("Fortran order is not supported") }
        guard let s = value(of: "shape"), s.first == "(", let close = s.firstIndex(of: ")") else { throw fail("no shape") }
        let dims = s[s.index(after: s.startIndex)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let shape = try dims.map { (t: String) -> Int in
            guard let v = Int(t), v >= 0 else { throw fail("bad shape entry \(t)") }
            return v
        }
        // The shape comes from the file: its product must not overflow (elementCount, and the
        // byte counts readers compute from it, would trap) and is bounded by the file's size
        // by the readers.
        var count = 1
        for d in shape {
            let (m, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, m <= Int.max / 16 else { throw fail("shape \(shape) has more elements than any file can hold") }
            count = m
        }
        return NPYHeader(descr: descr, shape: shape, dataOffset: start + len)
    }
}

extension NPYHeader {
    /// Opens a `.npy` file read-only: its descriptor (the caller closes it) and size in bytes.
    static func openForReading(_ path: String) throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw SurveyIOError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot open" : "file not found")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { close(fd); throw SurveyIOError(path: path, reason: "not a valid .npy file: empty") }
        return (fd, Int(st.st_size))
    }

    /// Throws unless the header describes `Element` data that a file of `fileSize` bytes holds.
    func check<Element: NPYElement>(_: Element.Type, fileSize: Int, path: String) throws {
        guard descr == Element.npyDescr else { throw SurveyIOError(path: path, reason: "holds \(descr), expected \(Element.npyDescr)") }
        // Divided rather than multiplied: elementCount × stride could overflow.
        guard dataOffset <= fileSize, elementCount <= (fileSize - dataOffset) / MemoryLayout<Element>.stride else {
            throw SurveyIOError(path: path, reason: "truncated: shape \(shape) needs more data than the file holds")
        }
    }
}

/// A whole `.npy` array in memory.
public struct NPYArray<Element: NPYElement>: Equatable where Element: Equatable {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the number of values")
        self.shape = shape
        self.values = values
    }

    /// Reads a file written by NumPy or by GalAM.
    public init(contentsOf path: String) throws {
        let mapped = try MappedNPY<Element>(path: path)
        self.init(shape: mapped.shape, values: Array(mapped.buffer))
    }

    /// Parses `.npy` bytes (the fuzz harness, data already in memory); `label` names them in errors.
    public init(npyData data: Data, label: String = "<memory>") throws {
        let (shape, values) = try data.withUnsafeBytes { raw -> ([Int], [Element]) in
            let header = try NPYHeader.parse(raw, path: label)
            guard header.descr == Element.npyDescr else {
                throw SurveyIOError(path: label, reason: "holds \(header.descr), expected \(Element.npyDescr)")
            }
            guard header.elementCount <= (raw.count - header.dataOffset) / MemoryLayout<Element>.stride else {
                throw SurveyIOError(path: label, reason: "truncated: shape \(header.shape) needs more data than the file holds")
            }
            let values = [Element](unsafeUninitializedCapacity: header.elementCount) { buf, n in
                let bytes = header.elementCount * MemoryLayout<Element>.stride
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[header.dataOffset..<(header.dataOffset + bytes)]))
                n = header.elementCount
            }
            return (header.shape, values)
        }
        self.init(shape: shape, values: values)
    }

    /// Writes the array atomically.
    public func write(to path: String) throws {
        var d = NPYHeader.encode(descr: Element.npyDescr, shape: shape)
        values.withUnsafeBytes { d.append(contentsOf: $0) }
        try AtomicFile.write(d, to: path)
    }
}

/// A read-only, memory-mapped `.npy` array: large data sets are paged in on demand rather
/// than read whole. Rows (the first axis) are the natural unit of access.
public final class MappedNPY<Element: NPYElement> {
    public let path: String
    public let shape: [Int]
    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let offset: Int

    public init(path: String) throws {
        self.path = path
        let (fd, size) = try NPYHeader.openForReading(path)
        defer { Foundation.close(fd) }
        length = size
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw SurveyIOError(path: path, reason: "cannot map file into memory")
        }
        base = p
        let header: NPYHeader
        do {
            header = try NPYHeader.parse(UnsafeRawBufferPointer(start: p, count: length), path: path)
        } catch { munmap(p, length); throw error }
        do { try header.check(Element.self, fileSize: length, path: path) } catch { munmap(p, length); throw error }
        shape = header.shape
        offset = header.dataOffset
    }

    deinit { munmap(base, length) }

    /// All elements, in C order.
    public var buffer: UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: Element.self), count: shape.reduce(1, *))
    }

    /// Elements per row (product of all axes but the first).
    public var rowLength: Int { shape.dropFirst().reduce(1, *) }

    /// Row `i` of the first axis.
    public func row(_ i: Int) -> UnsafeBufferPointer<Element> {
        precondition(i >= 0 && i < (shape.first ?? 0), "row \(i) out of range")
        return UnsafeBufferPointer(rebasing: buffer[(i * rowLength)..<((i + 1) * rowLength)])
    }
}

/// Writes a large `.npy` file row by row without holding it in memory. Either the shape is
/// fixed up front (`init(path:shape:)`, `finish()` checks every row was written), or only an
/// upper bound of the rows is known (`init(path:rowShape:maxRows:)`, as for the accepted
/// galaxies of a stage): the header is then rewritten with the real count at `finish()`.
/// Either way the file is written under a temporary name and renamed into place, and its
/// bytes equal those `NPYArray.write` gives for the same array.
public final class NPYStreamWriter<Element: NPYElement> {
    public let path: String
    /// Shape of one row (the array's shape without its first axis).
    public let rowShape: [Int]
    /// Rows the shape was fixed to (nil: as many as are appended, up to `maxRows`).
    private let fixedRows: Int?
    private let maxRows: Int
    private let reservedHeader: Int
    private let tmp: String
    private let handle: FileHandle
    public private(set) var rowsWritten = 0
    private var finished = false

    /// A writer for exactly `shape[0]` rows.
    public convenience init(path: String, shape: [Int]) throws {
        try self.init(path: path, rowShape: Array(shape.dropFirst()), rows: shape.first ?? 0, maxRows: shape.first ?? 0)
    }

    /// A writer for at most `maxRows` rows of `rowShape`; the count is set by `finish()`.
    public convenience init(path: String, rowShape: [Int], maxRows: Int) throws {
        try self.init(path: path, rowShape: rowShape, rows: nil, maxRows: maxRows)
    }

    private init(path: String, rowShape: [Int], rows: Int?, maxRows: Int) throws {
        self.path = path
        self.rowShape = rowShape
        fixedRows = rows
        self.maxRows = maxRows
        try AtomicFile.createParent(of: path)
        tmp = AtomicFile.temporaryPath(for: path)
        // The header for the largest count is at least as long as the final one.
        let header = NPYHeader.encode(descr: Element.npyDescr, shape: [maxRows] + rowShape)
        reservedHeader = header.count
        guard FileManager.default.createFile(atPath: tmp, contents: header),
              let h = FileHandle(forWritingAtPath: tmp) else {
            throw SurveyIOError(path: path, reason: "cannot create file")
        }
        handle = h
        handle.seekToEndOfFile()
    }

    deinit {
        if !finished { try? handle.close(); try? FileManager.default.removeItem(atPath: tmp) }
    }

    /// Appends one row.
    public func append(row: [Element]) throws {
        let n = rowShape.reduce(1, *)
        guard row.count == n else { throw SurveyIOError(path: path, reason: "row has \(row.count) values, expected \(n)") }
        guard rowsWritten < maxRows else { throw SurveyIOError(path: path, reason: "more rows than the shape holds") }
        row.withUnsafeBytes { handle.write(Data($0)) }
        rowsWritten += 1
    }

    /// Writes the header for the rows written, closes and renames the file into place.
    public func finish() throws {
        if let fixedRows, rowsWritten != fixedRows {
            throw SurveyIOError(path: path, reason: "only \(rowsWritten) of \(fixedRows) rows were written")
        }
        let header = NPYHeader.encode(descr: Element.npyDescr, shape: [rowsWritten] + rowShape)
        if header.count == reservedHeader {
            try handle.seek(toOffset: 0)
            handle.write(header)
            try handle.synchronize()
            try handle.close()
        } else {
            // Fewer digits crossed a 64-byte boundary of the padded header: copy the data
            // behind the shorter header (rare; the file stays byte-identical to NPYArray's).
            try handle.close()
            try AtomicFile.produce(path) { out in
                guard FileManager.default.createFile(atPath: out, contents: header), let o = FileHandle(forWritingAtPath: out),
                      let i = FileHandle(forReadingAtPath: tmp) else { throw SurveyIOError(path: path, reason: "cannot write") }
                defer { try? o.close(); try? i.close() }
                o.seekToEndOfFile()
                try i.seek(toOffset: UInt64(reservedHeader))
                while true {
                    let chunk = i.readData(ofLength: 1 << 22)
                    if chunk.isEmpty { break }
                    o.write(chunk)
                }
                try o.synchronize()
            }
            try? FileManager.default.removeItem(atPath: tmp)
            finished = true
            return
        }
        finished = true
        try AtomicFile.commit(temporary: tmp, to: path)
    }
}

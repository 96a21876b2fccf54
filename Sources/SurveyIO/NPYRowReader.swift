import Foundation

/// Rows of a `.npy` file read on demand with positioned reads (`pread`), for training sets
/// larger than memory. Unlike `MappedNPY`, nothing stays resident in the process: the
/// operating system's page cache keeps what was read recently, but a mapping's pages, once
/// touched, count in the process's resident set (a 128 px training set of 20,000 galaxies
/// maps 1 GB of images). Safe to use from one thread at a time per reader.
public final class NPYRowReader<Element: NPYElement> {
    public let path: String
    public let shape: [Int]
    private let fd: Int32
    private let dataOffset: Int

    public init(path: String) throws {
        self.path = path
        let (fd, size) = try NPYHeader.openForReading(path)
        var head = [UInt8](repeating: 0, count: min(size, 1 << 16))
        let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let header: NPYHeader
        do {
            guard got == head.count else { throw SurveyIOError(path: path, reason: "cannot read the header") }
            header = try head.withUnsafeBytes { try NPYHeader.parse($0, path: path) }
            try header.check(Element.self, fileSize: size, path: path)
        } catch { close(fd); throw error }
        self.fd = fd
        shape = header.shape
        dataOffset = header.dataOffset
    }

    deinit { close(fd) }

    /// Number of rows (the first axis).
    public var rowCount: Int { shape.first ?? 0 }
    /// Elements per row (product of all axes but the first).
    public var rowLength: Int { shape.dropFirst().reduce(1, *) }

    /// Reads row `i` into `buffer` (room for `rowLength` elements).
    public func read(row i: Int, into buffer: UnsafeMutablePointer<Element>) throws {
        precondition(i >= 0 && i < rowCount, "row \(i) out of range")
        let bytes = rowLength * MemoryLayout<Element>.stride
        var done = 0
        while done < bytes {
            let n = pread(fd, UnsafeMutableRawPointer(buffer) + done, bytes - done, off_t(dataOffset + i * bytes + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SurveyIOError(path: path, reason: "cannot read row \(i)") }
            done += n
        }
    }
}

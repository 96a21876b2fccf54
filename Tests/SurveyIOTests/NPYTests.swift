import Foundation
import SurveyIO
import TestSupport
import XCTest

final class NPYTests: XCTestCase {
    /// GalAM's files load in NumPy with the right shape, dtype and values.
    func testNumPyReadsGalAMFiles() throws {
        let dir = Fixtures.scratchDirectory()
        let f = NPYArray<Float>(shape: [3, 5], values: (0..<15).map { Float($0) * 0.5 - 1 })
        try f.write(to: dir + "/f.npy")
        let u = NPYArray<UInt8>(shape: [2, 2, 2, 3], values: (0..<24).map { UInt8($0 * 10) })
        try u.write(to: dir + "/u.npy")
        let out = try Fixtures.python("""
        import numpy as np
        f = np.load('\(dir)/f.npy'); u = np.load('\(dir)/u.npy')
        print(f.shape, f.dtype, float(f[2, 4]), float(f.sum()), u.shape, u.dtype, int(u[1, 1, 1, 2]))
        """)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines),
                       "(3, 5) float32 6.0 37.5 (2, 2, 2, 3) uint8 230")
    }

    /// Files written by NumPy read back identically (also memory-mapped, row by row).
    func testReadsNumPyFiles() throws {
        let dir = Fixtures.scratchDirectory()
        _ = try Fixtures.python("""
        import numpy as np
        np.save('\(dir)/a.npy', (np.arange(4 * 7, dtype=np.float32) / 3).reshape(4, 7))
        np.save('\(dir)/b.npy', np.arange(10, dtype=np.uint8))
        """)
        let a = try NPYArray<Float>(contentsOf: dir + "/a.npy")
        XCTAssertEqual(a.shape, [4, 7])
        XCTAssertEqual(a.values, (0..<28).map { Float($0) / 3 })
        let m = try MappedNPY<Float>(path: dir + "/a.npy")
        XCTAssertEqual(Array(m.row(2)), (14..<21).map { Float($0) / 3 })
        // Row by row with positioned reads, as training streams a dataset.
        let reader = try NPYRowReader<Float>(path: dir + "/a.npy")
        XCTAssertEqual([reader.rowCount, reader.rowLength], [4, 7])
        var row = [Float](repeating: 0, count: 7)
        for r in [3, 0, 2] {
            try row.withUnsafeMutableBufferPointer { try reader.read(row: r, into: $0.baseAddress!) }
            XCTAssertEqual(row, Array(m.row(r)))
        }
        XCTAssertThrowsError(try NPYRowReader<UInt8>(path: dir + "/a.npy")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "holds <f4, expected |u1")
        }
        let b = try NPYArray<UInt8>(contentsOf: dir + "/b.npy")
        XCTAssertEqual(b.shape, [10])
        XCTAssertEqual(b.values, Array(0..<10))
        // Wrong dtype is a clear error.
        XCTAssertThrowsError(try NPYArray<UInt8>(contentsOf: dir + "/a.npy")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "holds <f4, expected |u1")
        }
    }

    func testStreamWriterAndTruncation() throws {
        let dir = Fixtures.scratchDirectory()
        let w = try NPYStreamWriter<Float>(path: dir + "/s.npy", shape: [3, 2])
        for r in 0..<3 { try w.append(row: [Float(r), Float(-r)]) }
        try w.finish()
        XCTAssertEqual(try NPYArray<Float>(contentsOf: dir + "/s.npy").values, [0, 0, 1, -1, 2, -2])

        // An unfinished writer leaves nothing behind.
        do {
            let w2 = try NPYStreamWriter<Float>(path: dir + "/partial.npy", shape: [3, 2])
            try w2.append(row: [1, 2])
            XCTAssertThrowsError(try w2.finish())
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/partial.npy"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["s.npy"])

        // A truncated file is an error, not garbage.
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/s.npy"))
        try data.prefix(data.count - 4).write(to: URL(fileURLWithPath: dir + "/t.npy"))
        XCTAssertThrowsError(try NPYArray<Float>(contentsOf: dir + "/t.npy")) { e in
            XCTAssertTrue((e as? SurveyIOError)?.reason.hasPrefix("truncated") ?? false, "\(e)")
        }
        for open in [{ _ = try MappedNPY<Float>(path: dir + "/t.npy") }, { _ = try NPYRowReader<Float>(path: dir + "/t.npy") }] {
            XCTAssertThrowsError(try open()) { e in
                XCTAssertTrue((e as? SurveyIOError)?.reason.hasPrefix("truncated") ?? false, "\(e)")
            }
        }
    }

    /// A writer that learns the row count at the end writes the bytes `NPYArray.write` gives,
    /// also when the shorter count shortens the padded header (the copying path).
    func testGrowingStreamWriterEqualsArrayWrite() throws {
        let dir = Fixtures.scratchDirectory()
        // Rows of k ones: find a k where 1 row has a shorter header than 100,000 rows.
        let k = try XCTUnwrap((1...60).first { k in
            let ones = [Int](repeating: 1, count: k)
            return NPYHeader.encode(descr: "<f4", shape: [100_000] + ones).count != NPYHeader.encode(descr: "<f4", shape: [1] + ones).count
        })
        for (rowShape, maxRows, rows) in [([2], 50, 3), ([2], 3, 3), ([Int](repeating: 1, count: k), 100_000, 1), ([3, 2], 10, 0)] {
            let n = rowShape.reduce(1, *)
            let values = (0..<(rows * n)).map { Float($0) * 0.5 - 1 }
            let w = try NPYStreamWriter<Float>(path: dir + "/grown.npy", rowShape: rowShape, maxRows: maxRows)
            for r in 0..<rows { try w.append(row: Array(values[(r * n)..<((r + 1) * n)])) }
            try w.finish()
            try NPYArray(shape: [rows] + rowShape, values: values).write(to: dir + "/whole.npy")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/grown.npy")),
                           try Data(contentsOf: URL(fileURLWithPath: dir + "/whole.npy")), "\(rowShape) \(maxRows) \(rows)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["grown.npy", "whole.npy"], "no temporary files left")
        let full = try NPYStreamWriter<Float>(path: dir + "/full.npy", rowShape: [1], maxRows: 1)
        try full.append(row: [1])
        XCTAssertThrowsError(try full.append(row: [2]), "more rows than reserved")
    }

    func testHeaderIsPaddedTo64Bytes() {
        let h = NPYHeader.encode(descr: "<f4", shape: [4, 4171])
        XCTAssertEqual(h.count % 64, 0)
        XCTAssertEqual(h.last, 0x0a)
    }
}

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
    }

    func testHeaderIsPaddedTo64Bytes() {
        let h = NPYHeader.encode(descr: "<f4", shape: [4, 4171])
        XCTAssertEqual(h.count % 64, 0)
        XCTAssertEqual(h.last, 0x0a)
    }
}

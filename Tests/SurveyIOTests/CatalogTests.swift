import Foundation
import SurveyIO
import TestSupport
import XCTest

final class CatalogTests: XCTestCase {
    func testReadsFixtureCatalog() throws {
        let c = try Catalog(contentsOf: Fixtures.catalogPath)
        XCTAssertEqual(c.count, 4)
        XCTAssertEqual(try c.column("spec_file").first, "spec-0389-51795-0269.fits")
        XCTAssertThrowsError(try c.column("petroMag_r")) { e in
            XCTAssertTrue((e as? SurveyIOError)?.reason.hasPrefix("missing column 'petroMag_r'") ?? false)
        }
    }

    func testQuotedFieldsRoundTrip() throws {
        let path = Fixtures.scratchDirectory() + "/c.csv"
        var c = Catalog(columns: ["id", "note"], rows: [["1", "plain"], ["2", "has, comma"], ["3", "has \"quotes\""]])
        c.setColumn("accepted", ["true", "false", "true"])
        try c.write(to: path)
        let back = try Catalog(contentsOf: path)
        XCTAssertEqual(back.columns, ["id", "note", "accepted"])
        XCTAssertEqual(back.rows, c.rows)
    }

    func testRaggedRowAndEmptyFile() throws {
        let dir = Fixtures.scratchDirectory()
        try "a,b\n1,2\n3\n".write(toFile: dir + "/ragged.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Catalog(contentsOf: dir + "/ragged.csv")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "row 3 has 1 fields, the header has 2")
        }
        try "".write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Catalog(contentsOf: dir + "/empty.csv"))
        XCTAssertThrowsError(try Catalog(contentsOf: dir + "/missing.csv")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "file not found")
        }
    }

    func testAtomicProduceLeavesNothingOnFailure() throws {
        let dir = Fixtures.scratchDirectory()
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.produce(dir + "/out.bin") { tmp in
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tmp))
            throw Boom()
        })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testSHA256KnownVector() {
        // FIPS 180-2 example "abc".
        XCTAssertEqual(Provenance.sha256(Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

final class CatalogJobBookkeepingTests: XCTestCase {
    func testIndexColumnCountsAcceptedRowsInOrder() {
        XCTAssertEqual(CatalogJob.indexColumn(accepted: [false, true, true, false, true]), ["-1", "0", "1", "-1", "2"])
        XCTAssertEqual(CatalogJob.indexColumn(accepted: []), [])
    }

    func testGroupingKeyReplacesNumbers() {
        XCTAssertEqual(CatalogJob.groupingKey("S/N 3.2 < 5"), CatalogJob.groupingKey("S/N 4.75 < 5"))
        XCTAssertEqual(CatalogJob.groupingKey("z = -1.5e-3 outside"), "z = # outside")
        XCTAssertEqual(CatalogJob.groupingKey("blended"), "blended")
    }

    func testInputChecksumsSkipMissingFiles() throws {
        let dir = Fixtures.scratchDirectory()
        try "abc".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        let sums = try CatalogJob.inputChecksums(catalogPath: nil, files: [dir + "/a.txt", dir + "/missing.txt"])
        // SHA-256("abc"), FIPS 180-2 Appendix B.1.
        XCTAssertEqual(sums, [dir + "/a.txt": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"])
    }
}

/// The catalog-job skeleton against a hand-written reference loop.
final class CatalogJobTests: XCTestCase {
    struct Toy: StageOutcome {
        var row: Int
        /// Multiples of 3 are rejected; multiples of 5 are unreadable files.
        var fate: Fate {
            if row % 5 == 0 { return Fate(rejectReason: "file \(row) unreadable", fileError: true) }
            return row % 3 == 0 ? Fate(rejectReason: "cut at \(row)") : .accepted
        }
    }

    func testBatchesArriveInOrderWithTheSameFatesWhateverThreadsAndBatchSize() throws {
        let n = 47
        let expected = (0..<n).map { Toy(row: $0).fate.rejectReason ?? "" }
        for (threads, batch) in [(1, 1000), (2, 1), (2, 7), (3, 10)] {
            var seen: [Int] = []
            var job = CatalogJob(name: "toy", threads: threads, showProgress: false, batchSize: batch)
            job.inputs = "toys"
            let fates = try job.run(count: n, source: "toy.csv", label: { "row \($0)" }, process: { Toy(row: $0) }) { rows, outcomes in
                XCTAssertLessThanOrEqual(rows.count, batch)
                XCTAssertEqual(outcomes.map(\.row), Array(rows))
                seen += rows
            }
            XCTAssertEqual(seen, Array(0..<n), "every row once, in order")
            XCTAssertEqual(fates.reasons, expected)
            XCTAssertEqual(fates.fileErrors, 10)  // 0, 5, …, 45
            XCTAssertEqual(fates.acceptedCount, (0..<n).filter { $0 % 3 != 0 && $0 % 5 != 0 }.count)
            XCTAssertEqual(fates.rejections["cut at #"], (0..<n).filter { $0 % 3 == 0 && $0 % 5 != 0 }.count)
            var c = Catalog(columns: ["x"], rows: (0..<n).map { [String($0)] })
            fates.annotate(&c, index: .imageIndex)
            XCTAssertEqual(try c.column(.imageIndex), CatalogJob.indexColumn(accepted: expected.map(\.isEmpty)))
        }
    }

    func testNoRowsOrNothingReadableIsAnError() {
        let job = CatalogJob(name: "toy", inputs: "toys", showProgress: false)
        XCTAssertThrowsError(try job.run(count: 0, source: "empty.csv", label: { _ in "" }, process: { Toy(row: $0) }) { _, _ in })
        XCTAssertThrowsError(try job.run(count: 1, source: "bad.csv", label: { _ in "" }, process: { _ in Toy(row: 5) }) { _, _ in }) { e in
            XCTAssertEqual("\(e)", "bad.csv: none of the 1 toys could be read")
        }
    }
}

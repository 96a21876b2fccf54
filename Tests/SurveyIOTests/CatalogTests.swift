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

final class StageOutcomesTests: XCTestCase {
    func testIndexColumnCountsAcceptedRowsInOrder() {
        XCTAssertEqual(StageOutcomes.indexColumn(accepted: [false, true, true, false, true]), ["-1", "0", "1", "-1", "2"])
        XCTAssertEqual(StageOutcomes.indexColumn(accepted: []), [])
    }

    func testGroupingKeyReplacesNumbers() {
        XCTAssertEqual(StageOutcomes.groupingKey("S/N 3.2 < 5"), StageOutcomes.groupingKey("S/N 4.75 < 5"))
        XCTAssertEqual(StageOutcomes.groupingKey("z = -1.5e-3 outside"), "z = # outside")
        XCTAssertEqual(StageOutcomes.groupingKey("blended"), "blended")
    }

    func testInputChecksumsSkipMissingFiles() throws {
        let dir = Fixtures.scratchDirectory()
        try "abc".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        let sums = try StageOutcomes.inputChecksums(catalogPath: nil, files: [dir + "/a.txt", dir + "/missing.txt"])
        // SHA-256("abc"), FIPS 180-2 Appendix B.1.
        XCTAssertEqual(sums, [dir + "/a.txt": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"])
    }
}

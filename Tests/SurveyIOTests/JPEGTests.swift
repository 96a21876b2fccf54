import Foundation
import SurveyIO
import TestSupport
import XCTest

final class JPEGTests: XCTestCase {
    func testDecodesFixtureImage() throws {
        let img = try JPEG.read(Fixtures.imagesDirectory + "/3.468576_-0.3967.jpg")
        XCTAssertEqual(img.width, 128)
        XCTAssertEqual(img.height, 128)
        // libjpeg-turbo's default decoder, value recorded in platform.md.
        XCTAssertEqual([img[64, 64, 0], img[64, 64, 1], img[64, 64, 2]], [121, 90, 46])
    }

    func testEncodeDecodeRoundTrip() throws {
        var img = RGBImage(width: 40, height: 24)
        for y in 0..<24 { for x in 0..<40 { img[x, y, 0] = UInt8(x * 6); img[x, y, 1] = UInt8(y * 10); img[x, y, 2] = 128 } }
        let back = try JPEG.decode(try JPEG.encode(img, quality: 95))
        XCTAssertEqual(back.width, 40)
        XCTAssertEqual(back.height, 24)
        let meanAbs = zip(img.pixels, back.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(img.pixels.count)
        XCTAssertLessThan(meanAbs, 3, "a smooth gradient survives JPEG at quality 95")
    }

    func testTruncatedAndCorruptJPEG() throws {
        let dir = Fixtures.scratchDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.imagesDirectory + "/225.3958_41.02205.jpg"))
        let truncated = dir + "/truncated.jpg"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try JPEG.read(truncated)) { e in
            XCTAssertEqual((e as? SurveyIOError)?.path, truncated)
            XCTAssertTrue((e as? SurveyIOError)?.reason.contains("JPEG") ?? false, "\(e)")
        }
        let garbage = dir + "/garbage.jpg"
        try Data("this is not a JPEG".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try JPEG.read(garbage)) { e in
            XCTAssertTrue((e as? SurveyIOError)?.reason.hasPrefix("not a readable JPEG") ?? false, "\(e)")
        }
        let empty = dir + "/empty.jpg"
        FileManager.default.createFile(atPath: empty, contents: Data())
        XCTAssertThrowsError(try JPEG.read(empty))
        XCTAssertThrowsError(try JPEG.read(dir + "/missing.jpg")) { e in
            XCTAssertEqual((e as? SurveyIOError)?.reason, "file not found")
        }
    }
}

import Foundation
import Imaging
import SurveyIO
import TestSupport
import XCTest

final class PrepareImagesJobTests: XCTestCase {
    /// Fixtures plus a truncated, a non-JPEG and a missing file, and a synthetic blend: the
    /// good ones come through in catalog order, each bad one is recorded, the run carries on.
    func testFixturesWithBadFilesAndABlend() throws {
        let dir = Fixtures.scratchDirectory()
        let images = dir + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        var rows: [[String]] = []
        for row in try Fixtures.catalogRows() {
            let name = row["image_file"]!
            try FileManager.default.copyItem(atPath: Fixtures.imagesDirectory + "/" + name, toPath: images + "/" + name)
            rows.append([name])
        }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: images + "/" + rows[0][0]))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: images + "/truncated.jpg"))
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: images + "/text.jpg"))
        try JPEG.write(SimulatedBlend.pair(), to: images + "/blend.jpg", quality: 95)
        rows += [["truncated.jpg"], ["text.jpg"], ["missing.jpg"], ["blend.jpg"]]
        try Catalog(columns: ["image_file"], rows: rows).write(to: dir + "/catalog.csv")

        var job = PrepareImagesJob(catalogPath: dir + "/catalog.csv", imagesDirectory: images, outputDirectory: dir + "/out")
        job.showProgress = false
        job.threads = 2
        job.batchSize = 3
        job.stage.bands = .gr
        job.debugDirectory = dir + "/panels"
        let summary = try job.run()
        XCTAssertEqual(summary.total, 8)
        XCTAssertEqual(summary.accepted, 4)
        XCTAssertEqual(summary.fileErrors, 3)

        let npy = try NPYArray<UInt8>(contentsOf: dir + "/out/images.npy")
        XCTAssertEqual(npy.shape, [4, 128, 128, 2])
        // Row 1 equals the single-image result with the g and r channels (G, B) kept.
        let single = ImageStage.paper.process(try JPEG.read(images + "/" + rows[1][0]))
        let expected = Bands.gr.extract(try XCTUnwrap(single.final))
        XCTAssertEqual(Array(npy.values[(128 * 128 * 2)..<(2 * 128 * 128 * 2)]), expected)
        // The fixtures are the authors' output: recognised as masked and passed through unchanged.
        XCTAssertEqual(summary.premasked, 4)
        XCTAssertTrue(expected == Bands.gr.extract(try JPEG.read(images + "/" + rows[1][0])))

        let out = try Catalog(contentsOf: dir + "/out/catalog.csv")
        XCTAssertEqual(try out.column("accepted"), ["true", "true", "true", "true", "false", "false", "false", "false"])
        XCTAssertEqual(try out.column("image_index"), ["0", "1", "2", "3", "-1", "-1", "-1", "-1"])
        XCTAssertEqual(try out.column("premasked"), ["true", "true", "true", "true", "false", "false", "false", "false"])
        let reasons = try out.column("reject_reason")
        XCTAssertTrue(reasons[4].contains("JPEG"), reasons[4])
        XCTAssertTrue(reasons[5].contains("JPEG"), reasons[5])
        XCTAssertEqual(reasons[6], "file not found")
        XCTAssertEqual(reasons[7], "blended")

        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["counts"] as! [String: Int])["accepted"], 4)
        XCTAssertEqual(manifest["channels"] as! [String], ["r", "g"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/out").sorted(),
                       ["catalog.csv", "manifest.json", "images.npy"].sorted(), "no temporary files left")
        let panels = try FileManager.default.contentsOfDirectory(atPath: dir + "/panels").sorted()
        XCTAssertEqual(panels.count, 5, "\(panels)")
        XCTAssertTrue(panels.contains("blend.blended.jpg"), "\(panels)")
        let panel = try JPEG.read(dir + "/panels/blend.blended.jpg")
        XCTAssertEqual(panel.width, 3 * 128 + 8)
        // numpy reads the array.
        let shape = try Fixtures.python("import numpy; a = numpy.load('\(dir)/out/images.npy'); print(a.shape, a.dtype)")
        XCTAssertEqual(shape.trimmingCharacters(in: .whitespacesAndNewlines), "(4, 128, 128, 2) uint8")
    }

    func testNothingReadableIsAnError() throws {
        let dir = Fixtures.scratchDirectory()
        try "image_file\nmissing.jpg\n".write(toFile: dir + "/cat.csv", atomically: true, encoding: .utf8)
        var job = PrepareImagesJob(catalogPath: dir + "/cat.csv", imagesDirectory: dir, outputDirectory: dir + "/o")
        job.showProgress = false
        XCTAssertThrowsError(try job.run())
    }
}

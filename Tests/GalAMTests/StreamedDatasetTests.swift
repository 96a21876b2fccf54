import Foundation
import GalAM
import MockSurvey
import NeuralNet
import Randomness
import SurveyIO
import TestSupport
import XCTest

/// The streamed dataset source (rows read from the files batch by batch) against the
/// in-memory path it replaced (`LabeledDataset.images(_:)`/`spectra(_:)` copied whole).
final class StreamedDatasetTests: XCTestCase {
    func testSourceReadsExactlyTheRowsOfTheInMemoryPathInSeededOrder() throws {
        let (dir, data, _) = try smallPreparedSurvey("stream")
        let rows = data.indices(.train)
        XCTAssertGreaterThan(rows.count, 4)
        let labels = data.targets.flatMap { $0.map(Float.init) }
        let source = DatasetSource(rows: rows, inputs: [.images(try NPYRowReader<UInt8>(path: dir + "/data/images.npy")),
                                                        try .floats(path: dir + "/data/spectra.npy")],
                                   target: .table(labels, width: 2))
        XCTAssertEqual(source.inputWidths, [48 * 48 * 3, 4171])
        var order = Array(0..<rows.count)
        var rng = SplitMix64.derive(3, 0, 1)
        order.shuffle(using: &rng)
        let batch = order.prefix(5)
        let images = UnsafeMutablePointer<Float>.allocate(capacity: 5 * 48 * 48 * 3)
        let spectra = UnsafeMutablePointer<Float>.allocate(capacity: 5 * 4171)
        let targets = UnsafeMutablePointer<Float>.allocate(capacity: 10)
        defer { images.deallocate(); spectra.deallocate(); targets.deallocate() }
        try source.read(batch, inputs: [images, spectra], targets: targets)
        let picked = batch.map { rows[$0] }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: images, count: 5 * 48 * 48 * 3)), data.images(picked))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: spectra, count: 5 * 4171)), data.spectra(picked))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: targets, count: 10)), picked.flatMap { data.targets[$0].map(Float.init) })

        // A network's outputs streamed from the files equal those of the in-memory arrays.
        let net = Sequential(inputShape: [4171, 1], layers: [Conv("c", filters: 2, kernel: [5], relu: true), MaxPool("p", pool: [3]),
                                                             Flatten("f"), Dense("d", units: 3)], seed: 2)
        let streamed = try Inference.outputs(net, DatasetSource(rows: rows, inputs: [try .floats(path: dir + "/data/spectra.npy")]), batchSize: 4)
        XCTAssertEqual(streamed, infer(net, inputs: [data.spectra(rows)], count: rows.count, batch: 4))
        let path = dir + "/out.npy"
        try writeOutputs(net, of: DatasetSource(rows: rows, inputs: [try .floats(path: dir + "/data/spectra.npy")]), to: path)
        XCTAssertEqual(try NPYArray<Float>(contentsOf: path), NPYArray(shape: [rows.count, 3], values: streamed))
        // Features and outputs from one pass equal the two separate passes.
        let spectraSource = DatasetSource(rows: rows, inputs: [try .floats(path: dir + "/data/spectra.npy")])
        let outputs = try writeFeatures(net, layer: "f", of: spectraSource, to: dir + "/f.npy") { $0.map { $0 * 2 } }
        XCTAssertEqual(outputs, streamed)
        let flat = try Inference.outputs(net, spectraSource, layer: "f")
        XCTAssertEqual(try NPYArray<Float>(contentsOf: dir + "/f.npy").values, flat.map { $0 * 2 })
    }
}

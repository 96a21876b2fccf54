import Foundation
import GalAM
import NeuralNet
import SurveyIO
import TestSupport
import XCTest

/// Dihedral augmentation in the streamed source: each galaxy's image is exactly one of its 8
/// transforms, drawn reproducibly per (seed, epoch, row), and only in training sources.
final class AugmentationTests: XCTestCase {
    func testTrainingSourceTransformsEachImageReproduciblyAndValidationNever() throws {
        let dir = Fixtures.scratchDirectory("augment")
        let n = 64, size = 5, ch = 3, w = size * size * ch
        let pixels = (0..<(n * w)).map { UInt8(($0 * 7 + $0 / w) % 251) }
        try NPYArray(shape: [n, size, size, ch], values: pixels).write(to: dir + "/images.npy")
        let images = DatasetColumn.images(try NPYRowReader<UInt8>(path: dir + "/images.npy"))
        let labels = DatasetColumn.table((0..<(2 * n)).map(Float.init), width: 2)
        var config = TrainingConfig()
        config.seed = 5
        config.augmentation = .dihedral
        let trainRows = Array(0..<48), validationRows = Array(48..<n)
        let sources = PaperPipeline.stageSources(train: trainRows, validation: validationRows, inputs: [images], target: labels,
                                                 config: config, augmented: true)
        XCTAssertNotNil(sources.train.augmentation)
        XCTAssertNil(sources.validation.augmentation, "validation images must never be augmented")
        XCTAssertNil(PaperPipeline.stageSources(train: trainRows, validation: validationRows, inputs: [images], target: labels,
                                                config: config, augmented: false).train.augmentation, "non-image stages")
        config.augmentation = nil
        XCTAssertNil(PaperPipeline.stageSources(train: trainRows, validation: validationRows, inputs: [images], target: labels,
                                                config: config, augmented: true).train.augmentation, "the paper: none")

        func read(_ source: DatasetSource, epoch: Int, positions: [Int]) throws -> ([Float], [Float]) {
            source.prepareEpoch(epoch)
            let x = UnsafeMutablePointer<Float>.allocate(capacity: positions.count * w)
            let t = UnsafeMutablePointer<Float>.allocate(capacity: positions.count * 2)
            defer { x.deallocate(); t.deallocate() }
            try source.read(positions[...], inputs: [x], targets: t)
            return (Array(UnsafeBufferPointer(start: x, count: positions.count * w)), Array(UnsafeBufferPointer(start: t, count: positions.count * 2)))
        }
        func original(_ row: Int) -> [Float] { pixels[(row * w)..<((row + 1) * w)].map { Float($0) / 255 } }

        let positions = [3, 0, 47, 12, 12, 30]
        var counts = [Int](repeating: 0, count: 8)
        var changedBetweenEpochs = 0
        for epoch in 0..<3 {
            let (x, t) = try read(sources.train, epoch: epoch, positions: positions)
            let (again, _) = try read(sources.train, epoch: epoch, positions: positions)
            XCTAssertEqual(x, again, "the same epoch must give the same transforms")
            for (j, p) in positions.enumerated() {
                let row = trainRows[p]
                let tr = sources.train.augmentation!.transform(epoch: epoch, row: row)
                XCTAssertEqual(Array(x[(j * w)..<((j + 1) * w)]), tr.apply(original(row), size: size, channels: ch), "row \(row) epoch \(epoch)")
                XCTAssertEqual(Array(t[(2 * j)..<(2 * j + 2)]), [Float(2 * row), Float(2 * row + 1)], "targets are not transformed")
            }
            let (v, _) = try read(sources.validation, epoch: epoch, positions: [0, 5, 15])
            XCTAssertEqual(v, [48, 53, 63].flatMap(original))
        }
        // Over many (epoch, row) pairs the 8 transforms are drawn about equally often
        // (binomial SD at 4,800 draws, p = 1/8: 23; allow 5 SD) and a row's draw changes between epochs.
        let a = DihedralAugmentation(seed: 5)
        for epoch in 0..<100 {
            for row in 0..<48 {
                counts[a.transform(epoch: epoch, row: row).rawValue] += 1
                if a.transform(epoch: epoch, row: row) != a.transform(epoch: epoch + 1, row: row) { changedBetweenEpochs += 1 }
            }
        }
        for c in counts { XCTAssertEqual(Double(c), 600, accuracy: 115, "\(counts)") }
        XCTAssertEqual(Double(changedBetweenEpochs) / 4800, 7.0 / 8, accuracy: 0.03)
        XCTAssertNotEqual((0..<48).map { DihedralAugmentation(seed: 6).transform(epoch: 0, row: $0) },
                          (0..<48).map { a.transform(epoch: 0, row: $0) }, "another seed draws otherwise")
    }
}


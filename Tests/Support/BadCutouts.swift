import Foundation
import SurveyIO

/// The malformed "cutouts" a survey folder meets: the placeholders image services return for
/// failed or empty fields (1×1, 2×2), a strip, a greyscale JPEG, an empty file and a PNG
/// renamed `.jpg` — made here, not copied from anywhere.
public enum BadCutouts {
    /// File name → the start of the reason the image stage must give.
    public static let expectedReasons: [String: String] = [
        "bad-1x1.jpg": "image 1×1 px is smaller than the 16 px",
        "bad-2x2.jpg": "image 2×2 px is smaller than the 16 px",
        "bad-1x1000.jpg": "image 1×1000 px is smaller than the 16 px",
        "bad-grey.jpg": "greyscale JPEG (1 channel)",
        "bad-empty.jpg": "empty file (0 bytes)",
        "bad-png.jpg": "not a readable JPEG",
    ]

    /// The files that are not readable JPEG cutouts at all (the rest decode, but are too small).
    public static let unreadable: Set<String> = ["bad-grey.jpg", "bad-empty.jpg", "bad-png.jpg"]

    /// A real 1×1 RGB PNG (signature, IHDR, IDAT, IEND), written with Python's zlib.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNoaGgAAAMEAYFL09IQAAAAAElFTkSuQmCC")!

    /// Writes every bad file into `directory`; returns their names (sorted).
    @discardableResult
    public static func write(into directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func grey(_ w: Int, _ h: Int) -> RGBImage {
            RGBImage(width: w, height: h, pixels: [UInt8](repeating: 120, count: w * h * 3))
        }
        try JPEG.write(grey(1, 1), to: directory + "/bad-1x1.jpg")
        try JPEG.write(grey(2, 2), to: directory + "/bad-2x2.jpg")
        try JPEG.write(grey(1, 1000), to: directory + "/bad-1x1000.jpg")
        // A galaxy-like blob, so only the channel count is wrong.
        let side = 64
        let blob = (0..<(side * side)).map { i -> UInt8 in
            let x = Double(i % side - side / 2), y = Double(i / side - side / 2)
            return UInt8(min(255, 10 + 240 * exp(-(x * x + y * y) / 60)))
        }
        try JPEG.encodeGreyscale(width: side, height: side, pixels: blob).write(to: URL(fileURLWithPath: directory + "/bad-grey.jpg"))
        FileManager.default.createFile(atPath: directory + "/bad-empty.jpg", contents: Data())
        try png.write(to: URL(fileURLWithPath: directory + "/bad-png.jpg"))
        return expectedReasons.keys.sorted()
    }
}

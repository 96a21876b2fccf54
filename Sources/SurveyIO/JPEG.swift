import CFITSIO
import CTurboJPEG
import Foundation

/// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B) — height × width × 3,
/// the layout of NumPy/Keras image arrays. For SDSS gri cutouts R = i, G = r, B = g.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage needs width × height × 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// Channel `c` (0 R, 1 G, 2 B) of pixel (`x`, `y`), x to the right, y down.
    @inlinable public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * 3 + c] }
        set { pixels[(y * width + x) * 3 + c] = newValue }
    }
}

/// JPEG decoding and encoding with libjpeg-turbo (TurboJPEG 2.x API).
public enum JPEG {
    /// Decodes a JPEG file to RGB with libjpeg-turbo's default (accurate) decoder.
    public static func read(_ path: String) throws -> RGBImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found")
        }
        return try decode(data, path: path)
    }

    /// Decodes JPEG bytes; `path` only labels errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> RGBImage {
        guard let tj = tjInitDecompress() else { throw SurveyIOError(path: path, reason: "cannot start the JPEG decoder") }
        defer { tjDestroy(tj) }
        var bytes = [UInt8](data)
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        guard !bytes.isEmpty,
              tjDecompressHeader3(tj, &bytes, UInt(bytes.count), &w, &h, &subsamp, &colorspace) == 0,
              w > 0, h > 0 else {
            throw SurveyIOError(path: path, reason: "not a readable JPEG (\(message(tj)))")
        }
        var pixels = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
        let rc = tjDecompress2(tj, &bytes, UInt(bytes.count), &pixels, w, 0, h, Int32(TJPF_RGB.rawValue), 0)
        // A truncated file decodes partially with a warning; GalAM treats any error as fatal
        // for that image, since missing rows would silently bias the galaxy's colours.
        if rc != 0 {
            throw SurveyIOError(path: path, reason: "corrupt or truncated JPEG (\(message(tj)))")
        }
        return RGBImage(width: Int(w), height: Int(h), pixels: pixels)
    }

    /// Encodes an image as a baseline JPEG (4:2:0 chroma subsampling like SDSS cutouts).
    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> Data {
        guard let tj = tjInitCompress() else { throw SurveyIOError(path: "<memory>", reason: "cannot start the JPEG encoder") }
        defer { tjDestroy(tj) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var pixels = image.pixels
        let rc = tjCompress2(tj, &pixels, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                             &out, &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
        defer { if let out { tjFree(out) } }
        guard rc == 0, let out else { throw SurveyIOError(path: "<memory>", reason: "JPEG encoding failed (\(message(tj)))") }
        return Data(bytes: out, count: Int(size))
    }

    /// Encodes and writes atomically.
    public static func write(_ image: RGBImage, to path: String, quality: Int = 90) throws {
        try AtomicFile.write(try encode(image, quality: quality), to: path)
    }

    private static func message(_ tj: tjhandle) -> String {
        guard let m = tjGetErrorStr2(tj) else { return "unknown error" }
        return String(cString: m)
    }
}

/// Versions of the survey I/O libraries, for `galam version` and manifests.
public enum SurveyIOLibraries {
    public static func versions() -> [(String, String)] {
        var v: Float = 0
        ffvers(&v)
        return [("cfitsio", String(format: "%.3f", v)), ("libjpeg-turbo", "TurboJPEG API 2")]
    }
}

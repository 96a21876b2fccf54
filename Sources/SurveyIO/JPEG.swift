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
    /// Largest image (pixels) the decoder allocates for: the header's 16-bit width and height
    /// could ask for 65535² × 3 bytes (13 GB) from a few bytes of file. SDSS cutouts are at most
    /// 2048² (the SkyServer cutout service's limit); this leaves room for mosaics (8192²).
    public static let defaultMaxPixels = 1 << 26

    /// Decodes a JPEG file to RGB with libjpeg-turbo's default (accurate) decoder.
    /// `requireColour`: a greyscale (one-channel) JPEG is an error instead of decoding to equal
    /// R, G, B — a gri cutout carries its information in the colours.
    public static func read(_ path: String, maxPixels: Int = defaultMaxPixels, requireColour: Bool = false) throws -> RGBImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyIOError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found")
        }
        return try decode(data, path: path, maxPixels: maxPixels, requireColour: requireColour)
    }

    /// Decodes JPEG bytes; `path` only labels errors. Greyscale JPEGs decode to RGB with equal
    /// channels (libjpeg-turbo's colour conversion) unless `requireColour`.
    public static func decode(_ data: Data, path: String = "<memory>", maxPixels: Int = defaultMaxPixels,
                              requireColour: Bool = false) throws -> RGBImage {
        guard !data.isEmpty else { throw SurveyIOError(path: path, reason: "empty file (0 bytes), not a JPEG") }
        guard let tj = tjInitDecompress() else { throw SurveyIOError(path: path, reason: "cannot start the JPEG decoder") }
        defer { tjDestroy(tj) }
        var bytes = [UInt8](data)
        var w: Int32 = 0, h: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(tj, &bytes, UInt(bytes.count), &w, &h, &subsamp, &colorspace) == 0,
              w > 0, h > 0 else {
            throw SurveyIOError(path: path, reason: "not a readable JPEG (\(message(tj)))")
        }
        if requireColour && colorspace == Int32(TJCS_GRAY.rawValue) {
            throw SurveyIOError(path: path, reason: "greyscale JPEG (1 channel); a gri cutout needs 3 colour channels")
        }
        guard Int(w) * Int(h) <= maxPixels else {
            throw SurveyIOError(path: path, reason: "JPEG header says \(w)×\(h) px, more than the \(maxPixels) px limit")
        }
        var pixels = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
        // LIMITSCANS: a progressive JPEG with thousands of scans takes minutes to decode (a
        // known denial of service); real cutouts have at most a dozen.
        let rc = tjDecompress2(tj, &bytes, UInt(bytes.count), &pixels, w, 0, h, Int32(TJPF_RGB.rawValue), TJFLAG_LIMITSCANS)
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

    /// Encodes one 8-bit channel (`pixels`: height × width, rows top to bottom) as a
    /// single-component greyscale JPEG — what some archives serve instead of a colour cutout.
    public static func encodeGreyscale(width: Int, height: Int, pixels: [UInt8], quality: Int = 90) throws -> Data {
        guard pixels.count == width * height, width > 0, height > 0 else {
            throw SurveyIOError(path: "<memory>", reason: "greyscale image needs width × height bytes")
        }
        guard let tj = tjInitCompress() else { throw SurveyIOError(path: "<memory>", reason: "cannot start the JPEG encoder") }
        defer { tjDestroy(tj) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var p = pixels
        let rc = tjCompress2(tj, &p, Int32(width), 0, Int32(height), Int32(TJPF_GRAY.rawValue),
                             &out, &size, Int32(TJSAMP_GRAY.rawValue), Int32(quality), 0)
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

import Crypto
import Foundation

/// Checksums and JSON manifests: every output folder records what produced it.
public enum Provenance {
    /// SHA-256 of a file, hex, streamed in 1 MiB chunks.
    public static func sha256(ofFile path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw SurveyIOError(path: path, reason: "file not found")
        }
        defer { try? h.close() }
        var hasher = SHA256()
        while true {
            let chunk = h.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of bytes, hex.
    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes a JSON document atomically, pretty-printed with sorted keys (stable diffs).
    public static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(value)
        data.append(0x0a)
        try AtomicFile.write(data, to: path)
    }

    /// Current time in ISO 8601 (UTC).
    public static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}

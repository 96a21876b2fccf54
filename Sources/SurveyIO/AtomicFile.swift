import Foundation

/// Writes that never leave a half-written file behind: data goes to a temporary file in the
/// destination's folder, then a rename (atomic on POSIX file systems) puts it in place.
public enum AtomicFile {
    /// A temporary path beside `path`, unique to this process and call.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        return dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    /// Writes `data` to `path` atomically, creating the folder if needed.
    public static func write(_ data: Data, to path: String) throws {
        try createParent(of: path)
        let tmp = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            try commit(temporary: tmp, to: path)
        } catch let e as SurveyIOError {
            try? FileManager.default.removeItem(atPath: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw SurveyIOError(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes a UTF-8 string atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Produces a file through `body(temporaryPath)`, then renames it to `path`. If `body`
    /// throws, the temporary file is removed and `path` is untouched.
    public static func produce(_ path: String, _ body: (String) throws -> Void) throws {
        try createParent(of: path)
        let tmp = temporaryPath(for: path)
        do {
            try body(tmp)
            try commit(temporary: tmp, to: path)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }

    static func commit(temporary tmp: String, to path: String) throws {
        if rename(tmp, path) != 0 {
            let err = String(cString: strerror(errno))
            throw SurveyIOError(path: path, reason: "cannot move the finished file into place: \(err)")
        }
    }

    static func createParent(of path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw SurveyIOError(path: dir, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }
}

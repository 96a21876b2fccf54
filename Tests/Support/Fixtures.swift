import Foundation

/// Paths to the real SDSS fixtures, read in place from `../shared/fixtures/sdss` beside the
/// project root (or `$GALAM_FIXTURES`), and scratch folders for tests.
public enum Fixtures {
    /// The project root (the folder holding Package.swift).
    public static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Package.swift") { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The SDSS fixture folder.
    public static var sdss: String {
        if let p = ProcessInfo.processInfo.environment["GALAM_FIXTURES"], !p.isEmpty { return p }
        return URL(fileURLWithPath: projectRoot + "/../shared/fixtures/sdss").standardized.path
    }

    public static var spectraDirectory: String { sdss + "/spectra" }
    public static var imagesDirectory: String { sdss + "/images" }
    public static var catalogPath: String { sdss + "/catalog.csv" }

    /// The fixture catalog, parsed with plain string splitting (it has no quoted fields), so
    /// tests do not depend on the CSV reader they may be testing.
    public static func catalogRows() throws -> [[String: String]] {
        let text = try String(contentsOfFile: catalogPath, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    /// A fresh empty temporary folder, inside this test process's scratch root, which is
    /// removed when the process exits (set `GALAM_KEEP_TEST_FILES=1` to keep it for a look).
    public static func scratchDirectory(_ name: String = "galam-test") -> String {
        let dir = scratchRoot + "/\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// One folder per test process for every scratch folder. The end-to-end tests write
    /// gigabytes of models and resumable state; left behind, a few runs of the suite filled
    /// the disk.
    static let scratchRoot: String = {
        let root = NSTemporaryDirectory() + "galam-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["GALAM_KEEP_TEST_FILES"] == nil {
            // XCTest's runner ends with exit(), which runs atexit handlers.
            atexit { try? FileManager.default.removeItem(atPath: Fixtures.scratchRoot) }
        }
        return root
    }()

    /// Runs a program, returning (exit status, stdout, stderr).
    @discardableResult
    public static func run(_ executable: String, _ args: [String], cwd: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Runs a Python snippet with python3 and returns its stdout; throws with stderr on failure.
    public static func python(_ code: String) throws -> String {
        let r = try run("/usr/bin/env", ["python3", "-c", code])
        guard r.status == 0 else { throw NSError(domain: "python", code: Int(r.status), userInfo: [NSLocalizedDescriptionKey: r.err]) }
        return r.out
    }
}

import Foundation
import SurveyIO

/// The SSP template cache. The templates are others' data, shipped inside pPXF's source
/// distributions on PyPI; GalAM downloads them with pip, checks them against pinned SHA-256
/// sums and extracts only the data files — it never redistributes them.
///
/// Layout: `<root>/ppxf-<version>/ppxf/...` as in the archives, plus a `.complete` marker
/// written last, so an interrupted fetch is simply redone.
public struct TemplateCache: Sendable {
    /// One pinned source distribution.
    public struct Distribution: Sendable {
        public var version: String
        public var sha256: String
        /// Archive members to extract (tar wildcards).
        public var members: [String]
        /// SSP FITS files expected after extraction, and their file-name pattern.
        public var expectedSSPCount: Int
        public var sspPrefix: String
    }

    /// pPXF 7.4.5: the Vazdekis et al. (2010) MILES SSPs, 6 [M/H] × 25 ages, FWHM 2.51 Å.
    public static let miles = Distribution(
        version: "7.4.5",
        sha256: "3b82b5d4e1e1ff9d57eeec9c07486ccc1a0d3e83b72d9dd1c5642c4681e34858",
        members: ["ppxf-7.4.5/ppxf/miles_models/Mun1.30*.fits"],
        expectedSSPCount: 150, sspPrefix: "Mun1.30")

    /// pPXF 8.2.6: the E-MILES SSPs, the SDSS magnitudes of the SSPs and the EAZY filter file.
    public static let eMiles = Distribution(
        version: "8.2.6",
        sha256: "e51249d28f12eb41c6dce325a17c7bd554b546e73de930a59f7b29b02f35c8c3",
        members: ["ppxf-8.2.6/ppxf/miles_models/Eun1.30*.fits",
                  "ppxf-8.2.6/ppxf/miles_models/*.txt",
                  "ppxf-8.2.6/ppxf/examples/FILTER.RES*"],
        expectedSSPCount: 150, sspPrefix: "Eun1.30")

    public static let distributions = [miles, eMiles]

    /// The cache folder.
    public var root: String

    /// `$GALAM_CACHE`, else `~/.cache/galam`.
    public static var defaultRoot: String {
        if let env = ProcessInfo.processInfo.environment["GALAM_CACHE"], !env.isEmpty { return env }
        return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/galam"
    }

    public init(root: String = TemplateCache.defaultRoot) {
        self.root = root
    }

    /// Folder of a distribution's extracted files.
    public func directory(of d: Distribution) -> String { root + "/ppxf-\(d.version)" }

    /// Folder holding the SSP FITS files of a distribution.
    public func modelsDirectory(of d: Distribution) -> String { directory(of: d) + "/ppxf/miles_models" }

    /// True when the distribution was fetched, verified and extracted completely.
    public func isComplete(_ d: Distribution) -> Bool {
        FileManager.default.fileExists(atPath: directory(of: d) + "/.complete")
    }

    /// The error a loader raises when the cache lacks a distribution.
    public func missingError(_ d: Distribution) -> SurveyIOError {
        SurveyIOError(path: directory(of: d),
                      reason: "SSP templates (pPXF \(d.version)) are not in the cache; run `galam templates fetch` (cache: $GALAM_CACHE or ~/.cache/galam)")
    }

    /// Downloads, verifies and extracts every distribution not yet complete. Idempotent:
    /// complete ones are skipped. Work happens in temporary folders renamed into place.
    public func fetchAll(log: (String) -> Void = { printError($0) }) throws {
        for d in Self.distributions { try fetch(d, log: log) }
    }

    /// Fetches one distribution (see `fetchAll`).
    public func fetch(_ d: Distribution, log: (String) -> Void) throws {
        if isComplete(d) {
            log("templates: pPXF \(d.version) already in \(directory(of: d))")
            return
        }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        let work = root + "/.fetch-\(d.version)-\(getpid())"
        try? fm.removeItem(atPath: work)
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: work) }

        log("templates: downloading ppxf==\(d.version) source distribution from PyPI with pip …")
        try Self.runTool(["python3", "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                          "--disable-pip-version-check", "-q", "ppxf==\(d.version)", "-d", work])
        let archive = work + "/ppxf-\(d.version).tar.gz"
        guard fm.fileExists(atPath: archive) else {
            throw SurveyIOError(path: archive, reason: "pip did not produce the expected archive")
        }
        let sum = try Provenance.sha256(ofFile: archive)
        guard sum == d.sha256 else {
            throw SurveyIOError(path: archive, reason: "SHA-256 mismatch: got \(sum), expected \(d.sha256); refusing to use it")
        }
        log("templates: verified SHA-256 \(sum.prefix(16))…; extracting data files")
        let extract = work + "/extract"
        try fm.createDirectory(atPath: extract, withIntermediateDirectories: true)
        try Self.runTool(["tar", "-xzf", archive, "-C", extract, "--wildcards", "--no-same-owner"] + d.members)
        let extracted = extract + "/ppxf-\(d.version)"
        let models = extracted + "/ppxf/miles_models"
        let ssps = (try fm.contentsOfDirectory(atPath: models)).filter { $0.hasPrefix(d.sspPrefix) && $0.hasSuffix(".fits") }
        guard ssps.count == d.expectedSSPCount else {
            throw SurveyIOError(path: models, reason: "found \(ssps.count) SSP files, expected \(d.expectedSSPCount)")
        }
        try Data("sha256 \(sum)\nfiles \(ssps.count)\n".utf8).write(to: URL(fileURLWithPath: extracted + "/.complete"))
        try? fm.removeItem(atPath: directory(of: d))  // a stale, incomplete earlier attempt
        try fm.moveItem(atPath: extracted, toPath: directory(of: d))
        log("templates: pPXF \(d.version): \(ssps.count) SSPs in \(directory(of: d))")
    }

    /// Runs an external program, throwing with its standard error on failure.
    static func runTool(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw SurveyIOError(path: args[0], reason: "cannot run: \(error.localizedDescription)")
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: errData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SurveyIOError(path: args.prefix(3).joined(separator: " "),
                                reason: "failed (exit \(p.terminationStatus)): \(text.suffix(600))")
        }
    }
}

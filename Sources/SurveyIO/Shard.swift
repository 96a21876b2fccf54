import Foundation

/// One shard of a job array: shard `index` of `count` takes rows index, index + count,
/// index + 2·count, … of a table, so N processes fill one output folder without two of them
/// touching the same row. Written "i/N" on the command line (0 ≤ i < N); `--shard` defaults
/// to the Slurm job-array variables when they are set.
public struct Shard: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// This shard's number, 0 ≤ index < count.
    public let index: Int
    /// How many shards share the work.
    public let count: Int

    /// The whole table in one shard.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw SurveyIOError(path: "--shard", reason: "shard \(index)/\(count) is out of range: need 0 ≤ i < N and N ≥ 1")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "i/N", e.g. "0/4" … "3/4".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw SurveyIOError(path: "--shard", reason: "'\(text)' is not of the form i/N (for example 0/4)")
        }
        try self.init(index: i, count: n)
    }

    /// The shard a Slurm job array assigns: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`,
    /// counted from `SLURM_ARRAY_TASK_MIN` (arrays may start at 1, `--array=1-8`). Nil when the
    /// variables are not set, so a plain run is one shard.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        guard let idText = env["SLURM_ARRAY_TASK_ID"], let countText = env["SLURM_ARRAY_TASK_COUNT"] else { return nil }
        guard let id = Int(idText), let n = Int(countText) else {
            throw SurveyIOError(path: "SLURM_ARRAY_TASK_ID", reason: "'\(idText)' of '\(countText)' are not integers")
        }
        let first = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
        return try Shard(index: id - first, count: n)
    }

    /// `--shard` when given, else the Slurm array's shard, else the whole table.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
        if let option { return try Shard(parsing: option) }
        return try fromEnvironment(environment) ?? .all
    }

    /// Whether row `row` (0-based) belongs to this shard.
    public func contains(_ row: Int) -> Bool { row % count == index }

    /// The rows of a table with `rowCount` rows that this shard takes, in order.
    public func rows(of rowCount: Int) -> StrideTo<Int> { stride(from: index, to: rowCount, by: count) }

    /// A name for per-shard files: "shard-0-of-4".
    public var fileTag: String { "shard-\(index)-of-\(count)" }

    /// Whether this is the whole table (no shard in any output name).
    public var isWhole: Bool { count == 1 }

    /// The catalog rows this shard takes (rows index, index + count, …), same columns and path.
    public func select(_ catalog: Catalog) -> Catalog {
        Catalog(columns: catalog.columns, rows: rows(of: catalog.count).map { catalog.rows[$0] }, path: catalog.path)
    }

    /// The row of the whole table that row `local` of this shard is.
    public func globalRow(_ local: Int) -> Int { index + local * count }

    /// Where a stage that writes a folder `directory` writes this shard: `directory/shard-i-of-N`
    /// (the folder itself for the whole table). `galam merge directory` joins them.
    public func outputDirectory(for directory: String) -> String {
        isWhole ? directory : directory + "/" + fileTag
    }

    /// Where a stage that writes the file `path` writes this shard: `stem.shard-i-of-N.ext`
    /// (`labels.csv` → `labels.shard-0-of-4.csv`; the path itself for the whole table).
    public func outputFile(for path: String) -> String {
        guard !isWhole else { return path }
        let ext = (path as NSString).pathExtension
        let stem = ext.isEmpty ? path : (path as NSString).deletingPathExtension
        return stem + "." + fileTag + (ext.isEmpty ? "" : "." + ext)
    }

    /// Parses a tag "shard-i-of-N".
    public init?(fileTag: String) {
        let parts = fileTag.split(separator: "-")
        guard parts.count == 4, parts[0] == "shard", parts[2] == "of", let i = Int(parts[1]), let n = Int(parts[3]),
              let s = try? Shard(index: i, count: n) else { return nil }
        self = s
    }

    public var description: String { "\(index)/\(count)" }
}

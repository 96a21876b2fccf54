import Foundation
import SurveyIO

/// `galam predict --jsonl`: galaxies as JSON lines on standard input, predictions as JSON
/// lines on standard output, one for one and in order, so Spark's `RDD.pipe`, a Dask task or
/// a shell loop can drive prediction without bindings. An input line is a JSON string (an
/// image path) or an object with `image_file` and optionally `spec_file` and `snr_r`; every
/// other key of the object is copied to its output line (an id to join on). Paths are taken
/// relative to `imagesDirectory` / `spectraDirectory` when those are set.
///
/// Lines are gathered into batches of up to `batchSize`; a batch is predicted as soon as no
/// more input is waiting, so a caller that writes one line and waits gets its answer at once.
/// An output line holds every column of the CSV output (numbers as JSON numbers, null for an
/// empty field or an unbounded interval, the flags as booleans); a line that cannot be read is
/// answered with `accepted: false` and the reason, and never stops the stream.
public struct PredictStream {
    public var modelDirectory: String
    public var imagesDirectory: String?
    public var spectraDirectory: String?
    public var batchSize = 256
    public var threads = ProcessInfo.processInfo.activeProcessorCount

    public init(modelDirectory: String) { self.modelDirectory = modelDirectory }

    /// Reads `input` to its end; returns the number of lines answered.
    @discardableResult
    public func run(input: Int32 = STDIN_FILENO, output: FileHandle = .standardOutput) throws -> Int {
        let engine = try PredictionEngine(modelDirectory: modelDirectory, threads: threads)
        var reader = LineReader(fd: input)
        var pending: [String] = []
        var answered = 0
        while true {
            let line = pending.count < batchSize && (pending.isEmpty || reader.hasInputWaiting) ? try reader.next() : nil
            if let line { pending.append(line); continue }
            if !pending.isEmpty {
                output.write(Data(try answer(pending, engine: engine).utf8))
                answered += pending.count
                pending.removeAll(keepingCapacity: true)
                continue
            }
            if reader.atEnd { return answered }
        }
    }

    /// One input line, parsed.
    struct Request {
        var image = "", spectrum: String?, snr = Double.nan
        var extra: [(String, Any)] = []
        var problem: String?
    }

    static func parse(_ line: String, number: Int) -> Request {
        var r = Request()
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) else {
            r.problem = "input line \(number): not JSON"
            return r
        }
        if let path = object as? String { r.image = path; return r }
        guard let fields = object as? [String: Any], let image = fields[ColumnName.imageFile.rawValue] as? String else {
            r.problem = "input line \(number): neither a path nor an object with \(ColumnName.imageFile.rawValue)"
            return r
        }
        r.image = image
        r.spectrum = fields[ColumnName.specFile.rawValue] as? String
        r.snr = (fields[ColumnName.snrR.rawValue] as? NSNumber)?.doubleValue ?? .nan
        let own: Set<String> = [ColumnName.imageFile.rawValue, ColumnName.specFile.rawValue, ColumnName.snrR.rawValue]
        r.extra = fields.filter { !own.contains($0.key) && !PredictJob.columns.map(\.rawValue).contains($0.key) }.sorted { $0.key < $1.key }
        return r
    }

    func answer(_ lines: [String], engine: PredictionEngine) throws -> String {
        let requests = lines.enumerated().map { Self.parse($1, number: $0 + 1) }
        func resolve(_ path: String, in dir: String?) -> String { path.hasPrefix("/") || dir == nil ? path : dir! + "/" + path }
        let outcomes = ParallelWork.map(count: requests.count, threads: threads) { k -> PredictJob.Outcome in
            let r = requests[k]
            return engine.preprocess(image: resolve(r.image, in: imagesDirectory), spectrum: r.spectrum.map { resolve($0, in: spectraDirectory) })
        }
        var rows = try engine.rows(images: requests.map(\.image), spectra: requests.map { $0.spectrum ?? "" },
                                   snr: requests.map(\.snr), outcomes: outcomes)
        let reason = PredictJob.columns.firstIndex(of: .rejectReason)!
        var text = ""
        for (k, r) in requests.enumerated() {
            if let problem = r.problem { rows[k][reason] = problem }
            text += Self.jsonLine(rows[k], extra: r.extra) + "\n"
        }
        return text
    }

    static let booleans: Set<ColumnName> = [.oodFlag, .outsideLabelRange, .accepted]

    /// A row as a JSON object, keys in column order (then the caller's keys).
    static func jsonLine(_ row: [String], extra: [(String, Any)]) -> String {
        var parts: [String] = []
        for (name, value) in zip(PredictJob.columns, row) {
            let v: String
            if value.isEmpty {
                v = "null"
            } else if booleans.contains(name) {
                v = value == "true" ? "true" : "false"
            } else if PredictionWriter.numeric.contains(name) {
                v = Double(value).map { $0.isFinite ? value : "null" } ?? "null"
            } else {
                v = quoted(value)
            }
            parts.append(quoted(name.rawValue) + ":" + v)
        }
        for (key, value) in extra {
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])
            let encoded = data.map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() }.map(String.init) ?? "null"
            parts.append(quoted(key) + ":" + encoded)
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// Lines from a file descriptor, with a look at whether more input is waiting.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var atEnd = false

    init(fd: Int32) { self.fd = fd }

    /// Whether a line is buffered or bytes can be read without waiting.
    var hasInputWaiting: Bool {
        if buffer.contains(0x0A) || atEnd { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// The next line without its newline (blank lines skipped), or nil at the end of input.
    mutating func next() throws -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                return line
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : line
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw SurveyIOError(path: "standard input", reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEnd = true } else { buffer += chunk[0..<n] }
        }
    }
}

import Foundation

/// Reader and writer for the safetensors format (float32 only): an 8-byte little-endian
/// header length, a JSON header mapping names to dtype, shape and byte offsets (plus a
/// string-to-string `__metadata__`), then the little-endian data.
public enum SafeTensors {
    /// One named tensor, values row-major.
    public struct Entry: Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) vs \(values.count) values")
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// Serialises entries (in the given order) and metadata.
    public static func encode(_ entries: [Entry], metadata: [String: String]) throws -> Data {
        var out = try header(entries.map { ($0.name, $0.shape) }, metadata: metadata)
        for e in entries { withLittleEndianBytes(e.values) { out.append(contentsOf: $0) } }
        return out
    }

    /// The 8-byte length and the JSON header for tensors of these names and shapes, stored
    /// back to back in this order: everything of the file but the data.
    static func header(_ tensors: [(name: String, shape: [Int])], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            let bytes = t.shape.reduce(1, *) * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (json.count % 8) != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        return out
    }

    /// The values' bytes as the file stores them: float bit patterns made little-endian
    /// explicitly (a no-op on x86-64), in one copy.
    private static func withLittleEndianBytes<R>(_ values: [Float], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
    }

    /// Writes tensors one at a time: `values(i)` is asked for tensor `i` only when its bytes
    /// are due, so a checkpoint of a 38 M-parameter model with both Adam moments (450 MB) never
    /// exists in memory as a whole — the writer holds one tensor at a time (it used to hold
    /// every tensor and the encoded file, 2× the state, at every save). Atomic: written under
    /// a temporary name in the same folder and renamed, so a crash never leaves half a file.
    public static func write(_ tensors: [(name: String, shape: [Int])], metadata: [String: String], to url: URL,
                             values: (Int) throws -> [Float]) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw NeuralNetError.checkpoint("cannot create \(tmp.path)")
        }
        do {
            let file = try FileHandle(forWritingTo: tmp)
            defer { try? file.close() }
            try file.write(contentsOf: try header(tensors, metadata: metadata))
            for (i, t) in tensors.enumerated() {
                let v = try values(i)
                guard v.count == t.shape.reduce(1, *) else {
                    throw NeuralNetError.checkpoint("\(t.name): shape \(t.shape) vs \(v.count) values")
                }
                try withLittleEndianBytes(v) { try file.write(contentsOf: $0) }
            }
            try file.synchronize()
            guard rename(tmp.path, url.path) == 0 else {
                throw NeuralNetError.checkpoint("cannot move \(tmp.path) to \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }

    /// Parses a safetensors file's bytes; only F32 tensors are accepted.
    public static func decode(_ data: Data) throws -> (entries: [String: Entry], metadata: [String: String]) {
        guard data.count >= 8 else { throw NeuralNetError.checkpoint("file shorter than its header length") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(data.count - 8) else { throw NeuralNetError.checkpoint("header length \(n) beyond file") }
        let start = data.startIndex
        let headerData = data.subdata(in: (start + 8)..<(start + 8 + Int(n)))
        guard let header = try JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw NeuralNetError.checkpoint("header is not a JSON object")
        }
        let base = start + 8 + Int(n)
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let d = value as? [String: Any], let dtype = d["dtype"] as? String,
                  let shape = d["shape"] as? [Int], let offs = d["data_offsets"] as? [Int], offs.count == 2
            else { throw NeuralNetError.checkpoint("malformed entry \(name)") }
            guard dtype == "F32" else { throw NeuralNetError.checkpoint("\(name): dtype \(dtype), only F32 supported") }
            // Shape and offsets come from the file: no negative dimension, no overflowing
            // product, offsets ordered and inside the data before any range is formed.
            var count = 1
            for d in shape {
                let (m, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow, m <= Int.max / 8 else { throw NeuralNetError.checkpoint("\(name): shape \(shape) is not a valid size") }
                count = m
            }
            let available = data.endIndex - base
            guard offs[0] >= 0, offs[1] >= offs[0], offs[1] <= available, offs[1] - offs[0] == count * 4 else {
                throw NeuralNetError.checkpoint("\(name): offsets \(offs) do not fit shape \(shape)")
            }
            // Straight from the file's bytes (no per-tensor copy of the data first).
            let first = base - start + offs[0]
            let values = data.withUnsafeBytes { raw in
                [Float](unsafeUninitializedCapacity: count) { out, n in
                    for i in 0..<count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: first + 4 * i, as: UInt32.self)))
                    }
                    n = count
                }
            }
            entries[name] = Entry(name: name, shape: shape, values: values)
        }
        return (entries, metadata)
    }

    /// Writes atomically (temporary file, then rename) so a crash never leaves half a checkpoint.
    public static func write(_ entries: [Entry], metadata: [String: String], to url: URL) throws {
        try write(entries.map { ($0.name, $0.shape) }, metadata: metadata, to: url) { entries[$0].values }
    }

    /// Reads a file written by `write` or by Python's `safetensors.numpy.save_file` (F32).
    public static func read(_ url: URL) throws -> (entries: [String: Entry], metadata: [String: String]) {
        // Mapped, not read: the file's pages are the kernel's cache, not a second copy of the
        // checkpoint in the process's heap beside the decoded tensors.
        try decode(Data(contentsOf: url, options: .alwaysMapped))
    }
}

/// Model checkpoints: parameters under their layer names in Keras's layouts, the model
/// configuration as JSON in the metadata, and optionally Adam's state for resuming.
public enum Checkpoint {
    /// Metadata key holding the model configuration JSON.
    public static let configKey = "config"

    /// Saves the model's parameters (and Adam's moments and step count when given).
    public static func save(_ net: Network, to url: URL, optimizer: Adam? = nil,
                            extraMetadata: [String: String] = [:]) throws {
        let params = net.parameters
        var meta = extraMetadata
        meta["format"] = "galam-neuralnet-1"
        meta[configKey] = try jsonString(net.config)
        // Tensors in file order: the weights, then (to resume) Adam's two moments per weight.
        var tensors = params.map { (name: $0.name, shape: $0.kerasShape) }
        if let opt = optimizer {
            meta["optimizer"] = try jsonString(["class": "Adam", "iterations": opt.iterations,
                                                "learning_rate": Double(opt.learningRate), "beta_1": Double(opt.beta1),
                                                "beta_2": Double(opt.beta2), "epsilon": Double(opt.epsilon)])
            for p in params {
                tensors.append((name: "optimizer/m/\(p.name)", shape: p.kerasShape))
                tensors.append((name: "optimizer/v/\(p.name)", shape: p.kerasShape))
            }
        }
        // Each tensor is read out of the engine's layout only when the writer reaches it.
        try SafeTensors.write(tensors, metadata: meta, to: url) { i in
            if i < params.count { return params[i].read() }
            let p = params[(i - params.count) / 2]
            let slot = (i - params.count) % 2 == 0 ? p.m : p.v
            return slot.map { Parameter.read($0, p.kerasMD, p.count) } ?? [Float](repeating: 0, count: p.count)
        }
    }

    /// Loads parameters (and Adam's state when `optimizer` is given) into a model built
    /// with the same architecture; returns the checkpoint's metadata.
    @discardableResult
    public static func load(into net: Network, from url: URL, optimizer: Adam? = nil) throws -> [String: String] {
        let (entries, meta) = try SafeTensors.read(url)
        for p in net.parameters {
            guard let e = entries[p.name] else { throw NeuralNetError.checkpoint("missing tensor \(p.name)") }
            guard e.shape == p.kerasShape else {
                throw NeuralNetError.checkpoint("\(p.name): shape \(e.shape), model wants \(p.kerasShape)")
            }
            p.write(e.values)
        }
        if let opt = optimizer {
            guard let s = meta["optimizer"], let d = try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any],
                  let it = d["iterations"] as? Int
            else { throw NeuralNetError.checkpoint("no optimizer state") }
            opt.iterations = it
            for p in net.parameters {
                guard let m = entries["optimizer/m/\(p.name)"], let v = entries["optimizer/v/\(p.name)"] else {
                    throw NeuralNetError.checkpoint("missing optimizer slots for \(p.name)")
                }
                if p.m == nil { p.m = Buffer(p.value.md); p.v = Buffer(p.value.md) }
                Parameter.write(m.values, into: p.m!, p.kerasMD)
                Parameter.write(v.values, into: p.v!, p.kerasMD)
            }
        }
        return meta
    }

    static func jsonString(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// What a layer keeps per batch size (a plan of primitives and buffers, an output tensor, a
/// mask), for at most `capacity` batch sizes: the least recently used is dropped when a new
/// size arrives beyond that. Training meets two or three sizes (the batch, the epoch's last
/// partial batch, the validation's last); before this bound, a stream of ragged prediction
/// chunks grew one set of buffers per size without end.
struct BatchCache<Value> {
    /// Sizes kept: the batch, two partial ones, and one more in passing.
    static var defaultCapacity: Int { 4 }

    private var entries: [(batch: Int, value: Value)] = []
    let capacity: Int

    init(capacity: Int = BatchCache.defaultCapacity) { self.capacity = max(1, capacity) }

    /// The value kept for `batch` (marked as most recently used), or nil; setting inserts or
    /// replaces it, evicting the least recently used beyond the capacity.
    subscript(batch: Int) -> Value? {
        mutating get {
            guard let i = entries.firstIndex(where: { $0.batch == batch }) else { return nil }
            let e = entries.remove(at: i)
            entries.append(e)
            return e.value
        }
        set {
            entries.removeAll { $0.batch == batch }
            guard let newValue else { return }
            if entries.count >= capacity { entries.removeFirst() }
            entries.append((batch, newValue))
        }
    }

    var count: Int { entries.count }
}

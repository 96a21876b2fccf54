import Foundation

/// A deblending problem for one galaxy, reported instead of crashing.
public struct DeblendingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { "deblending failed: \(message)" }
}

/// Splits touching sources the way SExtractor (Bertin & Arnouts 1996, Sect. 2.3) and
/// photutils' `deblend_sources` do: each source is re-thresholded at `nlevels` levels between
/// its faintest and brightest pixel; whenever a branch breaks into two or more pieces of at
/// least `minPixels` pixels that each hold at least `contrast` of the source's total flux,
/// the pieces become separate objects. The surviving pieces seed a watershed that shares out
/// the source's pixels.
public struct Deblender: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable { case exponential, linear }

    public var nlevels: Int
    public var contrast: Double
    public var mode: Mode
    public var minPixels: Int
    /// A piece must also rise this far above the level at which it splits off (its
    /// prominence above the saddle), in the data's units; 0 (photutils, SExtractor) = no
    /// such test. `SourceDetector` sets it from the smoothed sky noise so that noise bumps on a
    /// galaxy's outskirts are not taken for neighbours.
    public var minProminence: Float = 0

    // `minProminence` is set per image from its noise, so it is not part of the settings.
    enum CodingKeys: String, CodingKey { case nlevels, contrast, mode, minPixels }

    public init(nlevels: Int = 90, contrast: Double = 1e-6, mode: Mode = .exponential, minPixels: Int = 10) {
        self.nlevels = nlevels
        self.contrast = contrast
        self.mode = mode
        self.minPixels = minPixels
    }

    /// The authors' settings (nlevels 90, contrast 1e-6).
    public static let paper = Deblender()

    /// Deblends every source of `segmentation` on `data` (the smoothed image); returns the new
    /// segmentation with consecutive labels.
    public func deblend(_ data: GreyImage, _ segmentation: LabelMap) throws -> LabelMap {
        let W = data.width
        var out = [Int32](repeating: 0, count: data.count)
        var next: Int32 = 0
        // Pixels of each source, collected in one pass.
        var members = [[Int]](repeating: [], count: segmentation.count + 1)
        for (p, l) in segmentation.labels.enumerated() where l > 0 { members[Int(l)].append(p) }
        for l in 1..<(segmentation.count + 1) {
            let parts = try split(data, pixels: members[l], imageWidth: W)
            let base = next
            for (k, p) in members[l].enumerated() { out[p] = base + parts.labels[k] }
            next += Int32(parts.count)
        }
        return LabelMap(width: W, height: data.height, labels: out, count: Int(next))
    }

    /// The threshold levels for a source spanning [lo, hi].
    func levels(lo: Double, hi: Double) -> [Double] {
        let steps = (1...max(1, nlevels)).map { Double($0) / Double(nlevels + 1) }
        // Exponential spacing needs a positive minimum; otherwise fall back to linear.
        if mode == .exponential && lo > 0 {
            return steps.map { lo * pow(hi / lo, $0) }
        }
        return steps.map { lo + (hi - lo) * $0 }
    }

    /// Splits one source given by its pixel indices; returns a label 1…count per pixel.
    func split(_ data: GreyImage, pixels: [Int], imageWidth W: Int) throws -> (labels: [Int32], count: Int) {
        let ones = [Int32](repeating: 1, count: pixels.count)
        guard pixels.count >= 2 * minPixels else { return (ones, 1) }
        // Work in the source's bounding box.
        var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
        var lo = Double.infinity, hi = -Double.infinity, total = 0.0
        for p in pixels {
            let v = Double(data.pixels[p])
            guard v.isFinite else { throw DeblendingError(message: "non-finite pixel value in a source") }
            x0 = min(x0, p % W); x1 = max(x1, p % W); y0 = min(y0, p / W); y1 = max(y1, p / W)
            lo = min(lo, v); hi = max(hi, v); total += v
        }
        guard hi > lo else { return (ones, 1) }
        guard total > 0 else { throw DeblendingError(message: "source with non-positive total flux") }
        let bw = x1 - x0 + 1, bh = y1 - y0 + 1
        var value = [Float](repeating: -.infinity, count: bw * bh)
        var local = [Int](repeating: 0, count: pixels.count)
        for (k, p) in pixels.enumerated() {
            let q = (p / W - y0) * bw + (p % W - x0)
            local[k] = q
            value[q] = data.pixels[p]
        }
        // leaf[q]: the current object holding pixel q (0 = none); object 1 is the whole source.
        var leaf = [Int32](repeating: 0, count: bw * bh)
        for q in local { leaf[q] = 1 }
        var leafCount: Int32 = 1
        var objects = 1
        var mask = [Bool](repeating: false, count: bw * bh)
        for t in levels(lo: lo, hi: hi) {
            let tf = Float(t)
            var above = 0
            for q in local { let a = value[q] > tf; mask[q] = a; if a { above += 1 } }
            if above < 2 * minPixels { break }        // nothing left that could split
            let comps = ConnectedComponents.label(mask, width: bw, height: bh, minPixels: minPixels)
            if comps.count < 2 { continue }
            var flux = [Double](repeating: 0, count: comps.count + 1)
            var peak = [Float](repeating: -.infinity, count: comps.count + 1)
            var parent = [Int32](repeating: -1, count: comps.count + 1)
            for q in local {
                let c = Int(comps.labels[q])
                if c > 0 {
                    flux[c] += Double(value[q]); peak[c] = max(peak[c], value[q])
                    if parent[c] < 0 { parent[c] = leaf[q] }
                }
            }
            // Significant pieces per parent object. A piece that is not prominent enough here
            // never will be: at higher levels its peak stays and the level rises.
            var pieces: [Int32: [Int]] = [:]
            for c in 1...comps.count
            where parent[c] > 0 && flux[c] >= contrast * total && peak[c] - tf >= minProminence {
                pieces[parent[c], default: []].append(c)
            }
            var newId = [Int32](repeating: 0, count: comps.count + 1)
            var splitParents = Set<Int32>()
            for (p, cs) in pieces where cs.count >= 2 {
                splitParents.insert(p)
                objects += cs.count - 1
                for c in cs { leafCount += 1; newId[c] = leafCount }
            }
            if splitParents.isEmpty { continue }
            for q in local where splitParents.contains(leaf[q]) {
                leaf[q] = newId[Int(comps.labels[q])]
            }
        }
        guard objects >= 2 else { return (ones, 1) }
        let shared = Watershed.flood(value: value, width: bw, height: bh, markers: leaf, region: local)
        // Renumber the markers 1…count in order of first appearance.
        var renumber: [Int32: Int32] = [:]
        var labels = [Int32](repeating: 0, count: pixels.count)
        for (k, q) in local.enumerated() {
            let m = shared[q]
            if let r = renumber[m] { labels[k] = r } else { let r = Int32(renumber.count + 1); renumber[m] = r; labels[k] = r }
        }
        return (labels, renumber.count)
    }
}

/// Marker-based watershed (Beucher & Meyer 1993) by priority flooding: pixels are claimed in
/// order of decreasing value by the marker of the neighbour that reached them first, so the
/// boundaries between markers fall on the saddles of the (smoothed) image.
public enum Watershed {
    /// Floods `region` (indices into a width × height grid) from the nonzero `markers`,
    /// 8-connected. Returns the marker of every pixel (0 outside `region`).
    public static func flood(value: [Float], width: Int, height: Int, markers: [Int32], region: [Int]) -> [Int32] {
        var inRegion = [Bool](repeating: false, count: width * height)
        for q in region { inRegion[q] = true }
        var label = [Int32](repeating: 0, count: width * height)
        var heap = PixelHeap()
        for q in region where markers[q] > 0 { label[q] = markers[q] }
        for q in region where markers[q] > 0 { heap.push(value[q], q) }
        while let q = heap.pop() {
            let x = q % width, y = q / width
            for dy in -1...1 {
                let yy = y + dy
                if yy < 0 || yy >= height { continue }
                for dx in -1...1 where dx != 0 || dy != 0 {
                    let xx = x + dx
                    if xx < 0 || xx >= width { continue }
                    let r = yy * width + xx
                    if inRegion[r] && label[r] == 0 {
                        label[r] = label[q]
                        heap.push(value[r], r)
                    }
                }
            }
        }
        // Pixels not reachable from any marker (none in a connected source) keep marker 1.
        for q in region where label[q] == 0 { label[q] = markers.first(where: { $0 > 0 }) ?? 1 }
        return label
    }
}

/// A max-heap of pixels by value; equal values come out first-in first-out, so the result
/// does not depend on the heap's internal order.
struct PixelHeap {
    private var items: [(value: Float, order: Int, pixel: Int)] = []
    private var counter = 0

    private func before(_ a: Int, _ b: Int) -> Bool {
        items[a].value > items[b].value || (items[a].value == items[b].value && items[a].order < items[b].order)
    }

    mutating func push(_ value: Float, _ pixel: Int) {
        items.append((value, counter, pixel))
        counter += 1
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !before(i, p) { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && before(l, m) { m = l }
                if r < items.count && before(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top.pixel
    }
}

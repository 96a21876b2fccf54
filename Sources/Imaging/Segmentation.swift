/// A segmentation: one label per pixel, 0 = background, 1…count = objects.
public struct LabelMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var labels: [Int32]
    public var count: Int

    public init(width: Int, height: Int, labels: [Int32], count: Int) {
        self.width = width
        self.height = height
        self.labels = labels
        self.count = count
    }

    /// Number of pixels of each label (index 0 = background).
    public func areas() -> [Int] {
        var a = [Int](repeating: 0, count: count + 1)
        for l in labels { a[Int(l)] += 1 }
        return a
    }
}

/// Connected-component labelling of a binary mask, as image segmentation needs it.
public enum ConnectedComponents {
    /// Labels the 8-connected (or 4-connected) groups of `true` pixels in raster order of
    /// their first pixel, dropping groups smaller than `minPixels`. Labels are consecutive.
    public static func label(_ mask: [Bool], width: Int, height: Int,
                             minPixels: Int = 1, eightConnected: Bool = true) -> LabelMap {
        precondition(mask.count == width * height)
        var labels = [Int32](repeating: 0, count: mask.count)
        var count: Int32 = 0
        var stack: [Int] = []
        var members: [Int] = []
        stack.reserveCapacity(256)
        mask.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { lab in
                for start in 0..<m.count where m[start] && lab[start] == 0 {
                    // Flood fill with a stack; -1 marks "visited" until the size is known.
                    members.removeAll(keepingCapacity: true)
                    stack.append(start)
                    lab[start] = -1
                    while let p = stack.popLast() {
                        members.append(p)
                        let x = p % width, y = p / width
                        for dy in -1...1 {
                            let yy = y &+ dy
                            if yy < 0 || yy >= height { continue }
                            for dx in -1...1 where dx != 0 || dy != 0 {
                                if !eightConnected && dx != 0 && dy != 0 { continue }
                                let xx = x &+ dx
                                if xx < 0 || xx >= width { continue }
                                let q = yy &* width &+ xx
                                if m[q] && lab[q] == 0 { lab[q] = -1; stack.append(q) }
                            }
                        }
                    }
                    if members.count >= minPixels {
                        count += 1
                        for p in members { lab[p] = count }
                    } else {
                        // Too small: mark as visited background (-2) so it is not revisited.
                        for p in members { lab[p] = -2 }
                    }
                }
                for i in 0..<lab.count where lab[i] < 0 { lab[i] = 0 }
            }
        }
        return LabelMap(width: width, height: height, labels: labels, count: Int(count))
    }
}

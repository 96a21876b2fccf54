import Foundation

/// The 8 symmetries of a square (the dihedral group D4): rotations by 0, 90, 180 and 270
/// degrees and the four mirrors, acting on square images stored row-major with interleaved
/// channels (Keras's HWC per sample). Each is an exact permutation of pixels — no
/// interpolation — so an augmented image has exactly the pixel values of the original.
public enum Dihedral: Int, CaseIterable, Codable, Sendable {
    case identity = 0, rotate90, rotate180, rotate270
    /// Mirrors: left–right, about the main diagonal (transpose), top–bottom, about the anti-diagonal.
    case flipColumns, transpose, flipRows, antiTranspose

    /// The transform that undoes this one.
    public var inverse: Dihedral {
        switch self {
        case .rotate90: return .rotate270
        case .rotate270: return .rotate90
        default: return self
        }
    }

    /// The source pixel (row, column) of output pixel (i, j) in an n × n image. Rotations turn
    /// the picture counter-clockwise (as `numpy.rot90` does with its default axes).
    @inline(__always)
    public func source(_ i: Int, _ j: Int, size n: Int) -> (Int, Int) {
        switch self {
        case .identity: return (i, j)
        case .rotate90: return (j, n - 1 - i)
        case .rotate180: return (n - 1 - i, n - 1 - j)
        case .rotate270: return (n - 1 - j, i)
        case .flipColumns: return (i, n - 1 - j)
        case .transpose: return (j, i)
        case .flipRows: return (n - 1 - i, j)
        case .antiTranspose: return (n - 1 - j, n - 1 - i)
        }
    }

    /// For each output pixel, in row-major order, the row-major index of its source pixel.
    public func pixelMap(size n: Int) -> [Int32] {
        var map = [Int32](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let (r, c) = source(i, j, size: n)
                map[i * n + j] = Int32(r * n + c)
            }
        }
        return map
    }

    /// Applies the transform to each of `count` n × n images stored back to back.
    public func apply<T>(toBatch images: [T], count: Int, size n: Int, channels: Int) -> [T] {
        let per = n * n * channels
        precondition(images.count == count * per, "\(images.count) values are not \(count) images of \(n)×\(n)×\(channels)")
        let map = pixelMap(size: n)
        var out = images
        for b in 0..<count {
            let base = b * per
            for p in 0..<(n * n) {
                let s = base + Int(map[p]) * channels, d = base + p * channels
                for c in 0..<channels { out[d + c] = images[s + c] }
            }
        }
        return out
    }

    /// Applies the transform to one n × n image of `channels` interleaved channels.
    public func apply<T>(_ image: [T], size n: Int, channels: Int) -> [T] {
        apply(toBatch: image, count: 1, size: n, channels: channels)
    }
}

import Foundation

/// A deliberately minimal FITS reader written from the FITS standard (2880-byte blocks of
/// 80-character cards, big-endian binary tables), independent of cfitsio, so tests can check
/// what the cfitsio-based reader returns.
public struct RawFITS {
    public struct HDU {
        public var cards: [String: String]
        public var dataOffset: Int
    }

    public let bytes: [UInt8]
    public private(set) var hdus: [HDU] = []

    public init(path: String) throws {
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var pos = 0
        while pos + 2880 <= bytes.count {
            var cards: [String: String] = [:]
            var end = false
            while !end {
                for i in 0..<36 {
                    let card = String(decoding: bytes[(pos + 80 * i)..<(pos + 80 * i + 80)], as: UTF8.self)
                    let key = card.prefix(8).trimmingCharacters(in: .whitespaces)
                    if key == "END" { end = true; break }
                    if card.dropFirst(8).hasPrefix("= ") {
                        var v = String(card.dropFirst(10))
                        if v.trimmingCharacters(in: .whitespaces).hasPrefix("'") {
                            let parts = v.split(separator: "'", omittingEmptySubsequences: false)
                            v = parts.count > 1 ? String(parts[1]) : v
                        } else if let slash = v.firstIndex(of: "/") { v = String(v[..<slash]) }
                        cards[key] = v.trimmingCharacters(in: .whitespaces)
                    }
                }
                pos += 2880
            }
            let hdu = HDU(cards: cards, dataOffset: pos)
            hdus.append(hdu)
            let naxis = Int(cards["NAXIS"] ?? "0") ?? 0
            var size = naxis == 0 ? 0 : abs(Int(cards["BITPIX"] ?? "8")!) / 8
            for k in 0..<naxis { size *= Int(cards["NAXIS\(k + 1)"] ?? "0")! }
            size += Int(cards["PCOUNT"] ?? "0") ?? 0
            pos += (size + 2879) / 2880 * 2880
        }
    }

    public func hdu(named name: String) -> HDU? { hdus.first { $0.cards["EXTNAME"] == name } }

    /// Byte width of a TFORM such as `E`, `5E`, `J`, `6A`.
    static func width(_ tform: String) -> (count: Int, code: Character, bytes: Int) {
        let digits = tform.prefix { $0.isNumber }
        let count = Int(digits) ?? 1
        let code = tform.dropFirst(digits.count).first!
        let size: [Character: Int] = ["L": 1, "B": 1, "A": 1, "I": 2, "J": 4, "K": 8, "E": 4, "D": 8]
        return (count, code, count * size[code]!)
    }

    /// A numeric column of a binary table as Doubles (all rows, all elements).
    public func column(_ name: String, in extname: String) -> [Double]? {
        guard let h = hdu(named: extname), let nf = Int(h.cards["TFIELDS"] ?? "") else { return nil }
        let rowBytes = Int(h.cards["NAXIS1"]!)!, rows = Int(h.cards["NAXIS2"]!)!
        var offset = 0
        for i in 1...nf {
            let w = RawFITS.width(h.cards["TFORM\(i)"]!)
            if h.cards["TTYPE\(i)"] == name {
                var out: [Double] = []
                for r in 0..<rows {
                    for e in 0..<w.count {
                        let p = h.dataOffset + r * rowBytes + offset + e * (w.bytes / w.count)
                        out.append(decode(at: p, code: w.code))
                    }
                }
                return out
            }
            offset += w.bytes
        }
        return nil
    }

    func decode(at p: Int, code: Character) -> Double {
        func be(_ n: Int) -> UInt64 { (0..<n).reduce(UInt64(0)) { ($0 << 8) | UInt64(bytes[p + $1]) } }
        switch code {
        case "E": return Double(Float(bitPattern: UInt32(be(4))))
        case "D": return Double(bitPattern: be(8))
        case "J": return Double(Int32(bitPattern: UInt32(be(4))))
        case "I": return Double(Int16(bitPattern: UInt16(be(2))))
        case "K": return Double(Int64(bitPattern: be(8)))
        default: return Double(bytes[p])
        }
    }
}

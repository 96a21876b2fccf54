import Foundation
import SurveyIO

/// One selected spectrum, with every value checked before it names a file or a URL: plate,
/// MJD and fibre integers in SDSS's ranges, RA/Dec finite and on the sky, run2d a short
/// token of letters, digits, `_` and `.` starting with a letter or digit (so never "..").
public struct SelectionRow: Sendable, Equatable {
    public var plate: Int
    public var mjd: Int
    public var fiber: Int
    public var run2d: String
    public var ra: Double
    public var dec: Double
    /// `petroR90_r` in arcsec when the query returned a usable one.
    public var petroR90r: Double?
    /// The row as the service returned it, one value per selection column.
    public var fields: [String]

    public var specFile: String { SDSSNames.spectrum(plate: plate, mjd: mjd, fiber: fiber) }
    public var imageFile: String { SDSSNames.image(ra: ra, dec: dec) }
    /// Canonical order of a selection: plate, MJD, fibre (and run2d), whatever the paging.
    var sortKey: (Int, Int, Int, String) { (plate, mjd, fiber, run2d) }
}

/// Finds the needed columns of a result by name (SkyServer spells them as the query did;
/// matching ignores case) and validates rows.
public struct SelectionColumns: Sendable {
    public static let required = ["plate", "mjd", "fiberid", "run2d", "ra", "dec"]
    let plate, mjd, fiber, run2d, ra, dec: Int
    let specObjID: Int?
    let petroR90r: Int?

    public init(header: [String], source: String) throws {
        let lower = header.map { $0.lowercased() }
        func find(_ name: String) -> Int? { lower.firstIndex(of: name) }
        let missing = Self.required.filter { find($0) == nil }
        guard missing.isEmpty else {
            throw SurveyIOError(path: source, reason: "the result lacks column(s) \(missing.joined(separator: ", ")) (it has: \(header.joined(separator: ", "))); a query must return plate, mjd, fiberID, run2d, ra, dec")
        }
        plate = find("plate")!; mjd = find("mjd")!; fiber = find("fiberid")!
        run2d = find("run2d")!; ra = find("ra")!; dec = find("dec")!
        specObjID = find("specobjid")
        petroR90r = find("petror90_r")
    }

    /// The validated row, or why it cannot be used.
    public func row(_ fields: [String]) -> Result<SelectionRow, RowProblem> {
        func int(_ i: Int, _ name: String, _ range: ClosedRange<Int>) -> Result<Int, RowProblem> {
            let t = fields[i].trimmingCharacters(in: .whitespaces)
            guard let v = Int(t), range.contains(v) else {
                return .failure(RowProblem("\(name) '\(t.prefix(40))' is not an integer in \(range.lowerBound)…\(range.upperBound)"))
            }
            return .success(v)
        }
        func real(_ i: Int, _ name: String, _ range: ClosedRange<Double>) -> Result<Double, RowProblem> {
            let t = fields[i].trimmingCharacters(in: .whitespaces)
            guard let v = Double(t), v.isFinite, range.contains(v) else {
                return .failure(RowProblem("\(name) '\(t.prefix(40))' is not a number in \(range.lowerBound)…\(range.upperBound)"))
            }
            return .success(v)
        }
        do {
            let plate = try int(self.plate, "plate", 1...99_999).get()
            let mjd = try int(self.mjd, "mjd", 40_000...99_999).get()
            let fiber = try int(self.fiber, "fiberID", 1...1_000).get()
            let ra = try real(self.ra, "ra", 0...360).get()
            let dec = try real(self.dec, "dec", -90...90).get()
            let run2d = fields[self.run2d].trimmingCharacters(in: .whitespaces)
            guard Self.isSafeToken(run2d) else { throw RowProblem("run2d '\(run2d.prefix(40))' is not a token of [A-Za-z0-9_.]") }
            if let s = specObjID {
                let t = fields[s].trimmingCharacters(in: .whitespaces)
                guard t.isEmpty || UInt64(t) != nil else { throw RowProblem("specObjID '\(t.prefix(40))' is not an unsigned integer") }
            }
            let petro = petroR90r.flatMap { Double(fields[$0].trimmingCharacters(in: .whitespaces)) }.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
            return .success(SelectionRow(plate: plate, mjd: mjd, fiber: fiber, run2d: run2d, ra: ra, dec: dec,
                                         petroR90r: petro, fields: fields))
        } catch let p as RowProblem {
            return .failure(p)
        } catch {
            return .failure(RowProblem("\(error)"))
        }
    }

    /// The row's specObjID, when the result has the column (the paging key).
    func specObjID(_ fields: [String]) -> UInt64? {
        specObjID.flatMap { UInt64(fields[$0].trimmingCharacters(in: .whitespaces)) }
    }

    static func isSafeToken(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 32 else { return false }
        func ok(_ u: Unicode.Scalar) -> Bool { u.isASCII && (CharacterSet.alphanumerics.contains(u) || u == "_" || u == ".") }
        return first.isASCII && CharacterSet.alphanumerics.contains(first) && s.unicodeScalars.allSatisfy(ok)
    }
}

/// Why a selection row was not used.
public struct RowProblem: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

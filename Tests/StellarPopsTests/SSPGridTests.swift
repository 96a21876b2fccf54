import Foundation
import StellarPops
import SurveyIO
import TestSupport
import XCTest

/// These tests read the template cache filled by `galam templates fetch` (the README's test
/// command runs it first). They fail, with the message naming that command, if it is empty.
final class SSPGridTests: XCTestCase {
    func testPaperGridOf36SSPs() throws {
        let g = try SSPGrid.load(.miles, selection: .paper)
        XCTAssertEqual(g.agesGyr, [0.0631, 0.1259, 0.2512, 0.5012, 1.0000, 1.9953, 3.9811, 7.9433, 15.8489])
        XCTAssertEqual(g.metallicities, [-1.71, -0.71, 0.00, 0.22])
        XCTAssertEqual(g.fluxes.count, 36)
        XCTAssertEqual(g.wavelengthAngstrom.count, 4300)
        XCTAssertEqual(g.fwhmAngstrom(at: 5000), 2.51)
        for f in g.fluxes {
            XCTAssertEqual(f.count, 4300)
            XCTAssertTrue(f.allSatisfy { $0.isFinite && $0 > 0 })
        }
        // The axis against the header of one file, read by the independent parser.
        let cache = TemplateCache()
        let file = cache.modelsDirectory(of: TemplateCache.miles) + "/Mun1.30Zp0.22T15.8489_iPp0.00_baseFe_linear_FWHM_2.51.fits"
        let raw = try RawFITS(path: file)
        let crval = Double(raw.hdus[0].cards["CRVAL1"]!)!, cdelt = Double(raw.hdus[0].cards["CDELT1"]!)!
        XCTAssertEqual(crval, 3540.5)
        XCTAssertEqual(cdelt, 0.9)
        XCTAssertEqual(g.wavelengthAngstrom[0], crval, accuracy: 1e-9)
        XCTAssertEqual(g.wavelengthAngstrom[4299], crval + 4299 * cdelt, accuracy: 1e-6)
        XCTAssertEqual(g.wavelengthAngstrom[4299], 7409.6, accuracy: 1e-6, "the header comment's final wavelength")
        // Flux of the oldest, most metal-rich SSP equals that file's first pixel, big-endian float32.
        let p = raw.hdus[0].dataOffset
        let first = Float(bitPattern: raw.bytes[p..<(p + 4)].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) })
        XCTAssertEqual(g.flux(age: 8, metallicity: 3)[0], first)
    }

    func testAllMILESAndEMILES() throws {
        let all = try SSPGrid.load(.miles, selection: .all)
        XCTAssertEqual(all.fluxes.count, 150)
        XCTAssertEqual(all.metallicities, [-1.71, -1.31, -0.71, -0.40, 0.00, 0.22])
        XCTAssertEqual(all.agesGyr.count, 25)
        let e = try SSPGrid.load(.eMiles, selection: .all)
        XCTAssertEqual(e.fluxes.count, 150)
        XCTAssertEqual(e.wavelengthAngstrom.count, 53689)
        XCTAssertEqual(e.wavelengthAngstrom[0], 1680.2, accuracy: 1e-9)
        XCTAssertEqual(e.wavelengthAngstrom[1] - e.wavelengthAngstrom[0], 0.9, accuracy: 1e-9)
        XCTAssertEqual(e.wavelengthAngstrom.last!, 49999.4, accuracy: 1e-5)
        XCTAssertEqual(e.fwhmAngstrom(at: 49999.4), 23.57, accuracy: 0.01, "the header's stated 2.51–23.57 Å range")
        XCTAssertEqual(e.fwhmAngstrom(at: 5000), 2.51)
        for f in e.fluxes { XCTAssertTrue(f.allSatisfy { $0.isFinite && $0 >= 0 }) }
        // Positive over the optical range the fits and simulations use. (26 of the 150 E-MILES
        // SSPs, the young ones, are exactly 0 beyond 8950 Å, where E-MILES has no IRTF stars for them.)
        let optical = e.wavelengthAngstrom.indices.filter { e.wavelengthAngstrom[$0] > 3000 && e.wavelengthAngstrom[$0] < 8950 }
        for f in e.fluxes { XCTAssertTrue(optical.allSatisfy { f[$0] > 0 }) }
        XCTAssertEqual(e.fluxes.filter { $0.last! == 0 }.count, 26)
    }

    func testFileNameParsing() throws {
        let (mh, age) = try SSPGrid.parseName("Mun1.30Zm0.40T00.0631_iPp0.00_baseFe_linear_FWHM_2.51.fits")
        XCTAssertEqual(mh, -0.40)
        XCTAssertEqual(age, 0.0631)
        let (mh2, age2) = try SSPGrid.parseName("Eun1.30Zp0.22T15.8489_iPp0.00_baseFe_linear_FWHM_variable.fits")
        XCTAssertEqual(mh2, 0.22)
        XCTAssertEqual(age2, 15.8489)
        XCTAssertThrowsError(try SSPGrid.parseName("readme.fits"))
    }

    func testMissingCacheNamesTheCommand() {
        let cache = TemplateCache(root: Fixtures.scratchDirectory("empty-cache"))
        XCTAssertThrowsError(try SSPGrid.load(.miles, cache: cache)) { e in
            XCTAssertTrue("\(e)".contains("galam templates fetch"), "\(e)")
        }
    }
}

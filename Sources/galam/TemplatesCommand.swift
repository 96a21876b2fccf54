import ArgumentParser
import Foundation
import StellarPops

/// `galam templates`: the SSP template cache.
struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Fetch and inspect the SSP templates (MILES, E-MILES) in GalAM's cache.",
        subcommands: [Fetch.self, Info.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the pPXF source distributions holding the SSPs into the cache.",
            discussion: """
            Uses pip to download ppxf==7.4.5 (Vazdekis 2010 MILES SSPs) and ppxf==8.2.6 (E-MILES \
            SSPs, SDSS magnitudes of the SSPs, SDSS filter curves) from PyPI, checks their pinned \
            SHA-256 sums and extracts only the data files. Idempotent and safe to interrupt. \
            The cache is $GALAM_CACHE, or ~/.cache/galam.

            Examples:
              galam templates fetch
              GALAM_CACHE=/data/galam galam templates fetch
            """)

        @Option(help: "Cache folder (default: $GALAM_CACHE or ~/.cache/galam).")
        var cache: String?

        func run() throws {
            try TemplateCache(root: cache ?? TemplateCache.defaultRoot).fetchAll()
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the template grids and print their ages, metallicities and wavelength range.",
            discussion: "Example:\n  galam templates info")

        @Option(help: "Cache folder (default: $GALAM_CACHE or ~/.cache/galam).")
        var cache: String?

        func run() throws {
            let c = TemplateCache(root: cache ?? TemplateCache.defaultRoot)
            for (lib, sel) in [(SSPGrid.Library.miles, SSPGrid.Selection.paper), (.miles, .all), (.eMiles, .all)] {
                let g = try SSPGrid.load(lib, selection: sel, cache: c)
                let w = g.wavelengthAngstrom
                print("\(lib.rawValue) (\(sel == .paper ? "paper's 36" : "all")): \(g.fluxes.count) SSPs, "
                      + "\(g.agesGyr.count) ages \(g.agesGyr.first!)–\(g.agesGyr.last!) Gyr, "
                      + "[M/H] \(g.metallicities.map { String($0) }.joined(separator: ", ")), "
                      + String(format: "%.1f–%.1f Å step %.2f Å, %d pixels", w.first!, w.last!, w[1] - w[0], w.count))
            }
        }
    }
}

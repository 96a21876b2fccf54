import ArgumentParser
import Workflows

/// `galam corrupt-cutouts`: corrupted copies of cutouts, for the OOD measurements.
struct CorruptCutoutsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrupt-cutouts",
        abstract: "Write corrupted copies of JPEG cutouts (noise, a bright star, off-centre) to test the OOD flag.",
        discussion: """
        noise: Gaussian noise of SD 40/255 per pixel and channel; star: a saturated point \
        source (FWHM 3 px) 12–30 px from the centre; off-centre: the field rolled by 30 % of \
        its width and 20 % of its height. Same file names as the input; seeded per file.

        Examples:
          galam corrupt-cutouts --images held-out/images --out star/ --kind star --seed 1
          galam predict --model model/ --images star/ --out star.csv
        """)

    @Option(help: "Folder of JPEG cutouts.") var images: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "noise, star or off-centre.") var kind: String
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func validate() throws {
        guard CutoutCorruption(rawValue: kind) != nil else {
            throw ValidationError("--kind must be one of " + CutoutCorruption.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() throws {
        let n = try CutoutCorruption.write(CutoutCorruption(rawValue: kind)!, images: images, output: out, seed: seed)
        print("corrupt-cutouts: \(n) \(kind) cutouts → \(out)")
    }
}

import ArgumentParser
import SurveyIO

/// `galam montage`: tile JPEG cutouts into one image.
struct MontageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "montage",
        abstract: "Tile JPEG cutouts into one JPEG (quick looks, README figures).",
        discussion: """
        Examples:
          galam montage --out montage.jpg --columns 4 mock/images/*.jpg
        """)

    @Option(help: "Output JPEG.")
    var out: String

    @Option(help: "Images per row.")
    var columns = 4

    @Option(help: "Tile size in pixels.")
    var tile = 128

    @Option(help: "JPEG quality.")
    var quality = 85

    @Argument(help: "Input JPEG files.")
    var images: [String]

    func run() throws {
        let tiles = try images.map { try JPEG.read($0) }
        try JPEG.write(RGBImage.montage(tiles, columns: columns, tile: tile), to: out, quality: quality)
        print("montage: \(tiles.count) images → \(out)")
    }
}

import ArgumentParser
import Foundation
import GalAM

/// `galam merge`: the outputs of a sharded stage joined into what one run writes.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the outputs of --shard i/N runs into exactly what one unsharded run writes.",
        discussion: """
        A folder (prepare-spectra, prepare-images, prepare: OUT/shard-i-of-N/ inside it) or a \
        file (fit-labels, predict: NAME.shard-i-of-N.EXT beside it). Rows come back in catalog \
        order (row g from shard g mod N), array indices are renumbered, prepare's 8:1:1 split \
        is assigned over every kept galaxy, the manifests' counts are summed. Refuses an \
        incomplete set (naming the missing shards), shards with different N, or shards run \
        with different settings. The shard outputs are left in place.

        Examples:
          galam merge data/                  # after: galam prepare … --out data --shard i/8, i = 0…7
          galam merge labels.csv             # after: galam fit-labels … --out labels.csv --shard i/8
          galam merge predictions.csv        # after: galam predict … --out predictions.csv --shard i/8
        """)

    @Argument(help: "The --out of the sharded runs (a folder or a file).") var output: String

    func run() throws {
        let s = try ShardMerge(path: output).run()
        print("merge: \(s.shards) shards of \(s.stage), \(s.rows) rows → " + s.written.joined(separator: ", "))
    }
}

import ArgumentParser
import CDNNL
import COpenBLAS
import NeuralNet
import SurveyIO

/// `galam version`: the tool's version and the versions of the C libraries it runs on,
/// so a result can be traced to the exact numerical stack that produced it.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print GalAM's version and the C libraries it is linked against.",
        discussion: "Example:\n  galam version")

    func run() throws {
        print("galam \(GalAMVersion.string)")
        for (name, version) in LibraryVersions.all() { print("  \(name) \(version)") }
    }
}

/// Versions of the linked C libraries, read from the libraries themselves at run time.
enum LibraryVersions {
    static func all() -> [(String, String)] {
        var out = SurveyIOLibraries.versions()
        if let v = dnnl_version() {
            out.append(("oneDNN", "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"))
        }
        if let c = openblas_get_config() { out.append(("OpenBLAS", String(cString: c))) }
        out.append(("MPI", mpiLibraryVersion().map { $0.components(separatedBy: ",").first ?? $0 }
            ?? "none (built without Open MPI: single-process training only)"))
        return out
    }
}

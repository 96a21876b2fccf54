import CFuzzer
import Foundation
import FuzzTargets

// libFuzzer drives `FuzzTargets.fits` with its inputs; a trap or sanitizer report is a finding.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
    _ = FuzzTargets.fits(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
})

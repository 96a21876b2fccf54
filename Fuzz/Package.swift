// swift-tools-version:6.0
// libFuzzer targets for GalAM's readers, one executable each, kept out of the main package so
// that its build and tests never see the sanitizer flags. Built by scripts/fuzz.sh:
//   swift build -c release --package-path Fuzz --scratch-path Fuzz/.build -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
// Each target (main.swift: libFuzzer's driver called from our main) only forwards libFuzzer's bytes to `FuzzTargets` in the main package, which the
// regression tests (Tests/FuzzRegressionTests) call on the saved crashers.
import PackageDescription

let names = ["fits", "jpeg", "npy", "safetensors", "catalog"]

let package = Package(
    name: "GalAMFuzz",
    dependencies: [.package(name: "GalAM", path: "..")],
    targets: [.target(name: "CFuzzer")] + names.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: ["CFuzzer", .product(name: "FuzzTargets", package: "GalAM")],
                          path: "Sources/\(name)")
    },
    swiftLanguageModes: [.v5]
)

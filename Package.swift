// swift-tools-version: 6.1
import PackageDescription

// One module per layer; dependencies point one way (see docs/ARCHITECTURE.md):
// pure cores (Storage, Raft, KafkaProtocol) know nothing of sockets, threads or clocks;
// Transport wraps libuv; the `tributary` executable sits on top.
let package = Package(
    name: "Tributary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tributary", targets: ["tributary"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "Checksum", dependencies: ["CCRC32C"]),
        .target(name: "Storage", dependencies: ["Checksum"]),
        .target(
            name: "Transport",
            dependencies: [
                "CLibUV",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "tributary",
            dependencies: [
                "Transport",
                "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "DiskProbe", path: "benchmarks/DiskProbe"),
        .executableTarget(name: "StorageBench", dependencies: ["Storage", "DiskProbe"], path: "benchmarks/StorageBench"),
        .testTarget(name: "ChecksumTests", dependencies: ["Checksum", "CCRC32C"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
    ],
    swiftLanguageModes: [.v6]
)

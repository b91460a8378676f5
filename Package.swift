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
        .executable(name: "chaos-check", targets: ["chaos-check"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .target(name: "CCRC32C"),
        .target(name: "Checksum", dependencies: ["CCRC32C"]),
        .target(name: "SeededRandom"),
        .target(name: "CFileSync"),
        .target(name: "Storage", dependencies: ["Checksum", "CFileSync"]),
        .target(name: "Raft", dependencies: ["SeededRandom", "Checksum"]),
        .target(name: "RaftSimulator", dependencies: ["SeededRandom", "Raft"]),
        .target(
            name: "Transport",
            dependencies: [
                "SeededRandom",
                "CLibUV",
                "Checksum",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "Node",
            dependencies: [
                "SeededRandom",
                "Transport",
                "Storage",
                "Raft",
                "ClusterMetadata",
                "KafkaProtocol",
                "Broker",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "tributary",
            dependencies: [
                "Node",
                "Transport",
                "Storage",
                .product(name: "Logging", package: "swift-log"),
                "RaftSimulator",
                "TributaryClient",
                "KafkaProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(name: "TransportBench", dependencies: ["Transport"], path: "benchmarks/TransportBench"),
        .target(name: "DiskProbe", path: "benchmarks/DiskProbe"),
        .executableTarget(name: "StorageBench", dependencies: ["Storage", "DiskProbe"], path: "benchmarks/StorageBench"),
        .target(name: "BenchSupport", path: "benchmarks/BenchSupport"),
        .executableTarget(name: "CRC32CBench", dependencies: ["Checksum", "BenchSupport"], path: "benchmarks/CRC32CBench"),
        .executableTarget(name: "RecordBatchBench", dependencies: ["Storage", "BenchSupport"], path: "benchmarks/RecordBatchBench"),
        .testTarget(name: "ChecksumTests", dependencies: ["SeededRandom", "Checksum", "CCRC32C"]),
        .testTarget(
            name: "TransportTests",
            dependencies: ["SeededRandom", "Transport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "SeededRandom", "Node", "Raft", "Storage", "Transport", "ClusterMetadata", "KafkaProtocol",
                "TributaryClient",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // chaos/: the history checker (pure: no cluster, no I/O beyond reading its inputs)
        // and the command that runs it on a history file and the replicas' final logs.
        .target(name: "ChaosCheck", path: "chaos/Sources/ChaosCheck"),
        .executableTarget(
            name: "chaos-check",
            dependencies: [
                "ChaosCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "chaos/Sources/chaos-check"
        ),
        // chaos/run: the harness (cluster, workload, faults, dumps) that feeds ChaosCheck.
        .target(
            name: "ChaosHarness",
            dependencies: [
                "ChaosCheck", "TributaryClient", "Storage", "SeededRandom", "KafkaProtocol",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "chaos/Sources/ChaosHarness"
        ),
        .executableTarget(
            name: "chaos-run",
            dependencies: [
                "ChaosHarness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "chaos/Sources/chaos-run"
        ),
        .testTarget(name: "ChaosCheckTests", dependencies: ["SeededRandom", "ChaosCheck"], path: "chaos/Tests/ChaosCheckTests"),
        .testTarget(name: "StorageTests", dependencies: ["SeededRandom", "Storage"]),
        // Broker core: group coordinator and idempotent-producer state (pure, protocol-agnostic).
        .target(name: "Broker"),
        .testTarget(name: "BrokerTests", dependencies: ["SeededRandom", "Broker"]),
        .executableTarget(name: "RaftCoreBench", dependencies: ["SeededRandom", "Raft", "BenchSupport"], path: "benchmarks/RaftCoreBench"),
        .testTarget(name: "RaftTests", dependencies: ["SeededRandom", "Raft", "RaftSimulator"]),
        // Kafka wire codec: pure, no dependencies. Messages under Generated/ come from
        // kafka-codegen (Kafka's JSON definitions in ../shared/kafka-messages).
        .target(name: "KafkaProtocol"),
        .target(name: "KafkaCodegen"),
        .executableTarget(name: "kafka-codegen", dependencies: ["KafkaCodegen"]),
        .testTarget(
            name: "KafkaProtocolTests",
            dependencies: ["SeededRandom", "KafkaProtocol", "KafkaCodegen"],
            resources: [.copy("Fixtures")]
        ),
        // The controller's replicated state machine: pure (no I/O, no clock), deterministic.
        .target(name: "ClusterMetadata", dependencies: ["Checksum"]),
        .testTarget(name: "ClusterMetadataTests", dependencies: ["SeededRandom", "ClusterMetadata"]),
        // The Swift Kafka client (producer, consumer, admin) used by the CLI, chaos and benchmarks.
        .target(
            name: "TributaryClient",
            dependencies: [
                "KafkaProtocol",
                "Transport",
                "Storage",
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .testTarget(
            name: "TributaryClientTests",
            dependencies: ["TributaryClient", "KafkaProtocol", "Transport", "Storage"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

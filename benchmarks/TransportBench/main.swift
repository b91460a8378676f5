// Prints loopback throughput and latency of the transport; see Bench.swift.
Bench.main()

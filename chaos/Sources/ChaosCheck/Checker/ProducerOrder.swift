/// The furthest position an acknowledged send of one producer reached in one partition.
struct SendFloor {
    var value: RecordValue
    var position: LogOffset
}

/// Checks that each producer's acknowledged sends to a partition sit in the log in the order
/// they were sent: a send invoked after another was acknowledged must land after it.
struct ProducerOrder {
    private struct Key: Hashable {
        var producer: Int
        var partition: PartitionID
    }

    private var floors: [Key: SendFloor] = [:]

    /// The floor a send of `producer` to `partition` must land above (captured at its invoke).
    func floor(producer: ProducerIdentity, partition: PartitionID) -> SendFloor? {
        floors[Key(producer: producer.id, partition: partition)]
    }

    /// Checks an acknowledged send that landed at `position` against the floor captured at its
    /// invoke, then raises the producer's floor. Returns the anomaly, if any.
    mutating func acknowledge(
        _ send: SendOperation, at position: LogOffset, floorAtInvoke: SendFloor?, by process: ProcessID,
        timeNanos: Int64
    ) -> Anomaly? {
        let key = Key(producer: send.producer.id, partition: send.partition)
        if floors[key].map({ position > $0.position }) ?? true {
            floors[key] = SendFloor(value: send.value, position: position)
        }
        guard let floorAtInvoke, position <= floorAtInvoke.position else { return nil }
        return Anomaly(
            .nonmonotonicSend, partition: send.partition, offset: position, value: send.value, process: process,
            timeNanos: timeNanos,
            detail: "producer \(send.producer.id) sent \(send.value) after \(floorAtInvoke.value) was acknowledged, "
                + "but \(send.value) is at offset \(position) and \(floorAtInvoke.value) at \(floorAtInvoke.position)")
    }
}

import Storage

/// Decodes the `records` bytes of one partition in a Fetch response.
enum FetchedRecords {
    /// Bytes before a batch's length field ends: base offset (8) and batch length (4).
    private static let lengthPrefixEndBytes = 12

    /// The records at or after `position`, and the position after the last whole batch.
    ///
    /// The broker may end the bytes inside a batch (its size bound cut it): that tail is left
    /// for the next fetch. Control batches (transaction markers) advance the position but yield
    /// no records.
    /// - Throws: ``KafkaClientError/Kind/malformedResponse`` for a corrupt batch, or one this
    ///   client cannot decode (compressed).
    static func decode(
        _ bytes: [UInt8], of partition: TopicPartition, from position: Int64
    ) throws(KafkaClientError) -> (records: [ConsumerRecord], nextPosition: Int64) {
        var records: [ConsumerRecord] = []
        var nextPosition = position
        var start = 0
        while bytes.count - start >= lengthPrefixEndBytes {
            let length = bytes[start + 8..<start + 12].reduce(Int32(0)) { $0 << 8 | Int32($1) }
            guard length > 0 else {
                throw KafkaClientError(.malformedResponse, "\(partition): batch length \(length) at byte \(start)")
            }
            let end = start + lengthPrefixEndBytes + Int(length)
            guard end <= bytes.count else { break }
            let batch: RecordBatch
            let decoded: [Record]
            do {
                batch = try RecordBatch(validating: Array(bytes[start..<end]), batchBytesMax: bytes.count)
                decoded = batch.isControl ? [] : try batch.records()
            } catch {
                throw KafkaClientError(.malformedResponse, "\(partition): batch at byte \(start): \(error)")
            }
            for record in decoded where record.offset.rawValue >= position {
                records.append(ConsumerRecord(
                    topicPartition: partition, offset: record.offset.rawValue, timestamp: record.timestamp,
                    key: record.key, value: record.value, headers: record.headers))
            }
            nextPosition = max(nextPosition, batch.lastOffset.rawValue + 1)
            start = end
        }
        return (records, nextPosition)
    }
}

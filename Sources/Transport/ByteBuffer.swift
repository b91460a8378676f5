/// A growable byte buffer with a stable base address, read from the front and written at the back.
///
/// Reads and writes from libuv need memory that does not move while a call is in flight, which a
/// Swift `Array` does not promise; this buffer owns its memory and only moves it when asked to
/// make room. It is a class (not a value) because libuv holds pointers into it.
final class ByteBuffer {
    private var base: UnsafeMutableRawPointer
    /// Bytes allocated.
    private(set) var capacity: Int
    /// Where the unread bytes begin.
    private var readerIndex = 0
    /// Where the unread bytes end.
    private var writerIndex = 0

    /// Makes an empty buffer with room for `initialCapacity` bytes.
    init(initialCapacity: Int) {
        precondition(initialCapacity > 0, "a byte buffer needs a positive initial capacity")
        capacity = initialCapacity
        base = .allocate(byteCount: initialCapacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The unread bytes.
    var readable: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + readerIndex, count: writerIndex - readerIndex)
    }

    /// How many bytes are unread.
    var count: Int { writerIndex - readerIndex }

    /// Whether every byte has been read.
    var isEmpty: Bool { readerIndex == writerIndex }

    /// Marks the first `byteCount` unread bytes as read.
    func consume(_ byteCount: Int) {
        precondition(byteCount >= 0 && byteCount <= count, "consumed \(byteCount) of \(count) readable bytes")
        readerIndex += byteCount
        if readerIndex == writerIndex { readerIndex = 0; writerIndex = 0 }
    }

    /// Drops every byte, keeping the memory.
    func removeAll() { readerIndex = 0; writerIndex = 0 }

    /// Room for up to `byteCount` more bytes at the back, never growing past `capacityMax`.
    ///
    /// Moves the unread bytes to the front first if that makes room. The region may be shorter
    /// than asked, and empty when the buffer holds `capacityMax` bytes. Call ``commit(_:)`` with
    /// the number of bytes written into it.
    func writableRegion(upTo byteCount: Int, capacityMax: Int) -> UnsafeMutableRawBufferPointer {
        precondition(byteCount > 0 && capacityMax >= capacity, "asked for \(byteCount) bytes under \(capacityMax)")
        if capacity - writerIndex < byteCount && readerIndex > 0 { compact() }
        if capacity - writerIndex < byteCount && capacity < capacityMax {
            grow(to: min(capacityMax, max(capacity * 2, writerIndex + byteCount)))
        }
        return UnsafeMutableRawBufferPointer(start: base + writerIndex, count: min(byteCount, capacity - writerIndex))
    }

    /// Counts `byteCount` bytes written into the last ``writableRegion(upTo:capacityMax:)`` as readable.
    func commit(_ byteCount: Int) {
        precondition(byteCount >= 0 && writerIndex + byteCount <= capacity, "committed past the buffer's end")
        writerIndex += byteCount
    }

    /// Gives back memory beyond `byteCount` when the buffer is empty, so that one large frame
    /// does not pin its buffer's size for the life of a connection.
    func releaseExcessCapacity(keeping byteCount: Int) {
        guard isEmpty, capacity > byteCount else { return }
        base.deallocate()
        base = .allocate(byteCount: byteCount, alignment: 16)
        capacity = byteCount
    }

    /// Appends `bytes`, growing as needed (the caller bounds how much it appends).
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let region = writableRegion(upTo: bytes.count, capacityMax: max(capacity, writerIndex + bytes.count))
        precondition(region.count == bytes.count)
        region.copyMemory(from: bytes)
        commit(bytes.count)
    }

    /// Appends `value` as four big-endian bytes.
    func appendBigEndian(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { append($0) }
    }

    /// Swaps contents (and memory) with `other`: used to hand a filled buffer to an in-flight write.
    func swapContents(with other: ByteBuffer) {
        swap(&base, &other.base)
        swap(&capacity, &other.capacity)
        swap(&readerIndex, &other.readerIndex)
        swap(&writerIndex, &other.writerIndex)
    }

    private func compact() {
        let unread = count
        (base).copyMemory(from: base + readerIndex, byteCount: unread)
        readerIndex = 0
        writerIndex = unread
    }

    private func grow(to newCapacity: Int) {
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base + readerIndex, byteCount: count)
        base.deallocate()
        writerIndex = count
        readerIndex = 0
        base = newBase
        capacity = newCapacity
    }
}

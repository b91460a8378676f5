import CFileSync
import Glibc

/// An open file descriptor with positional, EINTR-safe reads and writes; closed when released.
/// Immutable, so it may be shared with a thread that only syncs it.
final class PosixFile: Sendable {
    /// Linux's IOV_MAX: iovecs one pwritev accepts.
    static let vectorsPerWriteMax = 1024
    let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens `path` for reading and writing.
    /// - Parameter create: create the file when missing (mode 0644).
    static func open(_ path: String, create: Bool) throws -> PosixFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = Glibc.open(path, flags, 0o644)
        guard descriptor >= 0 else { throw StorageError.system("open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    /// Opens `path` read-only (inspection tools must not change a log).
    static func openReadOnly(_ path: String) throws -> PosixFile {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError.system("open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: descriptor)
    }

    /// Current size in bytes.
    func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StorageError.system("fstat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads up to `count` bytes at `position`; fewer only at the end of the file.
    func read(at position: Int64, count: Int) throws -> [UInt8] {
        precondition(position >= 0 && count >= 0, "negative read position or count")
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { buffer in try read(into: buffer, at: position) }
        if got < count { bytes.removeLast(count - got) }
        return bytes
    }

    /// Fills `buffer` from `position`; returns the bytes read (fewer only at the end of the file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            if result < 0 {
                if errno == EINTR { continue }
                throw StorageError.system("pread", path: path, errno: errno)
            }
            if result == 0 { break }
            done += result
        }
        return done
    }

    /// Writes all of `parts`, back to back, starting at `position`.
    func write(_ parts: [UnsafeRawBufferPointer], at position: Int64) throws {
        // One reserved array: every log append and checkpoint goes through here.
        var vectors: [iovec] = []
        vectors.reserveCapacity(parts.count)
        for part in parts where !part.isEmpty {
            vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: part.baseAddress), iov_len: part.count))
        }
        var offset = off_t(position)
        var first = 0
        while first < vectors.count {
            let count = Int32(min(vectors.count - first, PosixFile.vectorsPerWriteMax))
            let written = vectors.withUnsafeMutableBufferPointer { pwritev(descriptor, $0.baseAddress! + first, count, offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw StorageError.system("pwritev", path: path, errno: errno)
            }
            offset += off_t(written)
            var left = written
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base += left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    /// Writes `bytes` at `position`.
    func write(_ bytes: [UInt8], at position: Int64) throws {
        try bytes.withUnsafeBytes { try write([$0], at: position) }
    }

    /// Sets the file size to `size` bytes.
    func truncate(to size: Int64) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw StorageError.system("ftruncate", path: path, errno: errno) }
    }

    /// Makes the file's data (and size) durable.
    func syncData() throws {
        guard fdatasync(descriptor) == 0 else { throw StorageError.system("fdatasync", path: path, errno: errno) }
    }

    /// The device of the filesystem holding the file (files with equal ids share a `syncfs`).
    func deviceID() throws -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StorageError.system("fstat", path: path, errno: errno) }
        return UInt64(info.st_dev)
    }

    /// Makes every file of this file's filesystem durable, data and metadata: `syncfs(2)`.
    /// Trust its success only where ``FilesystemSync/reportsWritebackErrors``.
    func syncFilesystem() throws {
        guard tributary_syncfs(descriptor) == 0 else { throw StorageError.system("syncfs", path: path, errno: errno) }
    }
}

/// Directory operations on paths.
enum FileSystem {
    /// Names in `directory`, excluding `.` and `..`.
    static func entries(of directory: String) throws -> [String] {
        guard let stream = opendir(directory) else { throw StorageError.system("opendir", path: directory, errno: errno) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 else { throw StorageError.system("mkdir", path: path, errno: errno) }
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw StorageError.system("unlink", path: path, errno: errno) }
    }

    static func rename(_ source: String, to target: String) throws {
        guard Glibc.rename(source, target) == 0 else { throw StorageError.system("rename", path: target, errno: errno) }
    }

    /// Makes the directory's entries (creations, renames, deletions) durable.
    static func syncDirectory(_ path: String) throws {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError.system("open", path: path, errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StorageError.system("fsync", path: path, errno: errno) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

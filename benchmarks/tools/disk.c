/* disk: the disk's limits as a log sees them, measured with plain POSIX calls.
 *
 *   disk seq-write --dir D --total-bytes N
 *       writes N bytes in 1 MiB writes to a new file, then one fsync. Prints the
 *       bandwidth of the writes alone (mostly the page cache) and of writes + fsync
 *       (what the disk sustained: the figure the limits table uses).
 *   disk append-sync --dir D --block-bytes B --duration-s S [--writers W]
 *       appends B bytes then fdatasync, again and again for S seconds, the way a
 *       log that syncs every write would. Files roll every 256 MiB (a new file,
 *       the old one removed) so the space used stays bounded. With W writers,
 *       W threads do so at once, each on its own files (as W replicas or
 *       partitions sharing one disk do). Prints syncs/s (all writers together)
 *       and the latency of each write + fdatasync.
 *
 * Files are created in --dir, which must be on the disk under test, and removed.
 */
#define _GNU_SOURCE
#include "stats.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SEQ_WRITE_BYTES = 1024 * 1024, SEGMENT_BYTES_MAX = 256 * 1024 * 1024, WRITERS_MAX = 64 };

static void usage(FILE *out) {
    fprintf(out,
            "usage: disk seq-write   --dir D --total-bytes N\n"
            "       disk append-sync --dir D --block-bytes B --duration-s S [--writers W (default 1)]\n"
            "Prints one JSON object on stdout. Files are made in D and removed.\n");
}

static char *filled_buffer(size_t bytes) {
    char *buffer = NULL;
    if (posix_memalign((void **)&buffer, 4096, bytes) != 0) die_errno("allocating");
    /* Not zeros: some virtual disks and filesystems treat zero pages specially. */
    for (size_t i = 0; i < bytes; i++) buffer[i] = (char)(i * 131 + 7);
    return buffer;
}

static int create_file(const char *dir, int writer, int segment, char *path, size_t path_capacity) {
    snprintf(path, path_capacity, "%s/disk-bench-%d-%d.tmp", dir, writer, segment);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) die_errno(path);
    return fd;
}

static void write_all(int fd, const char *buffer, size_t bytes) {
    while (bytes > 0) {
        ssize_t n = write(fd, buffer, bytes);
        if (n < 0) die_errno("write");
        buffer += n;
        bytes -= (size_t)n;
    }
}

static void seq_write(const char *dir, long long total_bytes) {
    char path[4096];
    char *buffer = filled_buffer(SEQ_WRITE_BYTES);
    int fd = create_file(dir, 0, 0, path, sizeof path);
    uint64_t start = now_ns();
    for (long long written = 0; written < total_bytes; written += SEQ_WRITE_BYTES) write_all(fd, buffer, SEQ_WRITE_BYTES);
    uint64_t written_at = now_ns();
    if (fsync(fd) != 0) die_errno("fsync");
    uint64_t synced_at = now_ns();
    close(fd);
    unlink(path);
    free(buffer);
    double write_s = (double)(written_at - start) / 1e9, total_s = (double)(synced_at - start) / 1e9;
    printf("{\"test\": \"seq-write\", \"total_bytes\": %lld, \"write_bytes\": %d, "
           "\"write_only_mb_per_s\": %.1f, \"mb_per_s\": %.1f, \"fsync_s\": %.3f, \"window_s\": %.3f}\n",
           total_bytes, SEQ_WRITE_BYTES, total_bytes / write_s / 1e6, total_bytes / total_s / 1e6,
           (double)(synced_at - written_at) / 1e9, total_s);
}

typedef struct {
    const char *dir;
    int writer;
    long long block_bytes;
    uint64_t end_ns;
    latency_log log;
    long long operations;
} append_writer;

/* One writer: its own files, write + fdatasync until the deadline. */
static void *run_append_writer(void *argument) {
    append_writer *w = argument;
    char path[4096];
    char *buffer = filled_buffer((size_t)w->block_bytes);
    int segment = 0;
    long long segment_bytes = 0;
    int fd = create_file(w->dir, w->writer, segment, path, sizeof path);
    for (uint64_t now = now_ns(); now < w->end_ns;) {
        if (segment_bytes + w->block_bytes > SEGMENT_BYTES_MAX) {
            close(fd);
            unlink(path);
            fd = create_file(w->dir, w->writer, ++segment, path, sizeof path);
            segment_bytes = 0;
        }
        uint64_t before = now_ns();
        write_all(fd, buffer, (size_t)w->block_bytes);
        if (fdatasync(fd) != 0) die_errno("fdatasync");
        now = now_ns();
        latency_log_add(&w->log, now - before);
        segment_bytes += w->block_bytes;
        w->operations++;
    }
    close(fd);
    unlink(path);
    free(buffer);
    return NULL;
}

static void append_sync(const char *dir, long long block_bytes, long long duration_s, int writers) {
    append_writer *states = calloc((size_t)writers, sizeof(append_writer));
    pthread_t *threads = calloc((size_t)writers, sizeof(pthread_t));
    if (states == NULL || threads == NULL) die_errno("allocating");
    uint64_t start = now_ns(), cpu_start = cpu_ns();
    for (int i = 0; i < writers; i++) {
        states[i] = (append_writer){dir, i, block_bytes, start + (uint64_t)duration_s * 1000000000ull, {0}, 0};
        latency_log_init(&states[i].log, 4 * 1024 * 1024);
        if (pthread_create(&threads[i], NULL, run_append_writer, &states[i]) != 0) die_errno("pthread_create");
    }
    latency_log all;
    latency_log_init(&all, (size_t)writers * 4 * 1024 * 1024);
    long long operations = 0;
    for (int i = 0; i < writers; i++) {
        pthread_join(threads[i], NULL);
        operations += states[i].operations;
        for (size_t k = 0; k < states[i].log.count; k++) latency_log_add(&all, states[i].log.samples_ns[k]);
        all.dropped_count += states[i].log.dropped_count;
        latency_log_free(&states[i].log);
    }
    double window_s = (double)(now_ns() - start) / 1e9;
    printf("{\"test\": \"append-sync\", \"value_bytes\": %lld, \"concurrency\": %d, \"window_s\": %.3f, "
           "\"records\": %lld, \"records_per_s\": %.1f, \"mb_per_s\": %.2f, \"client_cpu_percent\": %.1f, ",
           block_bytes, writers, window_s, operations, operations / window_s,
           operations * (double)block_bytes / window_s / 1e6, 100.0 * (double)(cpu_ns() - cpu_start) / 1e9 / window_s);
    latency_log_print_json_fields(&all, stdout);
    printf("}\n");
    latency_log_free(&all);
    free(states);
    free(threads);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *dir = NULL;
    long long total_bytes = 0, block_bytes = 0, duration_s = 0, writers = 1;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) { fprintf(stderr, "error: %s needs a value\n", argv[i]); return 2; }
        if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
        else if (strcmp(argv[i], "--total-bytes") == 0) total_bytes = parse_positive(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--block-bytes") == 0) block_bytes = parse_positive(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--duration-s") == 0) duration_s = parse_positive(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--writers") == 0) writers = parse_positive(argv[i], argv[i + 1]);
        else { fprintf(stderr, "error: unknown option %s\n", argv[i]); usage(stderr); return 2; }
    }
    if (dir == NULL) { usage(stderr); return 2; }
    if (strcmp(argv[1], "seq-write") == 0 && total_bytes > 0) seq_write(dir, total_bytes);
    else if (strcmp(argv[1], "append-sync") == 0 && block_bytes > 0 && duration_s > 0 && block_bytes <= SEGMENT_BYTES_MAX
             && writers <= WRITERS_MAX)
        append_sync(dir, block_bytes, duration_s, (int)writers);
    else { usage(stderr); return 2; }
    return 0;
}

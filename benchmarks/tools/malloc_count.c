/* malloc_count.so: counts a process's heap allocations, for the benchmarks' "allocations per
 * produced record". Loaded with LD_PRELOAD, it stands in front of glibc's allocator (every call
 * goes on to glibc's own __libc_* functions) and counts each malloc, calloc, realloc and aligned
 * allocation; free is not counted.
 *
 *   LD_PRELOAD=.runs/bin/malloc_count.so MALLOC_COUNT_DIR=DIR program ...
 *       every 20 ms, writes "<allocations> <CLOCK_MONOTONIC ns>\n" to DIR/<pid> (through a
 *       temporary file and a rename, so a reader never sees half a line). A reader that wants
 *       the count as of instant T waits for a line whose time is at least T.
 *   In-process: dlsym(RTLD_DEFAULT, "malloc_count_total") finds the running count.
 *
 * The count is one relaxed atomic add per allocation: enough to count, not free of cost on a
 * contended cache line, so figures measured under it are not throughput figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Atomic unsigned long long allocations;

static inline void counted(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) { counted(); return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { counted(); return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { counted(); return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { counted(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { counted(); return __libc_memalign(alignment, size); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    counted();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

/* The allocations counted so far in this process. */
unsigned long long malloc_count_total(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

static char count_path[4096];
static char temporary_path[4096 + 8];

static void *write_counts(void *unused) {
    (void)unused;
    const struct timespec period = {0, 20 * 1000 * 1000};
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        char line[64];
        int length = snprintf(line, sizeof line, "%llu %lld\n", malloc_count_total(),
                              (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
        int fd = open(temporary_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            int written = (int)write(fd, line, (size_t)length);
            close(fd);
            if (written == length) rename(temporary_path, count_path);
        }
        nanosleep(&period, NULL);
    }
    return NULL;
}

__attribute__((constructor)) static void start_writer(void) {
    const char *folder = getenv("MALLOC_COUNT_DIR");
    if (folder == NULL || folder[0] == '\0') return;
    int pid = (int)getpid();
    if (snprintf(count_path, sizeof count_path, "%s/%d", folder, pid) >= (int)sizeof count_path) return;
    snprintf(temporary_path, sizeof temporary_path, "%s/.%d.tmp", folder, pid);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_create(&thread, &attributes, write_counts, NULL);
    pthread_attr_destroy(&attributes);
}

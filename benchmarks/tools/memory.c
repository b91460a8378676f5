/* memory: the memory bandwidth a single thread gets, the ceiling for any pass over record
 * bytes (CRC32C, copying into a batch, encoding).
 *
 *   memory copy --duration-s S [--buffer-mib N (default 256)]
 *       memcpy between two N MiB buffers (far larger than the caches), again and again for
 *       S seconds. Prints MB/s copied (each byte copied is read once and written once).
 */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
    fprintf(out, "usage: memory copy --duration-s S [--buffer-mib N (default 256)]\n"
                 "Prints one JSON object on stdout.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    long long duration_s = 0, buffer_mib = 256;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) { fprintf(stderr, "error: %s needs a value\n", argv[i]); return 2; }
        if (strcmp(argv[i], "--duration-s") == 0) duration_s = parse_positive(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--buffer-mib") == 0) buffer_mib = parse_positive(argv[i], argv[i + 1]);
        else { fprintf(stderr, "error: unknown option %s\n", argv[i]); usage(stderr); return 2; }
    }
    if (strcmp(argv[1], "copy") != 0 || duration_s <= 0 || buffer_mib > 4096) { usage(stderr); return 2; }

    size_t bytes = (size_t)buffer_mib * 1024 * 1024;
    char *source = malloc(bytes), *target = malloc(bytes);
    if (source == NULL || target == NULL) die_errno("allocating the buffers");
    /* Touch every page first so that page faults are not measured. */
    memset(source, 1, bytes);
    memset(target, 2, bytes);
    long long copies = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)duration_s * 1000000000ull, now = start;
    while (now < end) {
        memcpy(target, source, bytes);
        source[copies % bytes] = (char)copies; /* the next copy is not the same work, to the compiler */
        copies++;
        now = now_ns();
    }
    double window_s = (double)(now - start) / 1e9;
    printf("{\"test\": \"copy\", \"write_bytes\": %zu, \"window_s\": %.3f, \"mb_per_s\": %.1f, \"check\": %d}\n",
           bytes, window_s, (double)copies * (double)bytes / window_s / 1e6, target[bytes / 2]);
    free(source);
    free(target);
    return 0;
}

#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t cpu_ns(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    uint64_t user = (uint64_t)usage.ru_utime.tv_sec * 1000000000ull + (uint64_t)usage.ru_utime.tv_usec * 1000ull;
    uint64_t sys = (uint64_t)usage.ru_stime.tv_sec * 1000000000ull + (uint64_t)usage.ru_stime.tv_usec * 1000ull;
    return user + sys;
}

void die_errno(const char *message) {
    fprintf(stderr, "error: %s: %s\n", message, strerror(errno));
    exit(1);
}

long long parse_positive(const char *option, const char *text) {
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value <= 0) {
        fprintf(stderr, "error: %s needs a positive integer, got '%s'\n", option, text);
        exit(2);
    }
    return value;
}

void latency_log_init(latency_log *log, size_t capacity_count) {
    log->samples_ns = malloc(capacity_count * sizeof(uint64_t));
    if (log->samples_ns == NULL) die_errno("allocating the latency log");
    log->count = 0;
    log->capacity_count = capacity_count;
    log->dropped_count = 0;
}

void latency_log_add(latency_log *log, uint64_t sample_ns) {
    if (log->count == log->capacity_count) {
        log->dropped_count++;
        return;
    }
    log->samples_ns[log->count++] = sample_ns;
}

void latency_log_free(latency_log *log) {
    free(log->samples_ns);
    log->samples_ns = NULL;
    log->count = 0;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples, in microseconds. */
static double percentile_us(const latency_log *log, double percentile) {
    size_t rank = (size_t)ceil(percentile / 100.0 * (double)log->count);
    if (rank < 1) rank = 1;
    if (rank > log->count) rank = log->count;
    return (double)log->samples_ns[rank - 1] / 1000.0;
}

void latency_log_print_json_fields(latency_log *log, FILE *out) {
    fprintf(out, "\"samples\": %zu, \"samples_dropped\": %llu, ", log->count,
            (unsigned long long)log->dropped_count);
    if (log->count == 0) {
        fprintf(out, "\"p50_us\": null, \"p99_us\": null, \"p999_us\": null, \"max_us\": null, "
                     "\"min_us\": null, \"mean_us\": null, \"cdf_us\": []");
        return;
    }
    qsort(log->samples_ns, log->count, sizeof(uint64_t), compare_u64);
    long double sum = 0;
    for (size_t i = 0; i < log->count; i++) sum += log->samples_ns[i];
    fprintf(out, "\"p50_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f, "
                 "\"min_us\": %.1f, \"mean_us\": %.1f, ",
            percentile_us(log, 50), percentile_us(log, 99), percentile_us(log, 99.9),
            (double)log->samples_ns[log->count - 1] / 1000.0, (double)log->samples_ns[0] / 1000.0,
            (double)(sum / log->count) / 1000.0);
    /* Points spaced evenly in log(1 / (1 - p)): 0, 25, 44, ... 90, 99, 99.9, 99.99, 99.999,
     * so a plot shows the tail as clearly as the median; then the maximum. */
    fprintf(out, "\"cdf_us\": [");
    const int steps_per_decade = 6, decades = 5;
    for (int step = 0; step <= steps_per_decade * decades; step++) {
        double percentile = 100.0 * (1.0 - pow(10.0, -(double)step / steps_per_decade));
        fprintf(out, "[%.4f, %.1f], ", percentile, percentile_us(log, percentile));
    }
    fprintf(out, "[100, %.1f]]", (double)log->samples_ns[log->count - 1] / 1000.0);
}

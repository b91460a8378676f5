/* Shared by the benchmark's C tools: a monotonic clock, CPU time, and an
 * exact latency log printed as the JSON fields of the common result shape
 * (see ../lib/results.py). Every sample is kept and sorted at the end, so the
 * percentiles are exact rather than bucketed; the log has a fixed capacity
 * and counts what it could not keep instead of growing without bound. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t now_ns(void);

/* User + system CPU time of this process, in nanoseconds. */
uint64_t cpu_ns(void);

typedef struct {
    uint64_t *samples_ns;
    size_t count;
    size_t capacity_count;
    uint64_t dropped_count; /* samples that arrived when the log was full */
} latency_log;

/* Allocates room for `capacity_count` samples; exits with a message if it cannot. */
void latency_log_init(latency_log *log, size_t capacity_count);
void latency_log_add(latency_log *log, uint64_t sample_ns);
void latency_log_free(latency_log *log);

/* Sorts the samples and prints `"p50_us": .., "p99_us": .., "p999_us": ..,
 * "max_us": .., "mean_us": .., "min_us": .., "samples": .., "samples_dropped": ..,
 * "cdf_us": [[percentile, latency_us], ...]` (no braces, no trailing comma),
 * for the caller to embed in its JSON object. With no samples the latency
 * fields are null. */
void latency_log_print_json_fields(latency_log *log, FILE *out);

/* Exits with `message` and errno's text. */
void die_errno(const char *message);

/* Parses a positive integer option value or exits with a message naming `option`. */
long long parse_positive(const char *option, const char *text);

#endif

/* net: loopback TCP limits, one process, a server thread and a client thread.
 *
 *   net stream --duration-s S
 *       one connection; the client writes 1 MiB buffers as fast as the kernel
 *       takes them, the server reads and counts. Prints MB/s received.
 *   net round-trip --duration-s S --message-bytes M
 *       one connection, TCP_NODELAY; the client sends M bytes and waits for the
 *       server to echo them, again and again. Prints round trips/s and the
 *       latency of each.
 *
 * Both listen on 127.0.0.1 with a port the kernel picks.
 */
#define _GNU_SOURCE
#include "stats.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { STREAM_BUFFER_BYTES = 1024 * 1024, MESSAGE_BYTES_MAX = 1024 * 1024 };

typedef struct {
    int listen_fd;
    int echo;               /* round-trip: echo each message; stream: count bytes */
    size_t message_bytes;
    long long received_bytes;
} server_state;

static void usage(FILE *out) {
    fprintf(out,
            "usage: net stream     --duration-s S\n"
            "       net round-trip --duration-s S [--message-bytes M (default 64)]\n"
            "Prints one JSON object on stdout. Uses 127.0.0.1 only.\n");
}

static int read_full(int fd, char *buffer, size_t bytes) {
    while (bytes > 0) {
        ssize_t n = read(fd, buffer, bytes);
        if (n <= 0) return -1;
        buffer += n;
        bytes -= (size_t)n;
    }
    return 0;
}

static int write_full(int fd, const char *buffer, size_t bytes) {
    while (bytes > 0) {
        ssize_t n = write(fd, buffer, bytes);
        if (n <= 0) return -1;
        buffer += n;
        bytes -= (size_t)n;
    }
    return 0;
}

static void *serve(void *argument) {
    server_state *state = argument;
    int fd = accept(state->listen_fd, NULL, NULL);
    if (fd < 0) die_errno("accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *buffer = malloc(STREAM_BUFFER_BYTES);
    if (buffer == NULL) die_errno("allocating");
    if (state->echo) {
        while (read_full(fd, buffer, state->message_bytes) == 0 && write_full(fd, buffer, state->message_bytes) == 0) {}
    } else {
        for (ssize_t n; (n = read(fd, buffer, STREAM_BUFFER_BYTES)) > 0;) state->received_bytes += n;
    }
    free(buffer);
    close(fd);
    return NULL;
}

/* Starts the server thread and returns a connected client socket. */
static int connect_pair(server_state *state, pthread_t *thread) {
    state->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (bind(state->listen_fd, (struct sockaddr *)&address, length) != 0) die_errno("bind");
    if (listen(state->listen_fd, 1) != 0) die_errno("listen");
    if (getsockname(state->listen_fd, (struct sockaddr *)&address, &length) != 0) die_errno("getsockname");
    if (pthread_create(thread, NULL, serve, state) != 0) die_errno("pthread_create");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) die_errno("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void stream(long long duration_s) {
    server_state state = {0};
    pthread_t thread;
    int fd = connect_pair(&state, &thread);
    char *buffer = malloc(STREAM_BUFFER_BYTES);
    if (buffer == NULL) die_errno("allocating");
    memset(buffer, 'x', STREAM_BUFFER_BYTES);
    uint64_t start = now_ns(), end = start + (uint64_t)duration_s * 1000000000ull;
    while (now_ns() < end) {
        if (write_full(fd, buffer, STREAM_BUFFER_BYTES) != 0) die_errno("write");
    }
    shutdown(fd, SHUT_WR);
    pthread_join(thread, NULL);
    double window_s = (double)(now_ns() - start) / 1e9;
    close(fd);
    close(state.listen_fd);
    free(buffer);
    printf("{\"test\": \"stream\", \"write_bytes\": %d, \"window_s\": %.3f, \"mb_per_s\": %.1f}\n",
           STREAM_BUFFER_BYTES, window_s, state.received_bytes / window_s / 1e6);
}

static void round_trip(long long duration_s, size_t message_bytes) {
    server_state state = {.echo = 1, .message_bytes = message_bytes};
    pthread_t thread;
    int fd = connect_pair(&state, &thread);
    char *buffer = calloc(1, message_bytes);
    if (buffer == NULL) die_errno("allocating");
    latency_log log;
    latency_log_init(&log, 16 * 1024 * 1024);
    long long round_trips = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)duration_s * 1000000000ull, now = start;
    while (now < end) {
        uint64_t before = now;
        if (write_full(fd, buffer, message_bytes) != 0 || read_full(fd, buffer, message_bytes) != 0) die_errno("round trip");
        now = now_ns();
        latency_log_add(&log, now - before);
        round_trips++;
    }
    double window_s = (double)(now - start) / 1e9;
    shutdown(fd, SHUT_WR);
    pthread_join(thread, NULL);
    close(fd);
    close(state.listen_fd);
    free(buffer);
    printf("{\"test\": \"round-trip\", \"value_bytes\": %zu, \"window_s\": %.3f, \"records\": %lld, "
           "\"records_per_s\": %.1f, ",
           message_bytes, window_s, round_trips, round_trips / window_s);
    latency_log_print_json_fields(&log, stdout);
    printf("}\n");
    latency_log_free(&log);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    long long duration_s = 0, message_bytes = 64;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) { fprintf(stderr, "error: %s needs a value\n", argv[i]); return 2; }
        if (strcmp(argv[i], "--duration-s") == 0) duration_s = parse_positive(argv[i], argv[i + 1]);
        else if (strcmp(argv[i], "--message-bytes") == 0) message_bytes = parse_positive(argv[i], argv[i + 1]);
        else { fprintf(stderr, "error: unknown option %s\n", argv[i]); usage(stderr); return 2; }
    }
    if (duration_s <= 0 || message_bytes > MESSAGE_BYTES_MAX) { usage(stderr); return 2; }
    if (strcmp(argv[1], "stream") == 0) stream(duration_s);
    else if (strcmp(argv[1], "round-trip") == 0) round_trip(duration_s, (size_t)message_bytes);
    else { usage(stderr); return 2; }
    return 0;
}

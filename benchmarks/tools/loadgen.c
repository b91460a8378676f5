/* loadgen: a closed-loop load generator for the peer systems, written in C
 * so that the client is not what limits the figures on a 2-core machine.
 *
 * It opens C connections to one loopback server; each connection keeps
 * exactly one request in flight and sends the next as soon as the answer
 * arrives, so "concurrency C" means C requests in flight, the same for every
 * system. After a warm-up it measures for a fixed time and prints one JSON
 * object: completed requests per second, exact latency percentiles of the
 * requests that completed inside the window, and the client's own CPU use.
 *
 * Protocols (one request = one record of --value-bytes):
 *   http  etcd's JSON gateway: POST /v3/kv/put {"key": k, "value": v} (base64), keep-alive
 *   resp  Redis: XADD bench MAXLEN ~ 100000 * v <value>
 *   nats  NATS JetStream publish with ack: PUB bench.<n> <inbox> <value>, ack = MSG on the inbox
 */
#define _GNU_SOURCE
#include "stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum protocol { PROTOCOL_HTTP, PROTOCOL_RESP, PROTOCOL_NATS };

enum { RECEIVE_BYTES_MAX = 64 * 1024, FIRST_ERROR_BYTES_MAX = 200, EVENTS_PER_WAIT_MAX = 256 };

typedef struct {
    enum protocol protocol;
    const char *host;
    int port;
    int connections;
    double duration_s;
    double warmup_s;
    long long value_bytes;
    const char *http_path;
    long long samples_max;
} options;

typedef struct {
    int fd;
    char *request;
    size_t request_bytes;
    size_t sent_bytes;
    char receive[RECEIVE_BYTES_MAX];
    size_t received_bytes;
    uint64_t started_ns;
    int wants_write;
} connection;

/* Outcome of parsing the front of a receive buffer. */
typedef enum { PARSE_NEED_MORE, PARSE_RESPONSE, PARSE_RESPONSE_ERROR, PARSE_SKIPPED, PARSE_FATAL } parse_kind;

typedef struct {
    parse_kind kind;
    size_t consumed_bytes;
} parse_result;

static char first_error[FIRST_ERROR_BYTES_MAX + 1];

static void remember_error(const char *bytes, size_t length) {
    if (first_error[0] != '\0') return;
    if (length > FIRST_ERROR_BYTES_MAX) length = FIRST_ERROR_BYTES_MAX;
    memcpy(first_error, bytes, length);
    first_error[length] = '\0';
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: loadgen --protocol http|resp|nats --port P [options]\n"
            "  --host A            loopback address of the server (127.x.x.x only; default 127.0.0.1)\n"
            "  --connections C     requests in flight, one per connection (default 16)\n"
            "  --duration-s S      measured seconds (default 5)\n"
            "  --warmup-s S        seconds before measuring (default 1)\n"
            "  --value-bytes N     bytes of each record's value (default 1024)\n"
            "  --http-path P       path for --protocol http (default /v3/kv/put)\n"
            "  --samples-max N     latency samples kept (default 8388608)\n"
            "Prints one JSON object on stdout.\n");
}

static options parse_options(int argc, char **argv) {
    options o = {PROTOCOL_HTTP, "127.0.0.1", 0, 16, 5, 1, 1024, "/v3/kv/put", 8 * 1024 * 1024};
    int have_protocol = 0;
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) { usage(stdout); exit(0); }
        if (i + 1 >= argc) { fprintf(stderr, "error: %s needs a value\n", name); usage(stderr); exit(2); }
        const char *value = argv[++i];
        if (strcmp(name, "--protocol") == 0) {
            have_protocol = 1;
            if (strcmp(value, "http") == 0) o.protocol = PROTOCOL_HTTP;
            else if (strcmp(value, "resp") == 0) o.protocol = PROTOCOL_RESP;
            else if (strcmp(value, "nats") == 0) o.protocol = PROTOCOL_NATS;
            else { fprintf(stderr, "error: unknown protocol '%s'\n", value); exit(2); }
        } else if (strcmp(name, "--host") == 0) o.host = value;
        else if (strcmp(name, "--port") == 0) o.port = (int)parse_positive(name, value);
        else if (strcmp(name, "--connections") == 0) o.connections = (int)parse_positive(name, value);
        else if (strcmp(name, "--duration-s") == 0) o.duration_s = (double)parse_positive(name, value);
        else if (strcmp(name, "--warmup-s") == 0) o.warmup_s = atof(value);
        else if (strcmp(name, "--value-bytes") == 0) o.value_bytes = parse_positive(name, value);
        else if (strcmp(name, "--http-path") == 0) o.http_path = value;
        else if (strcmp(name, "--samples-max") == 0) o.samples_max = parse_positive(name, value);
        else { fprintf(stderr, "error: unknown option %s\n", name); usage(stderr); exit(2); }
    }
    if (!have_protocol || o.port <= 0 || o.port > 65535) { usage(stderr); exit(2); }
    if (strncmp(o.host, "127.", 4) != 0) {
        fprintf(stderr, "error: --host must be a loopback address (127.x.x.x), got %s\n", o.host);
        exit(2);
    }
    if (o.value_bytes > 1024 * 1024 || o.connections > 10000 || o.warmup_s < 0) {
        fprintf(stderr, "error: value bytes at most 1 MiB, connections at most 10000, warm-up >= 0\n");
        exit(2);
    }
    return o;
}

static char *base64(const char *bytes, size_t length) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((length + 2) / 3) + 1);
    if (out == NULL) die_errno("allocating");
    size_t o = 0;
    for (size_t i = 0; i < length; i += 3) {
        uint32_t chunk = (uint32_t)(unsigned char)bytes[i] << 16;
        if (i + 1 < length) chunk |= (uint32_t)(unsigned char)bytes[i + 1] << 8;
        if (i + 2 < length) chunk |= (uint32_t)(unsigned char)bytes[i + 2];
        out[o++] = alphabet[(chunk >> 18) & 63];
        out[o++] = alphabet[(chunk >> 12) & 63];
        out[o++] = i + 1 < length ? alphabet[(chunk >> 6) & 63] : '=';
        out[o++] = i + 2 < length ? alphabet[chunk & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* Builds the one request a connection repeats; `index` makes keys and subjects distinct per connection. */
static char *build_request(const options *o, int index, const char *value, size_t *request_bytes) {
    char *request = NULL;
    int length = -1;
    if (o->protocol == PROTOCOL_HTTP) {
        char key[32];
        int key_bytes = snprintf(key, sizeof key, "bench-%d", index);
        char *key64 = base64(key, (size_t)key_bytes), *value64 = base64(value, (size_t)o->value_bytes);
        size_t body_bytes = strlen(key64) + strlen(value64) + strlen("{\"key\":\"\",\"value\":\"\"}");
        length = asprintf(&request,
                          "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n{\"key\":\"%s\",\"value\":\"%s\"}",
                          o->http_path, o->host, o->port, body_bytes, key64, value64);
        free(key64);
        free(value64);
    } else if (o->protocol == PROTOCOL_RESP) {
        length = asprintf(&request,
                          "*8\r\n$4\r\nXADD\r\n$5\r\nbench\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$6\r\n100000\r\n"
                          "$1\r\n*\r\n$1\r\nv\r\n$%lld\r\n%s\r\n",
                          o->value_bytes, value);
    } else {
        length = asprintf(&request, "PUB bench.%d _INBOX.bench.%d %lld\r\n%s\r\n", index, index,
                          o->value_bytes, value);
    }
    if (length < 0) die_errno("building a request");
    *request_bytes = (size_t)length;
    return request;
}

static const char *find_line_end(const char *bytes, size_t length) {
    return memmem(bytes, length, "\r\n", 2);
}

static parse_result parse_http(const char *bytes, size_t length) {
    parse_result r = {PARSE_NEED_MORE, 0};
    const char *header_end = memmem(bytes, length, "\r\n\r\n", 4);
    if (header_end == NULL) return r;
    size_t header_bytes = (size_t)(header_end - bytes) + 4;
    if (length < 12 || strncmp(bytes, "HTTP/1.", 7) != 0) {
        remember_error(bytes, length);
        r.kind = PARSE_FATAL;
        return r;
    }
    int status = atoi(bytes + 9);
    long long content_bytes = -1;
    for (const char *line = bytes; line < header_end;) {
        const char *next = find_line_end(line, (size_t)(header_end + 2 - line));
        if (strncasecmp(line, "Content-Length:", 15) == 0) content_bytes = atoll(line + 15);
        if (strncasecmp(line, "Transfer-Encoding:", 18) == 0) content_bytes = -2;
        line = next + 2;
    }
    if (content_bytes < 0) {
        remember_error(bytes, header_bytes);
        r.kind = PARSE_FATAL; /* a chunked or unframed answer: the gateway is not answering as expected */
        return r;
    }
    if (length < header_bytes + (size_t)content_bytes) return r;
    r.consumed_bytes = header_bytes + (size_t)content_bytes;
    r.kind = status == 200 ? PARSE_RESPONSE : PARSE_RESPONSE_ERROR;
    if (status != 200) remember_error(bytes, r.consumed_bytes);
    return r;
}

static parse_result parse_resp(const char *bytes, size_t length) {
    parse_result r = {PARSE_NEED_MORE, 0};
    const char *line_end = find_line_end(bytes, length);
    if (line_end == NULL) return r;
    size_t line_bytes = (size_t)(line_end - bytes) + 2;
    switch (bytes[0]) {
    case '+': case ':':
        r.kind = PARSE_RESPONSE;
        r.consumed_bytes = line_bytes;
        return r;
    case '-':
        remember_error(bytes, line_bytes);
        r.kind = PARSE_RESPONSE_ERROR;
        r.consumed_bytes = line_bytes;
        return r;
    case '$': {
        long long body_bytes = atoll(bytes + 1);
        size_t total = line_bytes + (body_bytes < 0 ? 0 : (size_t)body_bytes + 2);
        if (length < total) return r;
        r.kind = PARSE_RESPONSE;
        r.consumed_bytes = total;
        return r;
    }
    default:
        remember_error(bytes, line_bytes);
        r.kind = PARSE_FATAL;
        return r;
    }
}

/* NATS interleaves control lines (PING, INFO, +OK) with the acks; only MSG ends a request. */
static parse_result parse_nats(int fd, const char *bytes, size_t length) {
    parse_result r = {PARSE_NEED_MORE, 0};
    const char *line_end = find_line_end(bytes, length);
    if (line_end == NULL) return r;
    size_t line_bytes = (size_t)(line_end - bytes) + 2;
    if (strncmp(bytes, "MSG ", 4) == 0) {
        const char *last_space = line_end;
        while (last_space > bytes && *last_space != ' ') last_space--;
        long long payload_bytes = atoll(last_space + 1);
        size_t total = line_bytes + (size_t)payload_bytes + 2;
        if (length < total) return r;
        r.consumed_bytes = total;
        r.kind = memmem(bytes + line_bytes, (size_t)payload_bytes, "\"error\"", 7) ? PARSE_RESPONSE_ERROR
                                                                                  : PARSE_RESPONSE;
        if (r.kind == PARSE_RESPONSE_ERROR) remember_error(bytes + line_bytes, (size_t)payload_bytes);
        return r;
    }
    r.consumed_bytes = line_bytes;
    if (strncmp(bytes, "PING", 4) == 0) {
        if (write(fd, "PONG\r\n", 6) != 6) die_errno("answering a NATS PING");
        r.kind = PARSE_SKIPPED;
    } else if (strncmp(bytes, "-ERR", 4) == 0) {
        remember_error(bytes, line_bytes);
        r.kind = PARSE_FATAL;
    } else {
        r.kind = PARSE_SKIPPED; /* PONG, +OK, INFO updates */
    }
    return r;
}

static parse_result parse_response(const options *o, connection *c) {
    if (c->received_bytes == 0) return (parse_result){PARSE_NEED_MORE, 0};
    switch (o->protocol) {
    case PROTOCOL_HTTP: return parse_http(c->receive, c->received_bytes);
    case PROTOCOL_RESP: return parse_resp(c->receive, c->received_bytes);
    default: return parse_nats(c->fd, c->receive, c->received_bytes);
    }
}

static void read_line_blocking(int fd, char *line, size_t capacity) {
    size_t length = 0;
    while (length + 1 < capacity) {
        ssize_t n = read(fd, line + length, 1);
        if (n <= 0) die_errno("reading the NATS handshake");
        length++;
        if (length >= 2 && line[length - 2] == '\r' && line[length - 1] == '\n') break;
    }
    line[length] = '\0';
}

/* INFO, then CONNECT + SUB to this connection's inbox, then PING/PONG to know the SUB is in place. */
static void nats_handshake(int fd, int index) {
    char line[8192];
    read_line_blocking(fd, line, sizeof line);
    if (strncmp(line, "INFO", 4) != 0) { fprintf(stderr, "error: NATS sent '%s' before INFO\n", line); exit(1); }
    char hello[256];
    int length = snprintf(hello, sizeof hello,
                          "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":false,\"name\":\"loadgen\"}\r\n"
                          "SUB _INBOX.bench.%d %d\r\nPING\r\n", index, index + 1);
    if (write(fd, hello, (size_t)length) != length) die_errno("writing the NATS handshake");
    for (;;) {
        read_line_blocking(fd, line, sizeof line);
        if (strncmp(line, "PONG", 4) == 0) return;
        if (strncmp(line, "-ERR", 4) == 0) { fprintf(stderr, "error: NATS: %s", line); exit(1); }
    }
}

static int open_connection(const options *o, int index) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die_errno("socket");
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    if (inet_pton(AF_INET, o->host, &address.sin_addr) != 1) { fprintf(stderr, "error: bad host %s\n", o->host); exit(2); }
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) die_errno("connecting to the server");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (o->protocol == PROTOCOL_NATS) nats_handshake(fd, index);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) die_errno("fcntl");
    return fd;
}

static void watch(int epoll_fd, connection *c, int operation) {
    struct epoll_event event = {.events = EPOLLIN | (c->wants_write ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epoll_fd, operation, c->fd, &event) != 0) die_errno("epoll_ctl");
}

/* Writes what the socket takes; asks for EPOLLOUT only while a request is half sent. */
static void continue_sending(int epoll_fd, connection *c) {
    while (c->sent_bytes < c->request_bytes) {
        ssize_t n = write(c->fd, c->request + c->sent_bytes, c->request_bytes - c->sent_bytes);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) die_errno("sending a request");
        c->sent_bytes += (size_t)n;
    }
    int wants_write = c->sent_bytes < c->request_bytes;
    if (wants_write != c->wants_write) {
        c->wants_write = wants_write;
        watch(epoll_fd, c, EPOLL_CTL_MOD);
    }
}

static void start_request(int epoll_fd, connection *c) {
    c->sent_bytes = 0;
    c->started_ns = now_ns();
    continue_sending(epoll_fd, c);
}

typedef struct {
    uint64_t window_start_ns, window_end_ns, cpu_start_ns;
    int in_window;
    long long completed, errors;
} run_state;

/* Reads what is there and completes every whole response in the buffer. */
static void on_readable(const options *o, int epoll_fd, connection *c, run_state *s, latency_log *log, uint64_t end_ns) {
    for (;;) {
        ssize_t n = read(c->fd, c->receive + c->received_bytes, RECEIVE_BYTES_MAX - c->received_bytes);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) die_errno("receiving");
        if (n == 0) { fprintf(stderr, "error: the server closed a connection\n"); exit(1); }
        c->received_bytes += (size_t)n;
        for (;;) {
            parse_result r = parse_response(o, c);
            if (r.kind == PARSE_NEED_MORE) break;
            if (r.kind == PARSE_FATAL) { fprintf(stderr, "error: unexpected answer: %s\n", first_error); exit(1); }
            memmove(c->receive, c->receive + r.consumed_bytes, c->received_bytes - r.consumed_bytes);
            c->received_bytes -= r.consumed_bytes;
            if (r.kind == PARSE_SKIPPED) continue;
            uint64_t now = now_ns();
            if (s->in_window) {
                if (r.kind == PARSE_RESPONSE) { s->completed++; latency_log_add(log, now - c->started_ns); }
                else s->errors++;
            }
            if (now < end_ns) start_request(epoll_fd, c);
        }
        if (c->received_bytes == RECEIVE_BYTES_MAX) { fprintf(stderr, "error: an answer over %d bytes\n", RECEIVE_BYTES_MAX); exit(1); }
    }
}

static void print_json_string(const char *text) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    options o = parse_options(argc, argv);
    char *value = malloc((size_t)o.value_bytes + 1);
    if (value == NULL) die_errno("allocating");
    for (long long i = 0; i < o.value_bytes; i++) value[i] = (char)('a' + i % 26);
    value[o.value_bytes] = '\0';

    int epoll_fd = epoll_create1(0);
    if (epoll_fd < 0) die_errno("epoll_create1");
    connection *connections = calloc((size_t)o.connections, sizeof(connection));
    if (connections == NULL) die_errno("allocating");
    for (int i = 0; i < o.connections; i++) {
        connection *c = &connections[i];
        c->fd = open_connection(&o, i);
        c->request = build_request(&o, i, value, &c->request_bytes);
        watch(epoll_fd, c, EPOLL_CTL_ADD);
    }

    latency_log log;
    latency_log_init(&log, (size_t)o.samples_max);
    run_state s = {0};
    uint64_t start_ns = now_ns();
    uint64_t warm_end_ns = start_ns + (uint64_t)(o.warmup_s * 1e9);
    uint64_t end_ns = warm_end_ns + (uint64_t)(o.duration_s * 1e9);
    for (int i = 0; i < o.connections; i++) start_request(epoll_fd, &connections[i]);

    struct epoll_event events[EVENTS_PER_WAIT_MAX];
    for (uint64_t now = now_ns(); now < end_ns; now = now_ns()) {
        if (!s.in_window && now >= warm_end_ns) {
            s.in_window = 1;
            s.window_start_ns = now;
            s.cpu_start_ns = cpu_ns();
        }
        int ready = epoll_wait(epoll_fd, events, EVENTS_PER_WAIT_MAX, 50);
        if (ready < 0 && errno != EINTR) die_errno("epoll_wait");
        for (int i = 0; i < ready; i++) {
            connection *c = events[i].data.ptr;
            if (events[i].events & (EPOLLERR | EPOLLHUP)) { fprintf(stderr, "error: a connection failed\n"); exit(1); }
            if (events[i].events & EPOLLOUT) continue_sending(epoll_fd, c);
            if (events[i].events & EPOLLIN) on_readable(&o, epoll_fd, c, &s, &log, end_ns);
        }
    }
    s.window_end_ns = now_ns();
    uint64_t cpu_used_ns = cpu_ns() - s.cpu_start_ns;
    double window_s = (double)(s.window_end_ns - s.window_start_ns) / 1e9;

    static const char *names[] = {"http", "resp", "nats"};
    printf("{\"protocol\": \"%s\", \"concurrency\": %d, \"value_bytes\": %lld, \"window_s\": %.3f, "
           "\"records\": %lld, \"errors\": %lld, \"records_per_s\": %.1f, \"mb_per_s\": %.2f, "
           "\"client_cpu_percent\": %.1f, ",
           names[o.protocol], o.connections, o.value_bytes, window_s, s.completed, s.errors,
           s.completed / window_s, s.completed * (double)o.value_bytes / window_s / 1e6,
           100.0 * (double)cpu_used_ns / 1e9 / window_s);
    latency_log_print_json_fields(&log, stdout);
    printf(", \"first_error\": ");
    print_json_string(first_error);
    printf("}\n");
    for (int i = 0; i < o.connections; i++) { close(connections[i].fd); free(connections[i].request); }
    latency_log_free(&log);
    free(connections);
    free(value);
    return 0;
}

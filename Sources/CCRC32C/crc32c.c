// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as Kafka record batches and our own
// frames use it. Hardware path: SSE4.2 crc32 instruction, three interleaved streams so the
// instruction's 3-cycle latency is hidden; streams are joined with a GF(2) shift table.
#include "crc32c.h"
#include <string.h>
#include <pthread.h>

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[k][n] = c;
        }
    }
}

static uint32_t extend_portable_raw(uint32_t c, const uint8_t *p, size_t n) {
    while (n && ((uintptr_t)p & 7)) { c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8); n--; }
    while (n >= 8) {
        uint64_t w; memcpy(&w, p, 8);
        w ^= c;
        c = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
            table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
            table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8; n -= 8;
    }
    while (n--) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c;
}

uint32_t tributary_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length) {
    pthread_once(&table_once, build_table);
    return ~extend_portable_raw(~crc, (const uint8_t *)bytes, length);
}

#if defined(__x86_64__)
#include <nmmintrin.h>

// Blocks of this many bytes per stream; the shift table below moves a CRC across one block.
#define STREAM_BYTES 4096u

// shift[k][b]: the CRC contribution of byte value b followed by STREAM_BYTES*... zeros, as four
// byte-lane tables, so a CRC can be advanced over STREAM_BYTES zero bytes in four lookups.
static uint32_t shift1[4][256];  // advance over STREAM_BYTES zero bytes
static uint32_t shift2[4][256];  // advance over 2 * STREAM_BYTES zero bytes
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

// Multiplies two polynomials modulo POLY (reflected representation).
static uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (a & 0x80000000u) product ^= b;
        a <<= 1;
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return product;
}

// x^(8*bytes) mod POLY, the operator that appends `bytes` zero bytes to a raw CRC.
static uint32_t zeros_operator(size_t bytes) {
    uint32_t result = 0x80000000u;  // x^0
    uint32_t power = 0x00800000u;   // x^8: one zero byte
    while (bytes) {
        if (bytes & 1) result = gf2_multiply(result, power);
        power = gf2_multiply(power, power);
        bytes >>= 1;
    }
    return result;
}

static void build_shift_tables(void) {
    uint32_t op1 = zeros_operator(STREAM_BYTES), op2 = zeros_operator(2 * STREAM_BYTES);
    for (int lane = 0; lane < 4; lane++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t v = b << (8 * lane);
            shift1[lane][b] = gf2_multiply(v, op1);
            shift2[lane][b] = gf2_multiply(v, op2);
        }
    }
}

static inline uint32_t apply_shift(uint32_t (*t)[256], uint32_t c) {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

__attribute__((target("sse4.2")))
static uint32_t extend_hardware_raw(uint32_t c, const uint8_t *p, size_t n) {
    while (n && ((uintptr_t)p & 7)) { c = _mm_crc32_u8(c, *p++); n--; }
    while (n >= 3 * STREAM_BYTES) {
        uint64_t c0 = c, c1 = 0, c2 = 0;
        const uint8_t *p1 = p + STREAM_BYTES, *p2 = p + 2 * STREAM_BYTES;
        for (size_t i = 0; i < STREAM_BYTES; i += 8) {
            uint64_t w0, w1, w2;
            memcpy(&w0, p + i, 8); memcpy(&w1, p1 + i, 8); memcpy(&w2, p2 + i, 8);
            c0 = _mm_crc32_u64(c0, w0); c1 = _mm_crc32_u64(c1, w1); c2 = _mm_crc32_u64(c2, w2);
        }
        c = apply_shift(shift2, (uint32_t)c0) ^ apply_shift(shift1, (uint32_t)c1) ^ (uint32_t)c2;
        p += 3 * STREAM_BYTES; n -= 3 * STREAM_BYTES;
    }
    uint64_t c64 = c;
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c64 = _mm_crc32_u64(c64, w); p += 8; n -= 8; }
    c = (uint32_t)c64;
    while (n--) c = _mm_crc32_u8(c, *p++);
    return c;
}

static int hardware_available(void) { return __builtin_cpu_supports("sse4.2"); }

int tributary_crc32c_is_hardware_accelerated(void) { return hardware_available(); }

uint32_t tributary_crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
    if (hardware_available()) {
        pthread_once(&shift_once, build_shift_tables);
        return ~extend_hardware_raw(~crc, (const uint8_t *)bytes, length);
    }
    return tributary_crc32c_extend_portable(crc, bytes, length);
}
#else
int tributary_crc32c_is_hardware_accelerated(void) { return 0; }

uint32_t tributary_crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
    return tributary_crc32c_extend_portable(crc, bytes, length);
}
#endif

#ifndef TRIBUTARY_CRC32C_H
#define TRIBUTARY_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// Extends a CRC32C (Castagnoli) over `length` bytes. Start with crc = 0.
/// Uses the SSE4.2 instruction when the CPU has it, a slicing-by-8 table otherwise.
uint32_t tributary_crc32c_extend(uint32_t crc, const void *bytes, size_t length);

/// The portable slicing-by-8 implementation, exposed so tests can compare both paths.
uint32_t tributary_crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length);

/// 1 when the hardware path is in use on this CPU, 0 otherwise.
int tributary_crc32c_is_hardware_accelerated(void);

#endif

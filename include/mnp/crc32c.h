/*
 * CRC-32C (Castagnoli), the checksum of mnp's file formats. Uses the SSE4.2 instruction where the
 * processor has it and a table otherwise; both give the same result.
 */
#ifndef MNP_CRC32C_H
#define MNP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over len bytes of data. crc32c("123456789") == 0xE3069283. */
uint32_t mnp_crc32c(uint32_t crc, const void *data, size_t len);

/* The same checksum, always computed by the portable table code, whatever the processor has.
 * For tests (both paths must agree) and benchmarks; programs call mnp_crc32c. */
uint32_t mnp_crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif

/*
 * CRC-32C (Castagnoli), checksumming mnp files of hundreds of megabytes, so speed matters.
 * Two implementations give identical results: a portable slicing-by-8 table walk (8 bytes per
 * step), and on x86-64 with SSE4.2 the crc32 instruction run on three independent streams at
 * once, which hides the instruction's 3-cycle latency; the three partial CRCs are then merged
 * with precomputed "append n zero bytes" tables. The choice is made once, at first use.
 */
#include "mnp/crc32c.h"

#include <pthread.h>
#include <string.h>

/* The reflected Castagnoli polynomial. */
#define CRC32C_POLY 0x82F63B78u

/* sw_table[k][b]: the CRC register contribution of byte b followed by k zero bytes. */
static uint32_t sw_table[8][256];

typedef uint32_t (*crc_fn)(uint32_t, const unsigned char *, size_t);
static crc_fn crc_impl;
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static inline uint32_t load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Register-level CRC (no pre/post inversion) over len bytes, slicing by 8. */
static uint32_t crc_sw_raw(uint32_t crc, const unsigned char *p, size_t len)
{
    while (len >= 8) {
        uint32_t lo = load_le32(p) ^ crc;
        uint32_t hi = load_le32(p + 4);
        crc = sw_table[7][lo & 0xff] ^ sw_table[6][(lo >> 8) & 0xff] ^
              sw_table[5][(lo >> 16) & 0xff] ^ sw_table[4][lo >> 24] ^ sw_table[3][hi & 0xff] ^
              sw_table[2][(hi >> 8) & 0xff] ^ sw_table[1][(hi >> 16) & 0xff] ^
              sw_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = sw_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

static void sw_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++)
            c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        sw_table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            sw_table[k][b] = sw_table[0][sw_table[k - 1][b] & 0xff] ^ (sw_table[k - 1][b] >> 8);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_HAVE_HW 1
#include <nmmintrin.h>

/* Stream lengths for the three-way interleave: long blocks for bulk data, short ones so that
 * mid-sized buffers (a few KiB) also benefit. */
#define HW_LONG  8192
#define HW_SHORT 256

/* shift_long[k][b] maps a register value to its value after HW_LONG zero bytes, one byte lane
 * (k) at a time; the map is linear over GF(2), so the four lookups XOR together. */
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

/* a * b modulo the polynomial, in the reflected bit order (bit 31 is x^0). */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
    uint32_t prod = 0;
    for (uint32_t bit = 0x80000000u; bit != 0; bit >>= 1) {
        if (a & bit)
            prod ^= b;
        b = (b & 1) ? (b >> 1) ^ CRC32C_POLY : b >> 1; /* b *= x */
    }
    return prod;
}

/* x^(8 * nbytes) modulo the polynomial: the factor that appending nbytes zero bytes applies. */
static uint32_t gf2_xpow_bytes(size_t nbytes)
{
    uint32_t p = 0x80000000u; /* x^0 */
    for (size_t i = 0; i < 8 * nbytes; i++)
        p = (p & 1) ? (p >> 1) ^ CRC32C_POLY : p >> 1;
    return p;
}

static void shift_init(uint32_t table[4][256], size_t nbytes)
{
    uint32_t factor = gf2_xpow_bytes(nbytes);
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++)
            table[k][b] = gf2_mulmod(factor, b << (8 * k));
}

static inline uint32_t shift_apply(uint32_t table[4][256], uint32_t crc)
{
    return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
           table[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static inline uint64_t hw_step(uint64_t crc,
                                                                 const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return _mm_crc32_u64(crc, v);
}

/* Three streams of block bytes each: p[0, block), p[block, 2 block), p[2 block, 3 block). */
__attribute__((target("sse4.2"))) static uint32_t hw_triple(uint32_t crc, const unsigned char *p,
                                                            size_t block, uint32_t shift[4][256])
{
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    const unsigned char *end = p + block;
    for (; p < end; p += 8) {
        c0 = hw_step(c0, p);
        c1 = hw_step(c1, p + block);
        c2 = hw_step(c2, p + 2 * block);
    }
    /* crc(A B) = shift(crc(A), |B|) ^ crc0(B), where crc0 starts from a zero register. */
    uint32_t r = shift_apply(shift, (uint32_t)c0) ^ (uint32_t)c1;
    return shift_apply(shift, r) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw_raw(uint32_t crc, const unsigned char *p,
                                                             size_t len)
{
    while (len >= 3 * HW_LONG) {
        crc = hw_triple(crc, p, HW_LONG, shift_long);
        p += 3 * HW_LONG;
        len -= 3 * HW_LONG;
    }
    while (len >= 3 * HW_SHORT) {
        crc = hw_triple(crc, p, HW_SHORT, shift_short);
        p += 3 * HW_SHORT;
        len -= 3 * HW_SHORT;
    }
    uint64_t c = crc;
    for (; len >= 8; p += 8, len -= 8)
        c = hw_step(c, p);
    crc = (uint32_t)c;
    for (; len > 0; p++, len--)
        crc = _mm_crc32_u8(crc, *p);
    return crc;
}
#endif

static void crc_init(void)
{
    sw_init();
    crc_impl = crc_sw_raw;
#ifdef CRC32C_HAVE_HW
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) {
        shift_init(shift_long, HW_LONG);
        shift_init(shift_short, HW_SHORT);
        crc_impl = crc_hw_raw;
    }
#endif
}

uint32_t mnp_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc_once, crc_init);
    return ~crc_impl(~crc, data, len);
}

uint32_t mnp_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc_once, crc_init);
    return ~crc_sw_raw(~crc, data, len);
}

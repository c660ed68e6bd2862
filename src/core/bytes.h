/* bytes.h — big-endian fixed-width integers in and out of a byte array, the
 * byte order of every hash input and key of the protocol (codec.h encodes the
 * same order into a growing buffer). Header-only: no allocation, no state. */
#ifndef CPC_CORE_BYTES_H
#define CPC_CORE_BYTES_H

#include <stdint.h>

static inline void cpc_put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t cpc_get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void cpc_put_u64be(uint8_t *p, uint64_t v)
{
    cpc_put_u32be(p, (uint32_t)(v >> 32));
    cpc_put_u32be(p + 4, (uint32_t)v);
}

static inline uint64_t cpc_get_u64be(const uint8_t *p)
{
    return (uint64_t)cpc_get_u32be(p) << 32 | cpc_get_u32be(p + 4);
}

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef IMAGUARD_SIPHASH_H
#define IMAGUARD_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash (Aumasson and Bernstein) with a 128-bit key: 1-3 keys the hash
 * tables (util/hashtab, the pipeline's first-sighting set); 2-4, the
 * reference form, proves the code on the published test vectors. */
uint64_t siphash_1_3(const uint8_t key[16], const void *data, size_t len);
uint64_t siphash_2_4(const uint8_t key[16], const void *data, size_t len);

#endif

/*
 * hash - the exact hash functions Kafka producers partition with, key
 * encodings of Kafka's serializers, and a fixed 64-bit hash for tables and
 * sketches.
 */
#ifndef PK_HASH_H
#define PK_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Kafka's Utils.murmur2 (Java producer's default partitioner, librdkafka's
 * "murmur2" and "murmur2_random"): MurmurHash2 with seed 0x9747b28c, the
 * key read as little-endian 32-bit words, Kafka's tail handling. Returned
 * as uint32_t; Kafka prints the same bits as a signed int.
 */
uint32_t pk_murmur2(const void *key, size_t n);

/*
 * FNV-1a 32-bit as librdkafka's rd_fnv1a computes it: the signed result is
 * replaced by its absolute value (Sarama's NewHashPartitioner does this),
 * so 0x80000000 stays 0x80000000.
 */
uint32_t pk_fnv1a(const void *key, size_t n);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32 and librdkafka's rd_crc32). */
uint32_t pk_crc32(const void *key, size_t n);

/*
 * Partition of a key among partitions (> 0) as a producer chooses it:
 *   murmur2: (murmur2 & 0x7fffffff) % partitions (Java's toPositive;
 *            librdkafka murmur2 and murmur2_random for a non-null key);
 *   fnv1a:   fnv1a % partitions, unsigned (librdkafka fnv1a, fnv1a_random
 *            for a non-null key, Sarama's default hash partitioner);
 *   crc32:   crc32 % partitions, unsigned (librdkafka consistent, and
 *            consistent_random for a key of non-zero length).
 * A NULL key with n == 0 is hashed as the empty key. partitions <= 0
 * returns -1.
 */
int32_t pk_partition_murmur2(const void *key, size_t n, int32_t partitions);
int32_t pk_partition_fnv1a(const void *key, size_t n, int32_t partitions);
int32_t pk_partition_crc32(const void *key, size_t n, int32_t partitions);

/*
 * Key bytes of Kafka's IntegerSerializer / LongSerializer (and Spring's
 * kafka_dlt-original-partition / -offset headers): two's complement,
 * big-endian. The get functions read what the put functions write.
 */
void pk_be32_put(unsigned char out[4], int32_t v);
void pk_be64_put(unsigned char out[8], int64_t v);
int32_t pk_be32_get(const unsigned char in[4]);
int64_t pk_be64_get(const unsigned char in[8]);

/*
 * A fast 64-bit hash for hash tables and sketches: XXH64 (Yann Collet's
 * xxHash, 64-bit variant, BSD-2-Clause design, implemented here from its
 * specification). Its value for given bytes and seed is fixed forever:
 * saved sketches (HyperLogLog registers in winagg state files) depend on
 * it, and the unit tests pin it against the reference xxhsum output.
 */
uint64_t pk_hash64(const void *p, size_t n, uint64_t seed);

#endif

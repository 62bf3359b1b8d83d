// The key hash used by the hash table and the item lock stripes.
#ifndef MEMCD_BASE_HASH_H_
#define MEMCD_BASE_HASH_H_

#include <cstdint>
#include <string_view>

namespace memcd {

// A fast, well-mixed 32-bit hash of `key` (MurmurHash3, x86_32, seed 0).
uint32_t HashKey(std::string_view key);

// MurmurHash3 x86_32 with an explicit seed; HashKey(k) == MurmurHash3(k, 0).
uint32_t MurmurHash3(std::string_view data, uint32_t seed);

}  // namespace memcd

#endif  // MEMCD_BASE_HASH_H_

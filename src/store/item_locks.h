// Striped item locks: one mutex per stripe of key hashes. Holding the stripe
// lock of a key's hash guards that key's hash bucket, the hash-chain links of
// the items in it, and the mutable fields of those items (exptime, time,
// flags, value bytes written in place).
//
// Lock order: item lock -> LRU lock -> slab lock. Code that holds an LRU lock
// must only TryLock item locks.
#ifndef MEMCD_STORE_ITEM_LOCKS_H_
#define MEMCD_STORE_ITEM_LOCKS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace memcd {

class ItemLocks {
 public:
  // As memcached's item_lock_hashpower: 2^10 stripes for up to 2 worker
  // threads, one power more per thread up to 2^13 from 5. Fewer threads
  // collide less, and a small array stays in cache: at 2^12 stripes
  // (160 KiB of mutexes) one lookup in two missed the last-level cache
  // in callgrind's model of a 1 MiB cache.
  static int PowerForThreads(int threads) {
    return threads < 3 ? 10 : threads < 5 ? threads + 8 : 13;
  }

  // 2^min(PowerForThreads(threads), hashpower) stripes, so that a hash
  // bucket never spans two stripes.
  ItemLocks(int hashpower, int threads)
      : power_(std::min(hashpower, PowerForThreads(threads))),
        mutexes_(new std::mutex[size_t{1} << power_]) {}
  ItemLocks(const ItemLocks&) = delete;
  ItemLocks& operator=(const ItemLocks&) = delete;

  size_t StripeOf(uint32_t hash) const {
    return hash & ((size_t{1} << power_) - 1);
  }
  std::mutex& ForStripe(size_t stripe) { return mutexes_[stripe]; }
  std::mutex& ForHash(uint32_t hash) { return mutexes_[StripeOf(hash)]; }
  size_t stripe_count() const { return size_t{1} << power_; }

 private:
  const int power_;
  std::unique_ptr<std::mutex[]> mutexes_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_ITEM_LOCKS_H_

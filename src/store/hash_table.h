// The key -> item index: 2^hashpower buckets of 32-bit item ids, chained
// through Item::h_next, which doubles online (memcached's assoc.c scheme).
//
// Not internally locked: Find/Insert/Remove/Replace REQUIRE the item lock of
// the key's stripe (ItemLocks). The stripe count is fixed and never above the
// initial bucket count, so every key of a bucket, and after a doubling both
// of the new buckets b and b + old_size, stay in the stripe of b.
//
// Growth (driven by one thread, HashExpander): StartExpansion() publishes a
// doubled array; do_MigrateBucket(b), under the stripe lock of b, moves old
// bucket b and advances the migration cursor; FinishExpansion() frees the old
// array. Meanwhile a key whose old bucket is below the cursor lives in the
// new array, the others in the old one. Power, expanding bit and cursor are
// one atomic word, so a reader never sees a mix of two states.
#ifndef MEMCD_STORE_HASH_TABLE_H_
#define MEMCD_STORE_HASH_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "store/arena.h"
#include "store/item.h"
#include "store/size_histogram.h"

namespace memcd {

class HashTable {
 public:
  // Growth stops at 2^30 buckets (a 4 GiB array). It is the most the store
  // can need: growing past it takes over 1.6 G items, and the largest arena
  // (32 GiB, 32-bit ids) holds at most 859 M of the smallest, 40-byte chunks.
  // memcached stops at 32 (with 8-byte buckets).
  static constexpr int kMaxGrowthPower = 30;

  // `arena` is borrowed; every item linked here lives in it. The table grows
  // no further than 2^max_power buckets (tests lower it).
  HashTable(int hashpower, const Arena* arena,
            int max_power = kMaxGrowthPower);
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;

  // All REQUIRE the item lock for `hash`.
  Item* Find(std::string_view key, uint32_t hash) const;
  // REQUIRES: no item with the same key is in the table.
  void Insert(Item* item, uint32_t hash);
  // Removes `item`; false (a bug in the caller) when it was not there.
  bool Remove(const Item* item, uint32_t hash);
  // Whether `item` is in the table, under `hash`. Never reads `item`
  // itself, which may be any chunk.
  bool Contains(const Item* item, uint32_t hash) const {
    return FindLink(item, hash) != nullptr;
  }
  // Cache hints for a batch of lookups, so that their misses overlap.
  // PrefetchBucket needs no lock: it reads only atomics and hands the
  // bucket's address (which may be stale) to the CPU's prefetch, which
  // never faults. PrefetchChain REQUIRES the item lock for `hash`: it reads
  // the bucket and prefetches the first item of its chain.
  void PrefetchBucket(uint32_t hash) const;
  void PrefetchChain(uint32_t hash) const;
  // Puts `new_item` where `old_item` was. REQUIRES: same key, old present.
  void Replace(const Item* old_item, Item* new_item, uint32_t hash);
  // -o track_sizes: every item inserted, removed or replaced from now on is
  // counted in `sizes` (borrowed; outlives the table). Set before use.
  void set_size_histogram(SizeHistogram* sizes) { sizes_ = sizes; }

  // Lock-free snapshots. While expanding, hashpower() is the new power and
  // bytes() counts both arrays (as memcached's hash_bytes).
  int hashpower() const { return Decode(state_.load(kAcquire)).power; }
  size_t bucket_count() const { return size_t{1} << hashpower(); }
  size_t bytes() const;
  bool is_expanding() const { return Decode(state_.load(kAcquire)).expanding; }
  uint64_t item_count() const { return items_.load(std::memory_order_relaxed); }
  // memcached's rule: more items than 1.5 per bucket, not expanding already,
  // and growth still possible (below max_power, no failed allocation).
  bool WantsToGrow() const;

  // --- Growth: one thread only (the expander) calls these. ---
  // Allocates and publishes the doubled array. False, and the table stops
  // asking to grow, at max_power or when the allocation fails.
  bool StartExpansion();
  // Buckets of the array being migrated; 0 when not expanding.
  size_t old_bucket_count() const;
  // Moves old bucket `b` (the next one: 0, 1, ...) into the new array.
  // REQUIRES: expanding, and the item lock of stripe b (ItemLocks::StripeOf).
  void do_MigrateBucket(size_t b);
  // REQUIRES: every old bucket migrated. Frees the old array.
  void FinishExpansion();

 private:
  static constexpr std::memory_order kAcquire = std::memory_order_acquire;
  // state_ layout: cursor in bits 0..39, power in 40..47, expanding bit 48.
  struct State {
    int power;        // of the newest array
    bool expanding;   // the array of power - 1 still holds buckets >= cursor
    size_t cursor;    // old buckets [0, cursor) have been migrated
  };
  static uint64_t Encode(const State& s);
  static State Decode(uint64_t word);
  static size_t Mask(int power) { return (size_t{1} << power) - 1; }

  // The array of 2^power buckets; two slots suffice since at most the
  // powers p and p - 1 are alive at once.
  ItemId* Array(int power) const { return arrays_[power & 1].get(); }
  ItemId* BucketFor(uint32_t hash) const;
  // The link that points at `item` in its chain, or nullptr.
  ItemId* FindLink(const Item* item, uint32_t hash) const;

  const Arena* const arena_;
  const int max_power_;
  SizeHistogram* sizes_ = nullptr;  // may be null
  // Written only by the growth thread, release; read acquire, by readers
  // under a stripe lock (which orders them against that bucket's migration).
  std::atomic<uint64_t> state_;
  // Slot writes happen before the state_ store that makes them reachable
  // (new array) or after the last reader could reach them (old array).
  std::unique_ptr<ItemId[]> arrays_[2];
  // arrays_[i].get(), for PrefetchBucket's lock-free address computation.
  std::atomic<ItemId*> published_[2] = {};
  // Linked items; relaxed, a trigger only. Written by every insert and
  // remove, so on a line of its own: beside state_ and the arrays, which
  // every lookup reads, each set made the other workers miss on them.
  alignas(64) std::atomic<uint64_t> items_{0};
  alignas(64) std::atomic<bool> growth_stopped_{false};  // max power or out of memory
};

}  // namespace memcd

#endif  // MEMCD_STORE_HASH_TABLE_H_

// Store's internals: the pieces (arena, slabs, hash table, item locks, LRUs,
// flush state) and the operations on them. Split over store_impl.cc (lookups,
// linking, stats) and store_update.cc (allocation, eviction, StoreItem,
// Arith). Internal to src/store.
#ifndef MEMCD_STORE_STORE_IMPL_H_
#define MEMCD_STORE_STORE_IMPL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "store/arena.h"
#include "store/flush_state.h"
#include "store/hash_table.h"
#include "store/item.h"
#include "store/item_locks.h"
#include "store/lru.h"
#include "store/slab_allocator.h"
#include "store/store.h"

namespace memcd {

class Store::Impl {
 public:
  Impl(Store* owner, const StoreOptions& options, const Clock* clock);
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  AllocResult Allocate(std::string_view key, uint32_t client_flags,
                       RelTime exptime, uint32_t value_length, ItemRef* out);
  StoreResult StoreItem(Item* item, StoreMode mode, uint64_t cas_in,
                        uint64_t* cas_out);
  // Get, and with `touch` also set a new exptime.
  ItemRef Get(std::string_view key, bool touch, RelTime exptime);
  bool Touch(std::string_view key, RelTime exptime);
  bool Delete(std::string_view key);
  ArithResult Arith(std::string_view key, bool incr, uint64_t delta,
                    uint64_t* value_out, uint64_t* cas_out);
  void FlushAll(RelTime when);
  void GetStats(StoreStats* out) const;
  void GetSlabStats(std::vector<SlabClassStats>* out) const;
  void Release(Item* item);

 private:
  // An item is bumped to its LRU head at most this often (memcached's
  // ITEM_UPDATE_INTERVAL), which keeps hot keys off the LRU lock.
  static constexpr RelTime kUpdateInterval = 60;
  // Items looked at from an LRU tail before giving up (memcached's 5).
  static constexpr int kTailSearch = 5;
  // Recently read items found at the tail get a second chance (moved to the
  // head) instead of being evicted; at most this many per allocation.
  static constexpr int kMaxSecondChances = 50;
  // "No item lock held" for the allocation path.
  static constexpr size_t kNoStripe = ~size_t{0};

  LruList& lru(int cls) const { return *lrus_[cls]; }
  uint64_t NextCas() {
    return cas_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  // Gives the item a new CAS and returns it; 0 (and no id used) with -C.
  uint64_t StampCas(Item* item) {
    if (!options_.use_cas) return 0;
    const uint64_t cas = NextCas();
    item->set_cas(cas);
    return cas;
  }

  // --- store_update.cc ---
  // A fresh unlinked item holding one reference (the caller's), with key,
  // flags, exptime and value length set, or nullptr with *result saying why.
  // `held_stripe` is the item lock the caller holds (or kNoStripe): eviction
  // must not try to lock it again.
  Item* NewItem(std::string_view key, uint32_t client_flags, RelTime exptime,
                uint32_t value_length, size_t held_stripe, AllocResult* result);
  // Reuses an expired, flushed or (when allowed) the least recently used item
  // of class `cls`, unlinked and holding one reference, or nullptr.
  Item* PullTail(int cls, size_t held_stripe);

  // --- store_impl.cc; all REQUIRE the item lock for `hash` ---
  // The live item for `key`; a dead one is unlinked and counted.
  Item* do_FindLive(std::string_view key, uint32_t hash);
  // Stamps a new CAS and time, then adds the item to the table and its LRU.
  void do_Link(Item* item, uint32_t hash);
  // Removes the item from the table and its LRU and drops the link's
  // reference.
  void do_Unlink(Item* item, uint32_t hash);
  // do_Link(new_item) in old_item's place, then drops old_item as do_Unlink.
  void do_Replace(Item* old_item, Item* new_item, uint32_t hash);
  // Updates the access time, moving the item to its LRU head when it has
  // not moved for kUpdateInterval.
  void do_Bump(Item* item);
  // Whether `item` is expired or flushed at `now`.
  bool IsDead(const Item& item, RelTime now, bool* flushed) const;

  Store* const owner_;
  const StoreOptions options_;
  const Clock* const clock_;
  Arena arena_;
  SlabAllocator slabs_;
  HashTable table_;  // item locks
  ItemLocks locks_;
  std::vector<std::unique_ptr<LruList>> lrus_;  // index = class id; [0] unused
  FlushState flush_;
  std::atomic<uint64_t> cas_{0};  // last CAS handed out; relaxed: only unique
  std::atomic<uint64_t> get_expired_{0};  // relaxed counters
  std::atomic<uint64_t> get_flushed_{0};
};

}  // namespace memcd

#endif  // MEMCD_STORE_STORE_IMPL_H_

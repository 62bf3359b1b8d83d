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
#include <mutex>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "store/arena.h"
#include "store/background_thread.h"
#include "store/flush_state.h"
#include "store/hash_expander.h"
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

  // --- store_lru.cc ---
  int LruMaintainerPass();
  Store::LruTuneResult TuneLru(uint32_t hot_pct, uint32_t warm_pct,
                               double hot_max_factor, double warm_max_factor);
  void SetLruSegmented(bool segmented);
  void SetLruTempTtl(int32_t ttl);
  bool lru_temp_enabled() const {
    return tuning_.temp_lru.load(std::memory_order_relaxed);
  }
  // Starts the maintainer thread when the options ask for it. Called last
  // in the constructor.
  void StartLruMaintainer();

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

  LruList& lru(int cls, LruSegment segment) const {
    return *lrus_[cls * kNumLruSegments + segment];
  }
  // The list a linked item is in. REQUIRES its item lock.
  LruList& lru_of(const Item& item) const {
    return lru(item.slab_class, SegmentOf(item));
  }
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

  // --- store_chunks.cc: large items (store/chunked_item.h) ---
  // A free chunk of class `cls`, evicting by PullTail's rules when there is
  // none; nullptr when nothing can be had.
  void* AllocChunk(int cls, size_t held_stripe);
  // Gives `item` (flagged kItemChunked, its own chunk of `header_class`)
  // chunks for `value_length` bytes. False, with every chunk it took
  // returned, when memory runs out.
  bool AttachChunks(Item* item, uint32_t value_length, int header_class,
                    size_t held_stripe);
  // Returns an unreferenced item's chunk, and a chunked item's whole chain,
  // to the slab allocator.
  void FreeItemMemory(Item* item);

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
  // --- store_lru.cc; the do_ ones REQUIRE the item's lock ---
  // An update that is not a read (refused add, arith): flat, moves the item
  // to its LRU head when it has not moved for kUpdateInterval; segmented,
  // an ACTIVE COLD item goes to WARM, any other just gets a new time.
  void do_Bump(Item* item);
  // A read (get, touch): sets FETCHED, then ACTIVE on the next read; an
  // ACTIVE item in COLD moves to WARM (queued for the maintainer when its
  // thread runs, as memcached's lru_bump_async). Flat: FETCHED + do_Bump.
  void do_Fetch(Item* item);
  // Links into the segment a new item enters (HOT, TEMP, or COLD when flat)
  // and counts total_items; unlinks from the item's segment.
  void do_LruLink(Item* item);
  void do_LruUnlink(Item* item);
  // Moves a linked item to the head of another segment of its class.
  // REQUIRES no LRU lock held.
  void do_MoveToSegment(Item* item, LruSegment to);
  // memcached's lru_pull_tail on one segment: looks at up to kTailSearch
  // tail items, reclaiming dead ones, moving HOT/WARM items over their
  // byte share (of `total_bytes`) or older than `max_age` to COLD (WARM if
  // ACTIVE), ACTIVE COLD items to WARM. With `out` (allocation) the COLD
  // tail is evicted if allowed, and the first reclaimed or evicted item is
  // handed over in *out, unlinked and holding one reference. Returns the
  // items moved, reclaimed or evicted.
  int PullSegmentTail(int cls, LruSegment segment, uint64_t total_bytes,
                      RelTime max_age, size_t held_stripe, Item** out);
  // The flat LRU's eviction (the second-chance rule) for PullTail.
  Item* PullTailFlat(int cls, size_t held_stripe);
  // memcached's lru_maintainer_juggle for one class.
  int Juggle(int cls);
  // Applies the queued COLD->WARM bumps.
  int ProcessBumps();
  // The class's counters summed over its segments.
  LruCounters SumLruCounters(int cls) const;
  // Fills the LRU fields of a class's stats.
  void AddLruClassStats(int cls, RelTime now, SlabClassStats* s) const;
  // Whether `item` is expired or flushed at `now`.
  bool IsDead(const Item& item, RelTime now, bool* flushed) const;

  Store* const owner_;
  const StoreOptions options_;
  const Clock* const clock_;
  Arena arena_;
  SlabAllocator slabs_;
  HashTable table_;  // item locks
  ItemLocks locks_;
  HashExpander expander_;  // after table_ and locks_: stopped before them
  std::vector<std::unique_ptr<LruList>> lrus_;  // index = class id; [0] unused
  FlushState flush_;
  std::atomic<uint64_t> cas_{0};  // last CAS handed out; relaxed: only unique
  std::atomic<uint64_t> get_expired_{0};  // relaxed counters
  std::atomic<uint64_t> get_flushed_{0};

  // Segmented LRU state (store_lru.cc).
  static constexpr size_t kMaxQueuedBumps = 4096;
  LruTuning tuning_;
  std::mutex bump_mu_;         // guards bumps_
  std::vector<Item*> bumps_;   // ACTIVE COLD items, one reference each
  std::atomic<uint64_t> lru_maintainer_juggles_{0};  // relaxed counters
  std::atomic<uint64_t> lru_bumps_dropped_{0};
  // Declared last so that it is destroyed (stopped) first.
  std::unique_ptr<BackgroundThread> lru_maintainer_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_STORE_IMPL_H_

// Store's internals: the pieces (arena, slabs, hash table, item locks, LRUs,
// flush state) and the operations on them. Split over store_impl.cc (lookups,
// linking, stats) and store_update.cc (allocation, eviction, StoreItem,
// Arith). Internal to src/store.
#ifndef MEMCD_STORE_STORE_IMPL_H_
#define MEMCD_STORE_STORE_IMPL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
#include "store/lru_crawler.h"
#include "store/size_histogram.h"
#include "store/slab_allocator.h"
#include "store/store.h"

namespace memcd {

class Store::Impl {
 public:
  // The crawler walks the lists and reclaims like PullSegmentTail.
  friend class LruCursor;
  friend class LruCrawler;
  friend class LruMetadump;
  LruCrawler* crawler() const { return crawler_.get(); }
  Impl(Store* owner, const StoreOptions& options, const Clock* clock);
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  AllocResult Allocate(std::string_view key, uint32_t client_flags,
                       RelTime exptime, uint32_t value_length, ItemRef* out);
  // `invalidate`: see Store::MetaStoreItem.
  StoreResult StoreItem(Item* item, StoreMode mode, uint64_t cas_in,
                        uint64_t* cas_out, bool invalidate = false,
                        std::optional<uint64_t> new_cas = std::nullopt);
  // Get, and with `touch` also set a new exptime.
  // REQUIRES: hash == HashKey(key).
  ItemRef Get(std::string_view key, uint32_t hash, bool touch, RelTime exptime);
  void PrefetchKeys(const std::string_view* keys, size_t n, uint32_t* hashes);
  bool Touch(std::string_view key, RelTime exptime);
  bool Delete(std::string_view key);
  ArithResult Arith(std::string_view key, bool incr, uint64_t delta,
                    uint64_t* value_out, uint64_t* cas_out);
  // REQUIRES: hash == HashKey(key).
  void MetaGet(std::string_view key, uint32_t hash,
               const MetaGetOptions& options, MetaGetResult* out);
  MetaDeleteResult MetaDelete(std::string_view key,
                              const MetaDeleteOptions& options);
  MetaArithResult MetaArith(std::string_view key,
                            const MetaArithOptions& options,
                            MetaArithOutcome* out);
  void FlushAll(RelTime when);
  void GetStats(StoreStats* out) const;
  void GetSlabStats(std::vector<SlabClassStats>* out) const;
  void Release(Item* item);

  // --- store_lru.cc ---
  int LruMaintainerPass();
  bool LruMaintainerNapping() const {
    return lru_maintainer_ != nullptr && lru_maintainer_->napping();
  }
  Store::LruTuneResult TuneLru(uint32_t hot_pct, uint32_t warm_pct,
                               double hot_max_factor, double warm_max_factor);
  void SetLruSegmented(bool segmented);
  void SetLruTempTtl(int32_t ttl);
  void VisitColdLru(int cls, const std::function<bool(const Store::ColdItem&)>& visit) const;
  bool lru_temp_enabled() const {
    return tuning_.temp_lru.load(std::memory_order_relaxed);
  }
  // Starts the maintainer thread when the options ask for it. Called last
  // in the constructor.
  void StartLruMaintainer();

  // --- store_memory.cc: cache_memlimit, -L, track_sizes, settings ---
  bool SetMemoryLimit(size_t bytes);
  size_t memory_limit() const { return slabs_.memory_limit(); }
  bool GetItemSizes(std::vector<std::pair<uint64_t, uint64_t>>* out) const;
  LruSettings GetLruSettings() const;

  // --- store_slab_mover.cc ---
  Store::ReassignResult SlabsReassign(int src, int dst);
  void SetSlabAutomove(int level) {
    automove_.store(level, std::memory_order_relaxed);
  }
  void SetSlabAutomoveRatio(double ratio) {
    automove_ratio_.store(ratio, std::memory_order_relaxed);
  }
  int slab_automove() const {
    return automove_.load(std::memory_order_relaxed);
  }
  double slab_automove_ratio() const {
    return automove_ratio_.load(std::memory_order_relaxed);
  }
  int SlabMoverPass();
  int SlabAutomovePass();
  // Starts the mover thread when the options ask for it (constructor).
  void StartSlabMover();

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
  // Item::refcount is 16 bits: a lookup that would take it past this is
  // answered as a miss instead (one get line can name a key 70,000 times),
  // leaving headroom for the few pins the mover and crawler add.
  static constexpr uint16_t kMaxReaderRefs = 0xFF00;

  LruList& lru(int cls, LruSegment segment) const {
    return *lrus_[cls * kNumLruSegments + segment];
  }
  // Locks the list a linked item is in and sets *list to it. REQUIRES the
  // item lock, which keeps the item linked and its class fixed; the LRU
  // maintainer still moves items between segments without it (holding
  // both lists' locks), hence the second look at the segment once locked.
  std::unique_lock<std::mutex> LockListOf(const Item& item, LruList** list) const {
    while (true) {
      LruList& l = lru(item.slab_class, SegmentOf(item));
      std::unique_lock<std::mutex> lock(l.mutex());
      if (&lru(item.slab_class, SegmentOf(item)) == &l) {
        *list = &l;
        return lock;
      }
    }
  }
  uint64_t NextCas() {
    return cas_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  // Gives the item a new CAS (`explicit_cas` when set, else the next id)
  // and returns it; 0 (and no id used) with -C.
  uint64_t StampCas(Item* item,
                    std::optional<uint64_t> explicit_cas = std::nullopt) {
    if (!options_.use_cas) return 0;
    const uint64_t cas = explicit_cas ? *explicit_cas : NextCas();
    item->set_cas(cas);
    return cas;
  }

  // Takes a second reference to a linked item when the link's is its only
  // one. Whoever reuses an item's memory claims it this way, so that a
  // reference taken without the item lock (the page mover's pin) is never
  // lost: the claim fails, or the pin sees the claim and lets go.
  static bool ClaimUnshared(Item* item) {
    uint16_t link_only = 1;
    return item->refcount.compare_exchange_strong(
        link_only, 2, std::memory_order_acquire, std::memory_order_relaxed);
  }
  // After a claimed item left the table and its LRU: clears kItemLinked and
  // drops the link's reference; the claim keeps it alive.
  static void do_DropLink(Item* item) {
    item->clear_flag(kItemLinked);
    item->refcount.fetch_sub(1, std::memory_order_acq_rel);
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
  // An item of class `cls` (the largest for a chunked one) was refused for
  // want of memory: memcached's per-class outofmemory.
  void CountOutOfMemory(int cls);

  // --- store_chunks.cc: large items (store/chunked_item.h) ---
  // A chunk of class `cls`, evicting by PullTail's rules when no chunk is
  // free; nullptr when nothing can be had. `for_item`: the chunk will be an
  // item, and holds one reference (the caller's); otherwise it is for a
  // ValueChunk and holds none.
  void* AllocChunk(int cls, size_t held_stripe, bool for_item);
  // Gives `item` (flagged kItemChunked, its own chunk of `header_class`,
  // its key hashing to `hash`) chunks for `value_length` bytes. False, with
  // every chunk it took returned, when memory runs out.
  bool AttachChunks(Item* item, uint32_t hash, uint32_t value_length,
                    int header_class, size_t held_stripe);
  // Returns an unreferenced item's chunk, and a chunked item's whole chain,
  // to the slab allocator.
  void FreeItemMemory(Item* item);

  // --- store_impl.cc; all REQUIRE the item lock for `hash` ---
  // The live item for `key`; a dead one is unlinked and counted.
  Item* do_FindLive(std::string_view key, uint32_t hash);
  // Stamps a new CAS (StampCas) and time, then adds the item to the table
  // and its LRU.
  void do_Link(Item* item, uint32_t hash,
               std::optional<uint64_t> explicit_cas = std::nullopt);
  // Removes the item from the table and its LRU and drops the link's
  // reference.
  void do_Unlink(Item* item, uint32_t hash);
  // do_Link(new_item) in old_item's place, then drops old_item as do_Unlink.
  void do_Replace(Item* old_item, Item* new_item, uint32_t hash,
                  std::optional<uint64_t> explicit_cas = std::nullopt);
  // --- store_lru.cc; the do_ ones REQUIRE the item's lock ---
  // An update that is not a read (refused add, arith): flat, moves the item
  // to its LRU head when it has not moved for kUpdateInterval; segmented,
  // an ACTIVE COLD item goes to WARM, any other just gets a new time.
  void do_Bump(Item* item);
  // A read (get, touch): sets FETCHED, then ACTIVE on the next read; an
  // ACTIVE item in COLD moves to WARM (queued for the maintainer when its
  // thread runs, as memcached's lru_bump_async). Flat: FETCHED + do_Bump.
  // `hash` is the item's key hash (the caller holds its lock).
  void do_Fetch(Item* item, uint32_t hash);
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
  // handed over in *out, unlinked and holding one reference. Without
  // `out`, the walk moves up to `max_moves` items to other segments (the
  // maintainer: kTailSearch; memcached's allocation path: 1), all under
  // one hold of the lists' locks; with `out`, at most one. Returns the
  // items moved, reclaimed or evicted.
  int PullSegmentTail(int cls, LruSegment segment, uint64_t total_bytes,
                      RelTime max_age, size_t held_stripe, Item** out,
                      int max_moves);
  // The flat LRU's eviction (the second-chance rule) for PullTail.
  Item* PullTailFlat(int cls, size_t held_stripe);
  // memcached's lru_maintainer_juggle for one class.
  int Juggle(int cls);
  // Applies the queued COLD->WARM bumps; returns how many it took.
  int ProcessBumps();
  // The class's counters summed over its segments.
  LruCounters SumLruCounters(int cls) const;
  // Fills the LRU fields of a class's stats.
  void AddLruClassStats(int cls, RelTime now, SlabClassStats* s) const;
  // Whether `item` is expired or flushed at `now`.
  bool IsDead(const Item& item, RelTime now, bool* flushed) const;
  // Past its exptime (0: never expires). Atomic reads: no lock needed.
  static bool Expired(const Item& item, RelTime now) {
    const RelTime exptime = item.exptime.load(std::memory_order_relaxed);
    return exptime != 0 && exptime <= now;
  }

  // --- store_slab_mover.cc; all REQUIRE mover_mu_ ---
  struct PinnedItem {
    Item* item;
    uint32_t hash;
  };
  bool InMovingPage(const void* p) const {
    const char* c = static_cast<const char*>(p);
    return c >= move_page_ && c < move_page_ + slabs_.page_size();
  }
  // Scans the moving page's used chunks and pins (one reference each) every
  // linked item using them that nobody else holds: the item in a chunk, or
  // the owner of a value chunk. Counts the chunks it must wait for.
  void do_PinPageItems(std::vector<PinnedItem>* out, int* busy);
  // Unlinks the linked items using the page that readers hold, so that
  // their last release frees the chunks (memcached's busy deletes).
  void do_BusyDeletePage();
  // Unlinks `item` if a reader holds it. REQUIRES its item lock, and that
  // the table holds it.
  void do_BusyDelete(Item* item, uint32_t hash);
  // Copies a pinned item's chunks that are in the moving page into free
  // chunks of the same classes. REQUIRES its item lock; false when a free
  // chunk is lacking (the item is then evicted).
  bool do_RescueItem(Item* item, uint32_t hash);
  // One evacuation step; returns whether the page still holds chunks.
  bool do_EvacuateStep();
  int do_AutomoveDecision();

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
  // Last CAS handed out; relaxed: only unique. Written by every store, so
  // on a line of its own, away from what every lookup reads (lrus_, flush_).
  alignas(64) std::atomic<uint64_t> cas_{0};
  alignas(64) std::atomic<uint64_t> get_expired_{0};  // relaxed counters
  std::atomic<uint64_t> get_flushed_{0};
  // With track_sizes only; the hash table counts what it links and unlinks.
  std::unique_ptr<SizeHistogram> sizes_;

  // Segmented LRU state (store_lru.cc).
  static constexpr size_t kBumpShards = 8;
  static constexpr size_t kMaxQueuedBumps = 1024;  // per shard
  LruTuning tuning_;
  struct QueuedBump {
    Item* item;     // one reference held
    uint32_t hash;  // its key's, so the maintainer need not hash again
  };
  // ACTIVE COLD items waiting for the maintainer, queued by reads. As
  // memcached's per-worker bump buffers: each thread queues into the shard
  // of a slot it draws once (BumpShardOfThisThread), so that workers do not
  // take turns writing one lock and one vector, a cache miss each time.
  // Threads past kBumpShards share shards; the lock keeps that correct.
  struct alignas(64) BumpShard {
    std::mutex mu;  // guards queue
    std::vector<QueuedBump> queue;
  };
  static size_t BumpShardOfThisThread();
  BumpShard bump_shards_[kBumpShards];
  // The maintainer's scratch for ProcessBumps(); empty between passes.
  alignas(64) std::vector<QueuedBump> bumps_todo_;
  std::vector<QueuedBump> bumps_slow_;
  std::atomic<uint64_t> lru_maintainer_juggles_{0};  // relaxed counters
  std::atomic<uint64_t> lru_bumps_dropped_{0};
  // The page mover (store_slab_mover.cc). mover_mu_ is held for a whole
  // mover or automove pass; SlabsReassign only try-locks it (BUSY), as
  // memcached's rebalance lock. Lock order: mover_mu_ before item locks.
  std::mutex mover_mu_;
  bool move_queued_ = false;   // guarded by mover_mu_
  bool move_running_ = false;  // guarded by mover_mu_
  int move_src_ = 0;           // guarded by mover_mu_
  int move_dst_ = 0;           // guarded by mover_mu_
  char* move_page_ = nullptr;  // guarded by mover_mu_; fixed during a move
  int move_busy_loops_ = 0;    // guarded by mover_mu_
  RelTime automove_last_ = 0;  // guarded by mover_mu_
  // Per class (index = id): evictions + outofmemory at the last automove
  // pass, and when the class last had one. Guarded by mover_mu_.
  std::vector<uint64_t> automove_evictions_;
  std::vector<RelTime> automove_evicted_at_;
  // The same for outofmemory alone: refused stores.
  std::vector<uint64_t> automove_refusals_;
  std::vector<RelTime> automove_refused_at_;
  std::atomic<int> automove_{1};  // relaxed knobs, like LruTuning
  std::atomic<double> automove_ratio_{0.8};
  std::atomic<bool> move_active_{false};  // slab_reassign_running; relaxed
  std::atomic<uint64_t> slabs_moved_{0};  // relaxed counters
  std::atomic<uint64_t> reassign_rescues_{0};
  std::atomic<uint64_t> reassign_chunk_rescues_{0};
  std::atomic<uint64_t> reassign_evictions_nomem_{0};
  std::atomic<uint64_t> reassign_busy_items_{0};
  std::atomic<uint64_t> reassign_busy_deletes_{0};
  std::unique_ptr<BackgroundThread> slab_mover_;

  // Declared last so that it is destroyed (stopped) first.
  std::unique_ptr<BackgroundThread> lru_maintainer_;
  // Built in the constructor; its thread started only when asked. After the
  // maintainer, so it is stopped even earlier.
  std::unique_ptr<LruCrawler> crawler_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_STORE_IMPL_H_

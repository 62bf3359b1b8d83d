// LRU lists: per slab class, four segments (memcached 1.6's HOT, WARM, COLD
// and TEMP), each a doubly linked list of linked items through
// Item::lru_prev/lru_next with its own mutex and the per-segment counters that
// change under it. Head = most recently linked. Which segment a linked item
// is in is kept in Item::flags (SegmentOf/SetSegment below). The rules for
// moving items between segments live in Store::Impl (store_lru.cc).
#ifndef MEMCD_STORE_LRU_H_
#define MEMCD_STORE_LRU_H_

#include <atomic>
#include <cstdint>
#include <mutex>

#include "store/arena.h"
#include "store/item.h"

namespace memcd {

enum LruSegment : uint8_t {
  kHotLru = 0,   // new items (segmented mode)
  kWarmLru = 1,  // items read while in HOT or COLD
  kColdLru = 2,  // eviction happens here; the only list in flat mode
  kTempLru = 3,  // items whose TTL is under temporary_ttl; never evicted
};
constexpr int kNumLruSegments = 4;

// The segment of a linked item. Stable under the item lock and the lock of
// the list it names: the LRU maintainer moves items between segments holding
// the locks of both lists but not the item lock, and do_MoveToSegment moves
// them under the item lock. Read under the item lock alone, it may be stale
// (Store::Impl::LockListOf looks again).
inline LruSegment SegmentOf(const Item& item) {
  return static_cast<LruSegment>(
      (item.flags.load(std::memory_order_relaxed) & kItemLruMask) >>
      kItemLruShift);
}
// REQUIRES the item lock, or the locks of the lists the item leaves and
// enters. A CAS loop: other flag bits may change meanwhile.
inline void SetSegment(Item* item, LruSegment segment) {
  uint16_t old = item->flags.load(std::memory_order_relaxed);
  uint16_t desired;
  do {
    desired = static_cast<uint16_t>((old & ~kItemLruMask) |
                                   (segment << kItemLruShift));
  } while (!item->flags.compare_exchange_weak(old, desired,
                                              std::memory_order_relaxed));
}

// Per-segment counters, guarded by the segment's LruList mutex; the class's
// figures are the sums over its segments.
struct LruCounters {
  uint64_t number = 0;       // items in the list
  uint64_t bytes = 0;        // their Item::total_size()
  uint64_t total_items = 0;  // items ever linked (counted where they enter)
  uint64_t evicted = 0;
  uint64_t evicted_nonzero = 0;  // evicted with an exptime set
  uint64_t evicted_unfetched = 0;
  uint64_t evicted_active = 0;  // evicted while flagged ACTIVE
  uint64_t evicted_time = 0;    // idle seconds of the last evicted item
  uint64_t reclaimed = 0;       // expired or flushed memory reused
  uint64_t expired_unfetched = 0;
  uint64_t outofmemory = 0;
  uint64_t lrutail_reflocked = 0;  // tail items skipped: held by a reader
  uint64_t moves_to_cold = 0;
  uint64_t moves_to_warm = 0;
  uint64_t moves_within_lru = 0;  // ACTIVE WARM items relinked in WARM
  uint64_t direct_reclaims = 0;   // extra pulls an allocation needed
  uint64_t crawler_reclaimed = 0;
  uint64_t crawler_items_checked = 0;

  void Add(const LruCounters& o);
};

class LruList {
 public:
  explicit LruList(const Arena* arena) : arena_(arena) {}
  LruList(const LruList&) = delete;
  LruList& operator=(const LruList&) = delete;

  // Guards the list links of its items and counters().
  std::mutex& mutex() { return mu_; }

  // All REQUIRE mutex() held.
  // Links at the head and counts the item in number/bytes (not total_items:
  // a move between segments links too).
  void do_LinkHead(Item* item);
  // Unlinks and uncounts the item from number/bytes.
  void do_Unlink(Item* item);
  void do_MoveToHead(Item* item);
  Item* do_Tail() const { return arena_->ToItemOrNull(tail_); }
  Item* do_Head() const { return arena_->ToItemOrNull(head_); }
  // The neighbour toward the head, or nullptr.
  Item* do_Prev(const Item* item) const {
    return arena_->ToItemOrNull(item->lru_prev);
  }
  // The neighbour toward the tail, or nullptr.
  Item* do_Next(const Item* item) const {
    return arena_->ToItemOrNull(item->lru_next);
  }
  LruCounters& do_counters() { return counters_; }

  // Without the lock: whether the list held no items at its last change.
  // A hint for the maintainer, which may skip a list that looks empty (it
  // comes back soon); never for a decision that must be exact.
  bool LooksEmpty() const { return empty_hint_.load(std::memory_order_relaxed); }

 private:
  const Arena* const arena_;
  std::mutex mu_;
  ItemId head_ = kNullItemId;  // guarded by mu_
  ItemId tail_ = kNullItemId;  // guarded by mu_
  LruCounters counters_;       // guarded by mu_
  std::atomic<bool> empty_hint_{true};  // written under mu_
};

// The knobs "lru tune|mode|temp_ttl" change at run time; relaxed atomics,
// since a thread acting on a value a moment old is harmless.
struct LruTuning {
  std::atomic<bool> segmented{true};      // false: flat (COLD only)
  std::atomic<bool> temp_lru{false};      // short-TTL items go to TEMP
  std::atomic<int32_t> temporary_ttl{61};
  std::atomic<uint32_t> hot_lru_pct{20};  // of the class's HOT+WARM+COLD bytes
  std::atomic<uint32_t> warm_lru_pct{40};
  std::atomic<double> hot_max_factor{0.2};  // x COLD's tail age
  std::atomic<double> warm_max_factor{2.0};
};

}  // namespace memcd

#endif  // MEMCD_STORE_LRU_H_

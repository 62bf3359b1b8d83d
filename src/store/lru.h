// One LRU list per slab class: a doubly linked list of linked items through
// Item::lru_prev/lru_next, head = most recently used, plus the per-class
// counters that change under the same lock. A later LRU maintainer can split
// it into HOT/WARM/COLD segments behind the same methods.
#ifndef MEMCD_STORE_LRU_H_
#define MEMCD_STORE_LRU_H_

#include <cstdint>
#include <mutex>

#include "store/arena.h"
#include "store/item.h"

namespace memcd {

// Per-class counters; each one is guarded by its LruList's mutex.
struct LruCounters {
  uint64_t number = 0;       // items in the list
  uint64_t bytes = 0;        // their Item::total_size()
  uint64_t total_items = 0;  // items ever linked
  uint64_t evicted = 0;
  uint64_t evicted_nonzero = 0;  // evicted with an exptime set
  uint64_t evicted_unfetched = 0;
  uint64_t reclaimed = 0;  // expired or flushed memory reused
  uint64_t expired_unfetched = 0;
  uint64_t outofmemory = 0;
};

class LruList {
 public:
  explicit LruList(const Arena* arena) : arena_(arena) {}
  LruList(const LruList&) = delete;
  LruList& operator=(const LruList&) = delete;

  // Guards the list links of its items and counters().
  std::mutex& mutex() { return mu_; }

  // All REQUIRE mutex() held.
  // Links at the head and counts the item in number/bytes/total_items.
  void do_LinkHead(Item* item);
  // Unlinks and uncounts the item from number/bytes.
  void do_Unlink(Item* item);
  void do_MoveToHead(Item* item);
  Item* do_Tail() const { return arena_->ToItemOrNull(tail_); }
  // The neighbour toward the head, or nullptr.
  Item* do_Prev(const Item* item) const {
    return arena_->ToItemOrNull(item->lru_prev);
  }
  LruCounters& do_counters() { return counters_; }

 private:
  const Arena* const arena_;
  std::mutex mu_;
  ItemId head_ = kNullItemId;  // guarded by mu_
  ItemId tail_ = kNullItemId;  // guarded by mu_
  LruCounters counters_;       // guarded by mu_
};

}  // namespace memcd

#endif  // MEMCD_STORE_LRU_H_

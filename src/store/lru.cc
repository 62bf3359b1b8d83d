#include "store/lru.h"

#include <glog/logging.h>

namespace memcd {

namespace {

// Links `item` at the head of the list given by `head` and `tail`.
void PushHead(const Arena* arena, ItemId* head, ItemId* tail, Item* item) {
  const ItemId id = arena->ToId(item);
  item->lru_prev = kNullItemId;
  item->lru_next = *head;
  if (*head != kNullItemId) arena->ToItem(*head)->lru_prev = id;
  *head = id;
  if (*tail == kNullItemId) *tail = id;
}

void Remove(const Arena* arena, ItemId* head, ItemId* tail, Item* item) {
  if (item->lru_prev != kNullItemId) {
    arena->ToItem(item->lru_prev)->lru_next = item->lru_next;
  } else {
    DCHECK_EQ(*head, arena->ToId(item));
    *head = item->lru_next;
  }
  if (item->lru_next != kNullItemId) {
    arena->ToItem(item->lru_next)->lru_prev = item->lru_prev;
  } else {
    DCHECK_EQ(*tail, arena->ToId(item));
    *tail = item->lru_prev;
  }
  item->lru_prev = item->lru_next = kNullItemId;
}

}  // namespace

void LruCounters::Add(const LruCounters& o) {
  number += o.number;
  bytes += o.bytes;
  total_items += o.total_items;
  evicted += o.evicted;
  evicted_nonzero += o.evicted_nonzero;
  evicted_unfetched += o.evicted_unfetched;
  evicted_active += o.evicted_active;
  if (o.evicted_time != 0) evicted_time = o.evicted_time;
  reclaimed += o.reclaimed;
  expired_unfetched += o.expired_unfetched;
  outofmemory += o.outofmemory;
  lrutail_reflocked += o.lrutail_reflocked;
  moves_to_cold += o.moves_to_cold;
  moves_to_warm += o.moves_to_warm;
  moves_within_lru += o.moves_within_lru;
  direct_reclaims += o.direct_reclaims;
  crawler_reclaimed += o.crawler_reclaimed;
  crawler_items_checked += o.crawler_items_checked;
}

void LruList::do_LinkHead(Item* item) {
  PushHead(arena_, &head_, &tail_, item);
  if (counters_.number++ == 0) empty_hint_.store(false, std::memory_order_relaxed);
  counters_.bytes += item->total_size();
}

void LruList::do_Unlink(Item* item) {
  Remove(arena_, &head_, &tail_, item);
  DCHECK_GT(counters_.number, 0u);
  if (--counters_.number == 0) empty_hint_.store(true, std::memory_order_relaxed);
  counters_.bytes -= item->total_size();
}

void LruList::do_MoveToHead(Item* item) {
  if (head_ == arena_->ToId(item)) return;
  Remove(arena_, &head_, &tail_, item);
  PushHead(arena_, &head_, &tail_, item);
}

}  // namespace memcd

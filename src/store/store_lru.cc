// The segmented LRU (memcached 1.6's HOT/WARM/COLD/TEMP), its maintainer,
// and the flat LRU it falls back to: where items are linked, what a read
// does, how allocation pulls from the tails.
#include <glog/logging.h>

#include <algorithm>

#include <chrono>
#include <mutex>
#include <utility>

#include "base/hash.h"
#include "stats/watch_log.h"
#include "store/store_impl.h"

namespace memcd {

namespace {

// Pulls per segment per juggle, and allocation attempts (memcached's).
constexpr int kJuggleLoops = 500;
constexpr int kAllocPulls = 10;

RelTime Age(const Item* tail, RelTime now) {
  if (tail == nullptr) return 0;
  const RelTime t = tail->time.load(std::memory_order_relaxed);
  return t < now ? now - t : 0;
}

// "watch evictions": one relaxed load while nobody watches.
void LogEviction(WatchLog* log, const Item* item, RelTime now, bool fetched) {
  if (log == nullptr || !log->Wants(kWatchEvictions)) return;
  const RelTime exptime = item->exptime.load(std::memory_order_relaxed);
  const int64_t ttl = exptime == 0 ? -1 : static_cast<int64_t>(exptime) - now;
  log->LogEviction(item->key(), fetched, ttl, Age(item, now), item->slab_class,
                   item->value_length);
}

}  // namespace

void Store::Impl::StartLruMaintainer() {
  tuning_.segmented.store(options_.lru_segmented, std::memory_order_relaxed);
  tuning_.temp_lru.store(options_.temp_lru, std::memory_order_relaxed);
  tuning_.temporary_ttl.store(options_.temporary_ttl,
                              std::memory_order_relaxed);
  tuning_.hot_lru_pct.store(options_.hot_lru_pct, std::memory_order_relaxed);
  tuning_.warm_lru_pct.store(options_.warm_lru_pct, std::memory_order_relaxed);
  tuning_.hot_max_factor.store(options_.hot_max_factor,
                               std::memory_order_relaxed);
  tuning_.warm_max_factor.store(options_.warm_max_factor,
                                std::memory_order_relaxed);
  if (!options_.lru_maintainer_thread) return;
  // It sleeps the shortest time after a pass that moved something or took
  // queued bumps, doubling to the longest while there is nothing to do; a
  // bump queued meanwhile wakes it (do_Fetch).
  lru_maintainer_ = std::make_unique<BackgroundThread>(
      "memcd-lrumaint", [this] { return LruMaintainerPass(); },
      std::chrono::microseconds(options_.lru_maintainer_min_sleep_us),
      std::chrono::microseconds(options_.lru_maintainer_max_sleep_us));
  lru_maintainer_->Start();
}

Store::LruTuneResult Store::Impl::TuneLru(uint32_t hot_pct, uint32_t warm_pct,
                                          double hot_max_factor,
                                          double warm_max_factor) {
  if (uint64_t{hot_pct} + warm_pct > 80) {
    return Store::LruTuneResult::kBadPercents;
  }
  if (!(hot_max_factor > 0) || !(warm_max_factor > 0)) {
    return Store::LruTuneResult::kBadFactors;
  }
  tuning_.hot_lru_pct.store(hot_pct, std::memory_order_relaxed);
  tuning_.warm_lru_pct.store(warm_pct, std::memory_order_relaxed);
  tuning_.hot_max_factor.store(hot_max_factor, std::memory_order_relaxed);
  tuning_.warm_max_factor.store(warm_max_factor, std::memory_order_relaxed);
  return Store::LruTuneResult::kOk;
}

void Store::Impl::SetLruSegmented(bool segmented) {
  tuning_.segmented.store(segmented, std::memory_order_relaxed);
}

void Store::Impl::SetLruTempTtl(int32_t ttl) {
  if (ttl < 0) {
    tuning_.temp_lru.store(false, std::memory_order_relaxed);
    return;
  }
  tuning_.temporary_ttl.store(ttl, std::memory_order_relaxed);
  tuning_.temp_lru.store(true, std::memory_order_relaxed);
}

void Store::Impl::VisitColdLru(int cls,
                               const std::function<bool(const Store::ColdItem&)>& visit) const {
  if (cls < 1 || cls > slabs_.num_classes()) return;
  LruList& list = lru(cls, kColdLru);
  // A linked item stays allocated, and its key unchanged, while its list's
  // lock is held: unlinking takes that lock.
  std::lock_guard<std::mutex> lock(list.mutex());
  for (const Item* item = list.do_Head(); item != nullptr; item = list.do_Next(item)) {
    const Store::ColdItem entry{
        item->key(), item->value_length, item->exptime.load(std::memory_order_relaxed),
        (item->flags.load(std::memory_order_relaxed) & kItemKeyBinary) != 0};
    if (!visit(entry)) return;
  }
}

void Store::Impl::do_LruLink(Item* item) {
  LruSegment segment = kHotLru;
  const RelTime exptime = item->exptime.load(std::memory_order_relaxed);
  const RelTime now = clock_->Now();
  // memcached's unsigned "exptime - now <= ttl": never for 0 or the past.
  if (tuning_.temp_lru.load(std::memory_order_relaxed) && exptime >= now &&
      int64_t{exptime} - now <=
          tuning_.temporary_ttl.load(std::memory_order_relaxed)) {
    segment = kTempLru;
  } else if (!tuning_.segmented.load(std::memory_order_relaxed)) {
    segment = kColdLru;
  }
  SetSegment(item, segment);
  LruList& list = lru(item->slab_class, segment);
  std::lock_guard<std::mutex> lock(list.mutex());
  list.do_LinkHead(item);
  ++list.do_counters().total_items;
}

void Store::Impl::do_LruUnlink(Item* item) {
  LruList* list;
  const std::unique_lock<std::mutex> lock = LockListOf(*item, &list);
  list->do_Unlink(item);
}

void Store::Impl::do_MoveToSegment(Item* item, LruSegment to) {
  do_LruUnlink(item);
  SetSegment(item, to);
  LruList& list = lru(item->slab_class, to);
  std::lock_guard<std::mutex> lock(list.mutex());
  list.do_LinkHead(item);
  if (to == kWarmLru) ++list.do_counters().moves_to_warm;
}

void Store::Impl::do_Bump(Item* item) {
  const RelTime now = clock_->Now();
  if (tuning_.segmented.load(std::memory_order_relaxed)) {
    if (SegmentOf(*item) == kColdLru && item->has_flag(kItemActive)) {
      item->clear_flag(kItemActive);
      item->time.store(now, std::memory_order_relaxed);
      do_MoveToSegment(item, kWarmLru);
    } else {
      item->time.store(now, std::memory_order_relaxed);
    }
    return;
  }
  if (item->time.load(std::memory_order_relaxed) + kUpdateInterval < now) {
    LruList* list;
    const std::unique_lock<std::mutex> lock = LockListOf(*item, &list);
    list->do_MoveToHead(item);
    item->clear_flag(kItemActive);
  } else {
    // Not worth an LRU relink yet: flag it, and eviction spares it once.
    item->set_flag(kItemActive);
  }
  item->time.store(now, std::memory_order_relaxed);
}

void Store::Impl::do_Fetch(Item* item, uint32_t hash) {
  if (!tuning_.segmented.load(std::memory_order_relaxed)) {
    item->set_flag(kItemFetched);
    do_Bump(item);
    return;
  }
  // memcached's do_item_bump: ACTIVE takes a second read; an active item
  // needs nothing more until a segment move clears the flag.
  if (item->has_flag(kItemActive)) return;
  if (!item->has_flag(kItemFetched)) {
    item->set_flag(kItemFetched);
    return;
  }
  item->set_flag(kItemActive);
  if (SegmentOf(*item) != kColdLru) {
    item->time.store(clock_->Now(), std::memory_order_relaxed);
    return;
  }
  if (lru_maintainer_ == nullptr) {
    do_Bump(item);  // no thread to hand it to: move it now
    return;
  }
  // Keep two LRU locks off the read path: the maintainer moves it.
  {
    BumpShard& shard = bump_shards_[BumpShardOfThisThread()];
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.queue.size() >= kMaxQueuedBumps ||
        item->refcount.load(std::memory_order_relaxed) >= kMaxReaderRefs) {
      item->clear_flag(kItemActive);
      lru_bumps_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    item->refcount.fetch_add(1, std::memory_order_relaxed);
    shard.queue.push_back(QueuedBump{item, hash});
  }
  // The bump holds a reference: were the maintainer left in a long sleep
  // (up to a second after an idle spell), items replaced or deleted
  // meanwhile could not be freed, and a load of large values starting
  // after a pause took tens of extra slab pages for them.
  lru_maintainer_->WakeIfNapping();
}

size_t Store::Impl::BumpShardOfThisThread() {
  static std::atomic<size_t> next_slot{0};
  thread_local const size_t slot =
      next_slot.fetch_add(1, std::memory_order_relaxed) % kBumpShards;
  return slot;
}

int Store::Impl::ProcessBumps() {
  std::vector<QueuedBump>& todo = bumps_todo_;
  std::vector<QueuedBump>& slow = bumps_slow_;  // busy item locks
  for (BumpShard& shard : bump_shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (todo.empty()) {
      todo.swap(shard.queue);  // both keep their capacity from pass to pass
    } else {
      todo.insert(todo.end(), shard.queue.begin(), shard.queue.end());
      shard.queue.clear();
    }
  }
  // A run of bumps of one class is moved under one hold of its WARM and
  // COLD locks (segment order, as PullSegmentTail's walks), instead of
  // three lock round trips per item. Against the lock order, hence item
  // locks only try-locked: a busy one takes the one-by-one path below.
  // Runs are capped so that workers waiting for these lists are not held
  // up for long.
  constexpr size_t kRunMax = 64;
  const RelTime now = clock_->Now();
  // Flat since they were queued ("lru mode flat"): all of them take the
  // one-by-one path, for do_Bump's flat rules.
  const bool segmented = tuning_.segmented.load(std::memory_order_relaxed);

  // Each move is a handful of cache misses on items scattered over the
  // arena (the item, its two neighbours, its lock), and they used to come
  // one after another. Now the headers and locks of the bumps kAheadFar
  // places on are prefetched, and the neighbours of the one kAheadNear on,
  // so that the misses of several moves overlap. Its links may be read:
  // it is of the class whose WARM and COLD locks are held, and a queued
  // item is in one of those two lists or in none.
  constexpr size_t kAheadFar = 8;
  constexpr size_t kAheadNear = 3;
  auto prefetch_bump = [&](size_t j) {
    if (j >= todo.size()) return;
    const char* const header = todo[j].item->bytes();
    __builtin_prefetch(header, 1);
    __builtin_prefetch(header + Item::kHeaderSize - 1, 1);  // may straddle
    __builtin_prefetch(&locks_.ForHash(todo[j].hash), 1);
  };
  for (size_t j = 0; segmented && j < kAheadFar; ++j) prefetch_bump(j);
  for (size_t i = 0; segmented && i < todo.size();) {
    const int cls = todo[i].item->slab_class;  // fixed while it is held
    LruList& warm = lru(cls, kWarmLru);
    LruList& cold = lru(cls, kColdLru);
    std::lock_guard<std::mutex> warm_lock(warm.mutex());
    std::lock_guard<std::mutex> cold_lock(cold.mutex());
    for (const size_t end = std::min(todo.size(), i + kRunMax);
         i < end && todo[i].item->slab_class == cls; ++i) {
      prefetch_bump(i + kAheadFar);
      if (i + kAheadNear < end) {
        const Item* const ahead = todo[i + kAheadNear].item;
        if (ahead->slab_class == cls) {
          __builtin_prefetch(cold.do_Prev(ahead), 1);  // nullptr is harmless
          __builtin_prefetch(cold.do_Next(ahead), 1);
        }
      }
      const QueuedBump bump = todo[i];
      std::mutex& item_mu = locks_.ForHash(bump.hash);
      if (!item_mu.try_lock()) {
        slow.push_back(bump);
        continue;
      }
      std::lock_guard<std::mutex> item_lock(item_mu, std::adopt_lock);
      Item* const item = bump.item;
      // do_Bump's segmented case, with the two lists already locked.
      if (!item->has_flag(kItemLinked)) continue;
      if (SegmentOf(*item) == kColdLru && item->has_flag(kItemActive)) {
        item->clear_flag(kItemActive);
        cold.do_Unlink(item);
        SetSegment(item, kWarmLru);
        warm.do_LinkHead(item);
        ++warm.do_counters().moves_to_warm;
      }
      item->time.store(now, std::memory_order_relaxed);
    }
  }
  for (const QueuedBump& bump : segmented ? slow : todo) {
    std::lock_guard<std::mutex> lock(locks_.ForHash(bump.hash));
    Item* const item = bump.item;
    if (item->has_flag(kItemLinked)) do_Bump(item);
  }
  slow.clear();
  // Every bump's reference (slow ones too), without any lock held:
  // dropping the last one frees the item.
  for (const QueuedBump& bump : todo) Release(bump.item);
  const int handled = static_cast<int>(todo.size());
  todo.clear();
  return handled;
}

int Store::Impl::PullSegmentTail(int cls, LruSegment segment,
                                 uint64_t total_bytes, RelTime max_age,
                                 size_t held_stripe, Item** out,
                                 int max_moves) {
  const RelTime now = clock_->Now();
  const bool segmented = tuning_.segmented.load(std::memory_order_relaxed);
  // HOT and WARM give up their tail past this share of the class's bytes.
  uint64_t limit = 0;
  if (segment == kHotLru || segment == kWarmLru) {
    const uint32_t pct =
        segment == kHotLru ? tuning_.hot_lru_pct.load(std::memory_order_relaxed)
                           : tuning_.warm_lru_pct.load(std::memory_order_relaxed);
    limit = total_bytes * pct / 100;
  }
  LruList& list = lru(cls, segment);
  // The maintainer's walks (no `out`) move items in place: the lists they
  // may move to are locked with this one, in segment order (HOT, WARM,
  // COLD; ProcessBumps keeps it too), so that one hold covers every move
  // of the walk. The allocation path keeps one lock and relinks its item
  // after dropping it.
  const bool in_place = out == nullptr && segment != kTempLru;
  std::unique_lock<std::mutex> hot_lock, warm_lock, cold_lock, own_lock;
  if (in_place) {
    if (segment == kHotLru) hot_lock = std::unique_lock<std::mutex>(list.mutex());
    warm_lock = std::unique_lock<std::mutex>(lru(cls, kWarmLru).mutex());
    cold_lock = std::unique_lock<std::mutex>(lru(cls, kColdLru).mutex());
  } else {
    own_lock = std::unique_lock<std::mutex>(list.mutex());
  }
  LruCounters& counters = list.do_counters();
  int removed = 0;
  int moves = 0;  // in place, to another segment
  Item* stop_at = nullptr;  // the item the walk ended on; its lock is held
  size_t stop_stripe = 0;
  LruSegment move_to = segment;
  Item* next = list.do_Tail();
  for (int tries = kTailSearch; tries > 0 && next != nullptr; --tries) {
    Item* const item = next;
    next = list.do_Prev(item);
    // The walk is a chain of cache misses (each item names the next);
    // this one starts while `item` is dealt with.
    __builtin_prefetch(next, 1);
    // Decided under the LRU lock alone where the item stays in this list:
    // its key hash and item lock are needed only to take it out. Whoever
    // unlinks it locks this list first and then still finds it here.
    // Without the item lock its CAS may be changing, so deadness is judged
    // without the flush's CAS rule here: an item only that rule kills may
    // stay or be rescued, to be reclaimed later (lookups never return it).
    const bool looks_dead = Expired(*item, now) || flush_.IsFlushedByTime(*item, now);
    bool flushed;
    bool active = false;
    if (!looks_dead) {
      active = item->has_flag(kItemActive);
      if (segment == kWarmLru && active) {
        // Rescue: only its place in the list changes, so readers may hold it.
        item->clear_flag(kItemActive);
        ++removed;
        ++counters.moves_within_lru;
        list.do_MoveToHead(item);
        continue;
      }
      const bool stays =
          segment == kTempLru ||
          (segment == kColdLru && out == nullptr && !(active && segmented)) ||
          ((segment == kHotLru || segment == kWarmLru) && !active &&
           counters.bytes <= limit && Age(item, now) <= max_age);
      if (stays) {
        // As memcached: an unheld tail that stays ends the walk.
        if (item->refcount.load(std::memory_order_acquire) == 1) break;
        ++counters.lrutail_reflocked;
        continue;
      }
    }
    // A count above 1 means an ItemRef holds it: its bytes must stay.
    if (item->refcount.load(std::memory_order_acquire) != 1) {
      ++counters.lrutail_reflocked;
      continue;
    }
    if (in_place && !looks_dead) {
      // A move to another segment, without the item lock: this walk holds
      // the lock of every list the item may go to, and whoever else finds
      // an item's list by its segment looks again once that list is locked
      // (LockListOf). Hashing the key and trying its lock were most of the
      // cost of a move. An item only the flush's CAS rule kills may move
      // too; it is reclaimed later. HOT's active items and COLD's (those
      // do not stay) go up to WARM; HOT's and WARM's others (WARM's active
      // ones were rescued above) down to COLD.
      const LruSegment to = active ? kWarmLru : kColdLru;
      if (active) {
        item->clear_flag(kItemActive);
        ++counters.moves_to_warm;
      } else {
        ++counters.moves_to_cold;
      }
      ++removed;
      list.do_Unlink(item);
      SetSegment(item, to);
      lru(cls, to).do_LinkHead(item);
      if (++moves == max_moves) break;
      continue;
    }
    const uint32_t hash = HashKey(item->key());
    const size_t stripe = locks_.StripeOf(hash);
    // Against the lock order (LRU -> item), hence only try_lock; the
    // caller's own stripe is held already and must be skipped.
    if (stripe == held_stripe || !locks_.ForStripe(stripe).try_lock()) {
      continue;
    }
    std::unique_lock<std::mutex> item_lock(locks_.ForStripe(stripe),
                                           std::adopt_lock);
    if (item->refcount.load(std::memory_order_acquire) != 1) {
      ++counters.lrutail_reflocked;
      continue;
    }
    const bool fetched = item->has_flag(kItemFetched);
    if (IsDead(*item, now, &flushed)) {
      if (!ClaimUnshared(item)) {
        ++counters.lrutail_reflocked;
        continue;
      }
      ++counters.reclaimed;
      if (!fetched) ++counters.expired_unfetched;
      CHECK(table_.Remove(item, hash)) << "linked item missing from table";
      list.do_Unlink(item);
      do_DropLink(item);
      ++removed;
      if (out != nullptr) {
        *out = item;  // our claim passes to the caller
        return removed;
      }
      Release(item);
      continue;  // reclaiming may go on up the list
    }
    switch (segment) {
      case kHotLru:
      case kWarmLru: {
        if (item->has_flag(kItemActive)) {
          // Rescue ACTIVE items: WARM keeps them, HOT promotes them.
          item->clear_flag(kItemActive);
          ++removed;
          if (segment == kWarmLru) {
            ++counters.moves_within_lru;
            list.do_MoveToHead(item);
            continue;
          }
          ++counters.moves_to_warm;
          move_to = kWarmLru;
        } else if (counters.bytes > limit || Age(item, now) > max_age) {
          ++counters.moves_to_cold;
          move_to = kColdLru;
          ++removed;
        }
        break;
      }
      case kColdLru:
        if (out != nullptr) {
          if (!options_.evict) break;  // -M: only dead items may go
          if (!ClaimUnshared(item)) {
            ++counters.lrutail_reflocked;
            break;
          }
          ++counters.evicted;
          counters.evicted_time = Age(item, now);
          if (item->exptime.load(std::memory_order_relaxed) != 0) {
            ++counters.evicted_nonzero;
          }
          if (!fetched) ++counters.evicted_unfetched;
          if (item->has_flag(kItemActive)) ++counters.evicted_active;
          LogEviction(options_.watch_log, item, now, fetched);
          CHECK(table_.Remove(item, hash)) << "linked item missing from table";
          list.do_Unlink(item);
          do_DropLink(item);
          *out = item;  // our claim passes to the caller
          return removed + 1;
        }
        if (item->has_flag(kItemActive) && segmented) {
          ++counters.moves_to_warm;
          item->clear_flag(kItemActive);
          move_to = kWarmLru;
          ++removed;
        }
        break;
      case kTempLru:
        break;  // only reclaims happen in TEMP
    }
    if (in_place) {
      if (move_to == segment) break;  // it changed since the first look
      list.do_Unlink(item);
      SetSegment(item, move_to);
      lru(cls, move_to).do_LinkHead(item);
      move_to = segment;
      if (++moves == max_moves) break;
      continue;  // on up the list; this item's lock is dropped here
    }
    if (move_to != segment) list.do_Unlink(item);
    stop_at = item;
    stop_stripe = stripe;
    item_lock.release();  // still held, for the relink below
    break;
  }
  if (stop_at == nullptr) return removed;
  own_lock.unlock();
  std::lock_guard<std::mutex> item_lock(locks_.ForStripe(stop_stripe),
                                        std::adopt_lock);
  if (move_to != segment) {
    SetSegment(stop_at, move_to);
    LruList& dest = lru(cls, move_to);
    std::lock_guard<std::mutex> lock(dest.mutex());
    dest.do_LinkHead(stop_at);
  }
  return removed;
}

Item* Store::Impl::PullTail(int cls, size_t held_stripe) {
  if (!tuning_.segmented.load(std::memory_order_relaxed)) {
    return PullTailFlat(cls, held_stripe);
  }
  // memcached's do_item_alloc_pull: evict from COLD; when COLD has nothing
  // to give, push HOT's tail down and try again.
  for (int i = 0; i < kAllocPulls; ++i) {
    Item* item = nullptr;
    const int pulled =
        PullSegmentTail(cls, kColdLru, 0, 0, held_stripe, &item, 1);
    if (item != nullptr) {
      if (i > 0) {
        LruList& list = lru(cls, kColdLru);
        std::lock_guard<std::mutex> lock(list.mutex());
        list.do_counters().direct_reclaims += i;
      }
      return item;
    }
    if (pulled <= 0) PullSegmentTail(cls, kHotLru, 0, 0, held_stripe, nullptr, 1);
  }
  return nullptr;
}

void Store::Impl::CountOutOfMemory(int cls) {
  LruList& list = lru(cls, kColdLru);
  std::lock_guard<std::mutex> lock(list.mutex());
  ++list.do_counters().outofmemory;
}

int Store::Impl::Juggle(int cls) {
  // Lists that look empty are skipped without their lock: most classes
  // are empty, and HOT often is, and this runs every millisecond or so.
  const LruList& hot = lru(cls, kHotLru);
  const LruList& warm = lru(cls, kWarmLru);
  const LruList& cold = lru(cls, kColdLru);
  if (hot.LooksEmpty() && warm.LooksEmpty() && cold.LooksEmpty() &&
      lru(cls, kTempLru).LooksEmpty()) {
    return 0;
  }
  int moves = 0;
  if (tuning_.temp_lru.load(std::memory_order_relaxed)) {
    for (int i = 0; i < kJuggleLoops; ++i) {
      if (PullSegmentTail(cls, kTempLru, 0, 0, kNoStripe, nullptr, 1) <= 0) break;
      ++moves;
    }
  }
  const bool segmented = tuning_.segmented.load(std::memory_order_relaxed);
  RelTime hot_age = 0;
  RelTime warm_age = 0;
  uint64_t total_bytes = 0;
  // Flat: max age and size 0 drain HOT and WARM into COLD.
  if (segmented) {
    const RelTime now = clock_->Now();
    RelTime cold_age = 0;
    for (LruSegment s : {kColdLru, kHotLru, kWarmLru}) {
      LruList& list = lru(cls, s);
      std::lock_guard<std::mutex> lock(list.mutex());
      if (s == kColdLru) cold_age = Age(list.do_Tail(), now);
      total_bytes += list.do_counters().bytes;
    }
    hot_age = static_cast<RelTime>(
        cold_age * tuning_.hot_max_factor.load(std::memory_order_relaxed));
    warm_age = static_cast<RelTime>(
        cold_age * tuning_.warm_max_factor.load(std::memory_order_relaxed));
  }
  // Once COLD's tail stays, it stays for this call: HOT and WARM push
  // items onto COLD's head, and a read that makes the tail ACTIVE meanwhile
  // waits for the next call (with the maintainer thread such reads are
  // queued bumps anyway). Saves a lock and a walk per loop.
  bool cold_stays = !segmented;
  for (int i = 0; i < kJuggleLoops; ++i) {
    int more = 0;
    if ((!hot.LooksEmpty() && PullSegmentTail(cls, kHotLru, total_bytes, hot_age,
                                              kNoStripe, nullptr, kTailSearch) > 0) ||
        (!warm.LooksEmpty() && PullSegmentTail(cls, kWarmLru, total_bytes, warm_age,
                                               kNoStripe, nullptr, kTailSearch) > 0)) {
      ++more;
    }
    if (!cold_stays && !cold.LooksEmpty()) {
      const int pulled =
          PullSegmentTail(cls, kColdLru, 0, 0, kNoStripe, nullptr, kTailSearch);
      more += pulled;
      cold_stays = pulled == 0;
    }
    if (more == 0) break;
    ++moves;
  }
  return moves;
}

int Store::Impl::LruMaintainerPass() {
  // As memcached's lru_maintainer_juggles: one per pass over the classes.
  lru_maintainer_juggles_.fetch_add(1, std::memory_order_relaxed);
  int work = ProcessBumps();
  for (int cls = 1; cls <= slabs_.num_classes(); ++cls) work += Juggle(cls);
  return work;
}

LruCounters Store::Impl::SumLruCounters(int cls) const {
  LruCounters sum;
  for (int s = 0; s < kNumLruSegments; ++s) {
    LruList& list = lru(cls, static_cast<LruSegment>(s));
    std::lock_guard<std::mutex> lock(list.mutex());
    sum.Add(list.do_counters());
  }
  return sum;
}

void Store::Impl::AddLruClassStats(int cls, RelTime now,
                                   SlabClassStats* s) const {
  LruCounters sum;
  uint64_t* numbers[kNumLruSegments] = {&s->number_hot, &s->number_warm,
                                        &s->number_cold, &s->number_temp};
  for (int seg = 0; seg < kNumLruSegments; ++seg) {
    LruList& list = lru(cls, static_cast<LruSegment>(seg));
    std::lock_guard<std::mutex> lock(list.mutex());
    const LruCounters& c = list.do_counters();
    sum.Add(c);
    *numbers[seg] = c.number;
    const uint64_t age = Age(list.do_Tail(), now);
    if (seg == kHotLru) s->age_hot = age;
    if (seg == kWarmLru) s->age_warm = age;
    if (seg == kColdLru) s->age = age;
  }
  s->number = sum.number;
  s->mem_requested = sum.bytes;
  s->evicted = sum.evicted;
  s->evicted_nonzero = sum.evicted_nonzero;
  s->evicted_time = sum.evicted_time;
  s->reclaimed = sum.reclaimed;
  s->outofmemory = sum.outofmemory;
  s->expired_unfetched = sum.expired_unfetched;
  s->evicted_unfetched = sum.evicted_unfetched;
  s->evicted_active = sum.evicted_active;
  s->crawler_reclaimed = sum.crawler_reclaimed;
  s->crawler_items_checked = sum.crawler_items_checked;
  s->lrutail_reflocked = sum.lrutail_reflocked;
  s->moves_to_cold = sum.moves_to_cold;
  s->moves_to_warm = sum.moves_to_warm;
  s->moves_within_lru = sum.moves_within_lru;
  s->direct_reclaims = sum.direct_reclaims;
}

Item* Store::Impl::PullTailFlat(int cls, size_t held_stripe) {
  LruList& list = lru(cls, kColdLru);
  std::lock_guard<std::mutex> lru_lock(list.mutex());
  LruCounters& counters = list.do_counters();
  const RelTime now = clock_->Now();
  Item* item = list.do_Tail();
  int second_chances = 0;
  for (int tries = 0; item != nullptr && tries < kTailSearch; ++tries) {
    Item* const prev = list.do_Prev(item);
    // A count above 1 means an ItemRef holds it: its bytes must stay.
    if (item->refcount.load(std::memory_order_acquire) != 1) {
      item = prev;
      continue;
    }
    const uint32_t hash = HashKey(item->key());
    const size_t stripe = locks_.StripeOf(hash);
    // Against the lock order (LRU -> item), hence only try_lock; our own
    // caller's stripe is held already and must be skipped, not relocked.
    if (stripe == held_stripe || !locks_.ForStripe(stripe).try_lock()) {
      item = prev;
      continue;
    }
    std::lock_guard<std::mutex> item_lock(locks_.ForStripe(stripe),
                                          std::adopt_lock);
    if (item->refcount.load(std::memory_order_acquire) != 1) {
      item = prev;
      continue;
    }
    bool flushed;
    const bool fetched = item->has_flag(kItemFetched);
    const bool dead = IsDead(*item, now, &flushed);
    const bool spare = !dead && item->has_flag(kItemActive) &&
                       second_chances < kMaxSecondChances;
    if ((dead || (!spare && options_.evict)) && !ClaimUnshared(item)) {
      item = prev;
      continue;
    }
    if (dead) {
      ++counters.reclaimed;
      if (!fetched) ++counters.expired_unfetched;
    } else if (spare) {
      ++second_chances;
      item->clear_flag(kItemActive);
      list.do_MoveToHead(item);
      item = prev;
      --tries;  // a spared item does not use up the search
      continue;
    } else if (options_.evict) {
      ++counters.evicted;
      if (item->exptime.load(std::memory_order_relaxed) != 0) {
        ++counters.evicted_nonzero;
      }
      if (!fetched) ++counters.evicted_unfetched;
      LogEviction(options_.watch_log, item, now, fetched);
    } else {
      item = prev;  // -M: only dead items may be taken
      continue;
    }
    CHECK(table_.Remove(item, hash)) << "linked item missing from the table";
    list.do_Unlink(item);
    do_DropLink(item);
    return item;  // our claim passes to the caller
  }
  return nullptr;
}

}  // namespace memcd

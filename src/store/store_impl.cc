#include "store/store_impl.h"

#include <glog/logging.h>

#include <mutex>

#include "base/hash.h"

namespace memcd {

Store::Impl::Impl(Store* owner, const StoreOptions& options, const Clock* clock)
    : owner_(owner),
      options_(options),
      clock_(clock),
      // Address space for the largest limit cache_memlimit may set later;
      // untouched, it costs no memory. -L fixes the limit: no more needed.
      arena_(SlabAllocator::MaxPages(options) *
                 SlabAllocator::PageSize(options),
             options.preallocate ? 0 : Arena::kMaxBytes),
      slabs_(options, &arena_),
      table_(options.hashpower, &arena_),
      locks_(options.hashpower, options.worker_threads),
      expander_(&table_, &locks_) {
  if (options.preallocate) {
    arena_.Prefault(SlabAllocator::MaxPages(options) *
                    SlabAllocator::PageSize(options));
  }
  if (options.track_sizes) {
    sizes_ = std::make_unique<SizeHistogram>(options.item_size_max);
    table_.set_size_histogram(sizes_.get());
  }
  if (options.hash_expand) expander_.Start();
  lrus_.resize((slabs_.num_classes() + 1) * kNumLruSegments);
  for (size_t i = kNumLruSegments; i < lrus_.size(); ++i) {
    lrus_[i] = std::make_unique<LruList>(&arena_);
  }
  StartLruMaintainer();
  StartSlabMover();
  crawler_ = std::make_unique<LruCrawler>(this, options);
  if (options.lru_crawler_thread) crawler_->Start();
}

bool Store::Impl::IsDead(const Item& item, RelTime now, bool* flushed) const {
  *flushed = flush_.IsFlushed(item, now);
  return *flushed || Expired(item, now);
}

Item* Store::Impl::do_FindLive(std::string_view key, uint32_t hash) {
  Item* item = table_.Find(key, hash);
  if (item == nullptr) return nullptr;
  bool flushed;
  if (!IsDead(*item, clock_->Now(), &flushed)) return item;
  // As memcached's do_item_get: every lookup reaps and counts, not only get.
  (flushed ? get_flushed_ : get_expired_)
      .fetch_add(1, std::memory_order_relaxed);
  do_Unlink(item, hash);
  return nullptr;
}

void Store::Impl::do_Link(Item* item, uint32_t hash,
                          std::optional<uint64_t> explicit_cas) {
  DCHECK(!item->has_flag(kItemLinked));
  StampCas(item, explicit_cas);
  item->time.store(clock_->Now(), std::memory_order_relaxed);
  item->mark_linked();
  item->refcount.fetch_add(1, std::memory_order_relaxed);
  table_.Insert(item, hash);
  expander_.MaybeWake();
  do_LruLink(item);
}

void Store::Impl::do_Unlink(Item* item, uint32_t hash) {
  CHECK(table_.Remove(item, hash)) << "linked item missing from the table";
  do_LruUnlink(item);
  item->clear_flag(kItemLinked);
  Release(item);
}

void Store::Impl::do_Replace(Item* old_item, Item* new_item, uint32_t hash,
                             std::optional<uint64_t> explicit_cas) {
  DCHECK(!new_item->has_flag(kItemLinked));
  StampCas(new_item, explicit_cas);
  new_item->time.store(clock_->Now(), std::memory_order_relaxed);
  new_item->mark_linked();
  new_item->refcount.fetch_add(1, std::memory_order_relaxed);
  table_.Replace(old_item, new_item, hash);
  // One LRU lock at a time: the two items may be in different classes.
  do_LruUnlink(old_item);
  do_LruLink(new_item);
  old_item->clear_flag(kItemLinked);
  Release(old_item);
}

void Store::Impl::Release(Item* item) {
  const uint16_t before =
      item->refcount.fetch_sub(1, std::memory_order_acq_rel);
  DCHECK_GT(before, 0) << "released an item with no reference";
  if (before == 1) {
    DCHECK(!item->has_flag(kItemLinked));
    FreeItemMemory(item);
  }
}

ItemRef Store::Impl::Get(std::string_view key, uint32_t hash, bool touch,
                         RelTime exptime) {
  std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
  Item* item = do_FindLive(key, hash);
  if (item == nullptr) return ItemRef();
  if (item->refcount.load(std::memory_order_relaxed) >= kMaxReaderRefs) {
    return ItemRef();  // see kMaxReaderRefs
  }
  item->refcount.fetch_add(1, std::memory_order_relaxed);
  if (touch) item->exptime.store(exptime, std::memory_order_relaxed);
  do_Fetch(item, hash);
  return ItemRef(owner_, item);
}

void Store::Impl::PrefetchKeys(const std::string_view* keys, size_t n,
                               uint32_t* hashes) {
  if (n == 1) {  // nothing to overlap with: the lookup's misses come soon enough
    hashes[0] = HashKey(keys[0]);
    return;
  }
  // Two passes: the buckets and locks first; then, once those lines have
  // had time to arrive, each chain's first item (reading a bucket needs its
  // stripe lock: the table may be growing).
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = HashKey(keys[i]);
    table_.PrefetchBucket(hashes[i]);
    __builtin_prefetch(&locks_.ForHash(hashes[i]));
  }
  for (size_t i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> lock(locks_.ForHash(hashes[i]));
    table_.PrefetchChain(hashes[i]);
  }
}

void Store::Impl::MetaGet(std::string_view key, uint32_t hash,
                          const MetaGetOptions& options, MetaGetResult* out) {
  *out = MetaGetResult();
  const size_t stripe = locks_.StripeOf(hash);
  std::lock_guard<std::mutex> lock(locks_.ForStripe(stripe));
  Item* item = do_FindLive(key, hash);
  if (item != nullptr &&
      item->refcount.load(std::memory_order_relaxed) >= kMaxReaderRefs) {
    return;  // see kMaxReaderRefs
  }
  if (item == nullptr) {
    if (!options.vivify) return;
    AllocResult alloc;
    item = NewItem(key, 0, options.vivify_exptime, 0, stripe, &alloc);
    if (item == nullptr) return;
    if (options.key_binary) item->set_flag(kItemKeyBinary);
    do_Link(item, hash, options.new_cas);
    out->created = true;
    out->won = true;
  } else {
    item->refcount.fetch_add(1, std::memory_order_relaxed);
    const RelTime exptime = item->exptime.load(std::memory_order_relaxed);
    out->exptime_before = exptime;
    out->fetched = item->has_flag(kItemFetched);
    out->last_access = item->time.load(std::memory_order_relaxed);
    // R: a live item near its end is handed to one client to refresh.
    if (options.recache && !item->has_flag(kItemTokenSent) && exptime != 0 &&
        exptime < options.recache_time) {
      out->won = true;
    }
  }
  if (options.set_exptime) {
    item->exptime.store(options.exptime, std::memory_order_relaxed);
  }
  out->token_sent = item->has_flag(kItemTokenSent);
  out->stale = item->has_flag(kItemStale);
  if (out->stale && !out->token_sent) out->won = true;
  if (options.peek) out->won = false;
  if (out->won) item->set_flag(kItemTokenSent);
  if (!options.no_bump) do_Fetch(item, hash);
  out->item = ItemRef(owner_, item);
}

MetaDeleteResult Store::Impl::MetaDelete(std::string_view key,
                                         const MetaDeleteOptions& options) {
  const uint32_t hash = HashKey(key);
  const size_t stripe = locks_.StripeOf(hash);
  std::lock_guard<std::mutex> lock(locks_.ForStripe(stripe));
  Item* item = do_FindLive(key, hash);
  if (item == nullptr) return MetaDeleteResult::kNotFound;
  if (options.compare_cas && item->cas() != options.cas) {
    return MetaDeleteResult::kExists;
  }
  Item* empty = nullptr;  // x: we hold its reference until the end
  if (options.remove_value) {
    // As newer memcached: a fresh empty item from md's own F and T, not the
    // old item's, keeping the old CAS unless E names one.
    AllocResult alloc;
    empty = NewItem(key, options.client_flags,
                    options.set_exptime ? options.exptime : 0, 0, stripe,
                    &alloc);
    if (empty == nullptr) return MetaDeleteResult::kNoMemory;
    if (item->has_flag(kItemKeyBinary)) empty->set_flag(kItemKeyBinary);
    do_Replace(item, empty, hash,
               options.new_cas ? *options.new_cas : item->cas());
    item = empty;
  } else if (!options.invalidate) {
    do_Unlink(item, hash);
    return MetaDeleteResult::kDeleted;
  }
  if (options.invalidate) {
    // Kept, stale, and open to a new winner.
    if (options.set_exptime) {
      item->exptime.store(options.exptime, std::memory_order_relaxed);
    }
    item->set_flag(kItemStale);
    item->clear_flag(kItemTokenSent);
    StampCas(item, options.new_cas);
  }
  if (empty != nullptr) Release(empty);
  return MetaDeleteResult::kDeleted;
}

bool Store::Impl::Touch(std::string_view key, RelTime exptime) {
  const uint32_t hash = HashKey(key);
  std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
  Item* item = do_FindLive(key, hash);
  if (item == nullptr) return false;
  item->exptime.store(exptime, std::memory_order_relaxed);
  do_Fetch(item, hash);
  return true;
}

bool Store::Impl::Delete(std::string_view key) {
  const uint32_t hash = HashKey(key);
  std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
  Item* item = do_FindLive(key, hash);
  if (item == nullptr) return false;
  do_Unlink(item, hash);
  return true;
}

void Store::Impl::FlushAll(RelTime when) {
  const RelTime now = clock_->Now();
  if (when == 0) when = now;
  // memcached's flush_all: with CAS the cut is one second earlier and, when
  // it is already due, everything stored before this call (even within this
  // second) is told apart from later stores by its CAS. Without CAS every
  // item stored up to `when`, this second included, goes.
  if (options_.use_cas) {
    const RelTime oldest_live = when - 1;
    flush_.Set(oldest_live, oldest_live <= now ? NextCas() : 0, now);
  } else {
    flush_.Set(when, 0, now);
  }
}

void Store::Impl::GetStats(StoreStats* out) const {
  *out = StoreStats();
  for (int cls = 1; cls <= slabs_.num_classes(); ++cls) {
    const LruCounters c = SumLruCounters(cls);
    out->curr_items += c.number;
    out->total_items += c.total_items;
    out->bytes += c.bytes;
    out->evictions += c.evicted;
    out->reclaimed += c.reclaimed;
    out->expired_unfetched += c.expired_unfetched;
    out->evicted_unfetched += c.evicted_unfetched;
    out->outofmemory += c.outofmemory;
    out->evicted_active += c.evicted_active;
    out->moves_to_cold += c.moves_to_cold;
    out->moves_to_warm += c.moves_to_warm;
    out->moves_within_lru += c.moves_within_lru;
    out->direct_reclaims += c.direct_reclaims;
    out->lrutail_reflocked += c.lrutail_reflocked;
    out->crawler_reclaimed += c.crawler_reclaimed;
    out->crawler_items_checked += c.crawler_items_checked;
  }
  out->lru_maintainer_juggles =
      lru_maintainer_juggles_.load(std::memory_order_relaxed);
  out->lru_bumps_dropped = lru_bumps_dropped_.load(std::memory_order_relaxed);
  out->get_expired = get_expired_.load(std::memory_order_relaxed);
  out->get_flushed = get_flushed_.load(std::memory_order_relaxed);
  out->total_malloced = slabs_.total_malloced();
  out->limit_maxbytes = slabs_.memory_limit();
  out->hash_power_level = static_cast<uint64_t>(table_.hashpower());
  out->hash_bytes = table_.bytes();
  out->hash_is_expanding = table_.is_expanding() ? 1 : 0;
  out->slabs_moved = slabs_moved_.load(std::memory_order_relaxed);
  out->slab_reassign_rescues =
      reassign_rescues_.load(std::memory_order_relaxed);
  out->slab_reassign_chunk_rescues =
      reassign_chunk_rescues_.load(std::memory_order_relaxed);
  out->slab_reassign_evictions_nomem =
      reassign_evictions_nomem_.load(std::memory_order_relaxed);
  out->slab_reassign_busy_items =
      reassign_busy_items_.load(std::memory_order_relaxed);
  out->slab_reassign_busy_deletes =
      reassign_busy_deletes_.load(std::memory_order_relaxed);
  out->slab_reassign_running =
      move_active_.load(std::memory_order_relaxed) ? 1 : 0;
  out->slab_global_page_pool = slabs_.pages(0);
  out->curr_cas = cas_.load(std::memory_order_relaxed);
  out->lru_crawler_running = crawler_->running() ? 1 : 0;
  out->lru_crawler_starts = crawler_->starts();
}

void Store::Impl::GetSlabStats(std::vector<SlabClassStats>* out) const {
  out->clear();
  const RelTime now = clock_->Now();
  for (int cls = 1; cls <= slabs_.num_classes(); ++cls) {
    SlabClassStats s;
    slabs_.GetClassStats(cls, &s);
    AddLruClassStats(cls, now, &s);
    out->push_back(s);
  }
}

}  // namespace memcd

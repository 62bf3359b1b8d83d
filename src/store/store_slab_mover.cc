// The slab page mover (memcached's slab rebalancer) and slab automove: takes
// one page from a class, emptying it by rescuing (copying) or evicting the
// items in it, and gives it to another class or to the global page pool.
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_set>

#include "base/hash.h"
#include "store/chunked_item.h"
#include "store/store_impl.h"

namespace memcd {

namespace {

// The mover sleeps 1 ms between steps of a move, and up to 1 s when idle,
// which is also about how often automove decides.
constexpr std::chrono::microseconds kMoverMinSleep{1000};
constexpr std::chrono::microseconds kMoverMaxSleep{1000000};
// Steps a move may find items held by readers before it unlinks them
// (memcached's busy deletes), and before it gives up and leaves the page
// with its class (an item allocated and never stored would block forever).
constexpr int kBusyDeleteLoops = 1000;
constexpr int kAbortLoops = 60000;
// A class that evicted (or refused for want of memory) within this many
// seconds is starving for automove.
constexpr RelTime kStarvingSeconds = 3;

// Copies an item's header fields and the `bytes` - header bytes after them
// (CAS, key, value or chain head) into a fresh chunk; one reference: the
// link's. REQUIRES the item lock and no other holder.
void CopyItem(const Item& from, Item* to, size_t bytes) {
  to->h_next = kNullItemId;
  to->lru_prev = kNullItemId;
  to->lru_next = kNullItemId;
  to->exptime.store(from.exptime.load(std::memory_order_relaxed),
                    std::memory_order_relaxed);
  to->time.store(from.time.load(std::memory_order_relaxed),
                 std::memory_order_relaxed);
  to->client_flags = from.client_flags;
  to->value_length = from.value_length;
  to->refcount.store(1, std::memory_order_relaxed);
  to->flags.store(from.flags.load(std::memory_order_relaxed),
                  std::memory_order_relaxed);
  to->slab_class = from.slab_class;
  to->key_length = from.key_length;
  std::memcpy(to->bytes() + Item::kHeaderSize,
              from.bytes() + Item::kHeaderSize, bytes - Item::kHeaderSize);
}

}  // namespace

void Store::Impl::StartSlabMover() {
  automove_.store(options_.slab_automove, std::memory_order_relaxed);
  automove_ratio_.store(options_.slab_automove_ratio,
                        std::memory_order_relaxed);
  automove_evictions_.assign(slabs_.num_classes() + 1, 0);
  automove_evicted_at_.assign(slabs_.num_classes() + 1, 0);
  automove_refusals_.assign(slabs_.num_classes() + 1, 0);
  automove_refused_at_.assign(slabs_.num_classes() + 1, 0);
  if (!options_.slab_reassign || !options_.slab_mover_thread) return;
  slab_mover_ = std::make_unique<BackgroundThread>(
      "memcd-slabmove", [this] {
        int work = SlabMoverPass();
        if (work == 0 && automove_.load(std::memory_order_relaxed) != 0) {
          work = SlabAutomovePass();
        }
        return work;
      },
      kMoverMinSleep, kMoverMaxSleep);
  slab_mover_->Start();
}

Store::ReassignResult Store::Impl::SlabsReassign(int src, int dst) {
  std::unique_lock<std::mutex> lock(mover_mu_, std::try_to_lock);
  if (!lock.owns_lock() || move_queued_ || move_running_) {
    return Store::ReassignResult::kRunning;
  }
  const int n = slabs_.num_classes();
  if (src == dst) return Store::ReassignResult::kSame;
  if (src == -1) {
    // memcached's slabs_reassign_pick_any: the next class, round robin,
    // that has a page to spare.
    for (int tries = 0; tries < n && src == -1; ++tries) {
      move_src_ = move_src_ % n + 1;
      if (move_src_ != dst && slabs_.pages(move_src_) > 1) src = move_src_;
    }
  }
  // Class 0, the global page pool, may be a source or a destination.
  if (src < 0 || src > n || dst < 0 || dst > n) {
    return Store::ReassignResult::kBadClass;
  }
  if (slabs_.pages(src) < 2) return Store::ReassignResult::kNoSpare;
  move_src_ = src;
  move_dst_ = dst;
  move_queued_ = true;
  move_active_.store(true, std::memory_order_relaxed);
  lock.unlock();
  if (slab_mover_ != nullptr) slab_mover_->Wake();
  return Store::ReassignResult::kOk;
}

namespace {

// Whether `owner`, a linked item, holds `chunk` in its chain.
bool ChainHolds(const Item& owner, const ValueChunk* chunk) {
  if (!owner.has_flag(kItemChunked)) return false;
  for (const ValueChunk* c = LoadChunkedValue(owner).first; c != nullptr;
       c = c->next) {
    if (c == chunk) return true;
  }
  return false;
}

}  // namespace

void Store::Impl::do_PinPageItems(std::vector<PinnedItem>* out, int* busy) {
  std::vector<char*> used;
  slabs_.MovingPageUsedChunks(&used);
  std::unordered_set<const Item*> seen;
  for (char* p : used) {
    Item* const item = reinterpret_cast<Item*>(p);
    if (item->flags.load(std::memory_order_acquire) & kChunkIsValue) {
      // Published with its owner and hash; they stay readable until the
      // chunk is freed, and a freed chunk of this page is never reused.
      const auto* chunk = reinterpret_cast<const ValueChunk*>(p);
      const uint32_t hash = chunk->owner_hash;
      Item* const owner = arena_.ToItem(chunk->owner);
      std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
      if (!table_.Contains(owner, hash) || !ChainHolds(*owner, chunk)) {
        ++*busy;  // its item is being made, or unlinked and still read
        continue;
      }
      if (!seen.insert(owner).second) continue;
      owner->refcount.fetch_add(1, std::memory_order_relaxed);
      out->push_back(PinnedItem{owner, hash});
      continue;
    }
    if (seen.count(item) != 0) continue;  // pinned through its value chunk
    // Without the item lock (we do not know the key yet): a pin taken only
    // when the item has no other reference, as a claim is, so nobody can
    // reuse its memory while we read the key.
    if (!ClaimUnshared(item)) {
      // 0: free meanwhile, or being made; more: read or claimed.
      if (item->refcount.load(std::memory_order_relaxed) > 1) {
        reassign_busy_items_.fetch_add(1, std::memory_order_relaxed);
      }
      ++*busy;
      continue;
    }
    if (!item->linked_acquire()) {
      Release(item);  // being made, or unlinked: its holder frees it
      ++*busy;
      continue;
    }
    seen.insert(item);
    out->push_back(PinnedItem{item, HashKey(item->key())});
  }
}

void Store::Impl::do_BusyDeletePage() {
  // Rare: only after kBusyDeleteLoops steps without progress. Readers hold
  // these items, so no pin-by-claim can read their keys; the key of a
  // linked item is read under the lock of the LRU list it is in instead
  // (reusing the memory needs an unlink from that list first).
  std::vector<char*> used;
  slabs_.MovingPageUsedChunks(&used);
  for (char* p : used) {
    Item* item = reinterpret_cast<Item*>(p);
    const uint16_t f = item->flags.load(std::memory_order_acquire);
    uint32_t hash;
    if (f & kChunkIsValue) {
      const auto* chunk = reinterpret_cast<const ValueChunk*>(p);
      hash = chunk->owner_hash;
      item = arena_.ToItem(chunk->owner);
      std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
      if (table_.Contains(item, hash) && ChainHolds(*item, chunk)) {
        do_BusyDelete(item, hash);
      }
      continue;
    }
    if ((f & kItemLinked) == 0 ||
        item->refcount.load(std::memory_order_relaxed) < 2) {
      continue;  // not held: ordinary steps deal with it
    }
    // An item of this page is of the page's class, or a chained item's
    // header (linked in the largest class); a flag tells which.
    const int cls = (f & kItemChunked) ? slabs_.num_classes() : move_src_;
    const auto segment =
        static_cast<LruSegment>((f & kItemLruMask) >> kItemLruShift);
    {
      LruList& list = lru(cls, segment);
      std::lock_guard<std::mutex> lru_lock(list.mutex());
      const uint16_t now = item->flags.load(std::memory_order_acquire);
      if ((now & kItemLinked) == 0 || ((now ^ f) & kItemLruMask) != 0) {
        continue;
      }
      hash = HashKey(item->key());
    }
    std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
    if (item->has_flag(kItemLinked) && table_.Contains(item, hash)) {
      do_BusyDelete(item, hash);
    }
  }
}

void Store::Impl::do_BusyDelete(Item* item, uint32_t hash) {
  if (item->refcount.load(std::memory_order_acquire) < 2) return;
  do_Unlink(item, hash);  // never the last reference: a reader holds one
  reassign_busy_deletes_.fetch_add(1, std::memory_order_relaxed);
}

bool Store::Impl::do_RescueItem(Item* item, uint32_t hash) {
  const bool chunked = item->has_flag(kItemChunked);
  if (chunked) {
    // Chunks of the chain in the page are copied one by one; nobody reads
    // the chain (we checked the item has no holder) and we hold its lock.
    ChunkedValue value = LoadChunkedValue(*item);
    ValueChunk** link = &value.first;
    bool ok = true;
    for (ValueChunk* c = value.first; c != nullptr; c = c->next) {
      if (InMovingPage(c)) {
        auto* fresh = reinterpret_cast<ValueChunk*>(
            slabs_.AllocFree(c->slab_class));
        if (fresh == nullptr) {
          ok = false;
          break;
        }
        std::memcpy(static_cast<void*>(fresh), c,
                    sizeof(ValueChunk) + c->length);
        *link = fresh;
        slabs_.FreeChunk(c, c->slab_class);
        c = fresh;
        reassign_chunk_rescues_.fetch_add(1, std::memory_order_relaxed);
      }
      link = &c->next;
    }
    SaveChunkedValue(item, value);
    if (!ok) return false;
    if (!InMovingPage(item)) return true;
  }
  const int cls = chunked ? LoadChunkedValue(*item).header_class
                          : item->slab_class;
  Item* fresh = slabs_.AllocFree(cls);
  if (fresh == nullptr) return false;
  CopyItem(*item, fresh,
           chunked ? HeaderChunkBytes(item->cas_size() != 0, item->key_length)
                   : item->total_size());
  table_.Replace(item, fresh, hash);
  {
    // Before the class changes below: the item is linked in the list of the
    // class it was stored with.
    LruList* list;
    const std::unique_lock<std::mutex> lock = LockListOf(*item, &list);
    // The maintainer may have moved the item since it was copied.
    SetSegment(fresh, SegmentOf(*item));
    list->do_Unlink(item);
    list->do_LinkHead(fresh);
  }
  if (chunked) {
    // The chain now belongs to `fresh`: the old header frees only itself.
    const ItemId owner = arena_.ToId(fresh);
    for (ValueChunk* c = LoadChunkedValue(*fresh).first; c != nullptr;
         c = c->next) {
      c->owner = owner;
    }
    item->clear_flag(kItemChunked);
    item->slab_class = static_cast<uint8_t>(cls);
  }
  item->clear_flag(kItemLinked);
  Release(item);  // the link's reference; the caller's pin remains
  if (!chunked) reassign_rescues_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool Store::Impl::do_EvacuateStep() {
  std::vector<PinnedItem> pinned;
  int busy = 0;
  do_PinPageItems(&pinned, &busy);
  const RelTime now = clock_->Now();
  for (const PinnedItem& p : pinned) {
    Item* item = p.item;
    {
      std::lock_guard<std::mutex> lock(locks_.ForHash(p.hash));
      bool flushed;
      if (!item->has_flag(kItemLinked)) {
        // Unlinked meanwhile: our release below may free it.
      } else if (item->refcount.load(std::memory_order_acquire) != 2) {
        reassign_busy_items_.fetch_add(1, std::memory_order_relaxed);
        ++busy;
      } else if (IsDead(*item, now, &flushed)) {
        do_Unlink(item, p.hash);
      } else if (!do_RescueItem(item, p.hash)) {
        reassign_evictions_nomem_.fetch_add(1, std::memory_order_relaxed);
        do_Unlink(item, p.hash);
      }
    }
    Release(item);
  }
  if (slabs_.MovingPageEmpty()) return false;
  ++move_busy_loops_;
  if (move_busy_loops_ >= kBusyDeleteLoops) do_BusyDeletePage();
  return true;
}

int Store::Impl::SlabMoverPass() {
  std::lock_guard<std::mutex> lock(mover_mu_);
  if (move_queued_) {
    move_queued_ = false;
    move_busy_loops_ = 0;
    if (move_src_ == 0) {
      // Pool pages are empty: nothing to evacuate.
      if (slabs_.TakePoolPage(move_dst_)) {
        slabs_moved_.fetch_add(1, std::memory_order_relaxed);
      }
      move_active_.store(false, std::memory_order_relaxed);
      return 0;
    }
    if (!slabs_.BeginPageMove(move_src_, &move_page_)) {
      move_active_.store(false, std::memory_order_relaxed);
      return 0;
    }
    move_running_ = true;
  }
  if (!move_running_) return 0;
  if (do_EvacuateStep()) {
    if (move_busy_loops_ < kAbortLoops) return 1;
    LOG(WARNING) << "slab page move from class " << move_src_
                 << " abandoned: chunks still in use";
    slabs_.AbortPageMove();
  } else {
    slabs_.FinishPageMove(move_dst_);
    slabs_moved_.fetch_add(1, std::memory_order_relaxed);
  }
  move_running_ = false;
  move_page_ = nullptr;
  move_active_.store(false, std::memory_order_relaxed);
  return 0;
}

int Store::Impl::SlabAutomovePass() {
  std::unique_lock<std::mutex> lock(mover_mu_, std::try_to_lock);
  if (!lock.owns_lock() || move_queued_ || move_running_) return 0;
  return do_AutomoveDecision();
}

int Store::Impl::do_AutomoveDecision() {
  const int level = automove_.load(std::memory_order_relaxed);
  const RelTime now = clock_->Now();
  const int n = slabs_.num_classes();
  struct ClassView {
    uint64_t pages = 0;
    uint64_t free = 0;
    uint64_t perslab = 0;
    uint64_t age = 0;
    uint64_t fresh_evictions = 0;
    uint64_t fresh_refusals = 0;
  };
  std::vector<ClassView> view(n + 1);
  for (int cls = 1; cls <= n; ++cls) {
    SlabClassStats s;
    slabs_.GetClassStats(cls, &s);
    AddLruClassStats(cls, now, &s);
    ClassView& v = view[cls];
    v.pages = s.total_pages;
    v.free = s.free_chunks;
    v.perslab = s.chunks_per_page;
    v.age = s.age;
    const uint64_t evictions = s.evicted + s.outofmemory;
    v.fresh_evictions = evictions - automove_evictions_[cls];
    if (v.fresh_evictions > 0) automove_evicted_at_[cls] = now;
    automove_evictions_[cls] = evictions;
    v.fresh_refusals = s.outofmemory - automove_refusals_[cls];
    if (v.fresh_refusals > 0) automove_refused_at_[cls] = now;
    automove_refusals_[cls] = s.outofmemory;
  }
  // The first pass only takes the counters' baseline; one per second.
  if (automove_last_ == 0 || automove_last_ == now || level == 0) {
    automove_last_ = now == 0 ? 1 : now;
    return 0;
  }
  automove_last_ = now;
  const auto lately = [now](RelTime at) {
    return at != 0 && now - at <= kStarvingSeconds;
  };
  // The destination: the class that refused most stores lately, among those
  // that refused any in the last few seconds (a class that only evicts
  // still stores); else the one that evicted most lately.
  int dst = 0;
  for (int cls = 1; cls <= n; ++cls) {
    if (lately(automove_refused_at_[cls]) &&
        (dst == 0 || view[cls].fresh_refusals > view[dst].fresh_refusals)) {
      dst = cls;
    }
  }
  const bool refusing = dst != 0;
  for (int cls = 1; !refusing && cls <= n; ++cls) {
    if (!lately(automove_evicted_at_[cls])) continue;
    if (dst == 0 || view[cls].fresh_evictions > view[dst].fresh_evictions) {
      dst = cls;
    }
  }
  if (dst == 0) return 0;
  // A source with a whole page of free chunks gives it first; else the
  // class with the oldest COLD tail, when the starving class's tail is
  // younger than ratio x that age (always with level 2, or when the
  // starving class has no page at all).
  int src = 0;
  for (int cls = 1; cls <= n; ++cls) {
    if (cls == dst || view[cls].pages < 2) continue;
    if (view[cls].free >= view[cls].perslab &&
        (src == 0 || view[cls].free > view[src].free)) {
      src = cls;
    }
  }
  if (src == 0) {
    const double ratio = automove_ratio_.load(std::memory_order_relaxed);
    int oldest = 0;
    for (int cls = 1; cls <= n; ++cls) {
      if (cls == dst || view[cls].pages < 2) continue;
      if (lately(automove_evicted_at_[cls]) &&
          view[cls].pages <= view[dst].pages) {
        continue;  // starving too, and no richer than dst
      }
      if (oldest == 0 || view[cls].age > view[oldest].age) oldest = cls;
    }
    if (oldest == 0) return 0;
    if (level == 2 || view[dst].pages == 0 ||
        static_cast<double>(view[dst].age) <
            static_cast<double>(view[oldest].age) * ratio) {
      src = oldest;
    }
  }
  if (src == 0) return 0;
  move_src_ = src;
  move_dst_ = dst;
  move_queued_ = true;
  move_active_.store(true, std::memory_order_relaxed);
  // Until it has evicted again, the destination waits for this page.
  automove_evicted_at_[dst] = 0;
  automove_refused_at_[dst] = 0;
  return 1;
}

}  // namespace memcd

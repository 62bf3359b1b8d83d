// Large items: allocating and freeing the chunk chains of chunked items
// (layout in store/chunked_item.h).
#include <glog/logging.h>

#include <algorithm>

#include "store/chunked_item.h"
#include "store/store_impl.h"

namespace memcd {

namespace {

// Evicting a chunked item frees chunks of several classes; another thread
// may take them before we do, so allocation retries a few times.
constexpr int kChunkAllocTries = 10;

}  // namespace

void* Store::Impl::AllocChunk(int cls, size_t held_stripe, bool for_item) {
  for (int i = 0; i < kChunkAllocTries; ++i) {
    void* chunk = slabs_.Alloc(cls);
    if (chunk != nullptr) {
      // Free chunks hold no reference; an item starts with its creator's.
      // Nobody else can write the count of a chunk whose count is 0.
      if (for_item) {
        static_cast<Item*>(chunk)->refcount.store(1, std::memory_order_relaxed);
      }
      return chunk;
    }
    Item* victim = PullTail(cls, held_stripe);
    if (victim == nullptr) return nullptr;
    // An ordinary item of class `cls` is a chunk of that class, and already
    // holds our one reference. A chunked one (linked in the largest class)
    // owns chunks of several classes, and a value chunk must hold no
    // reference: return the victim's memory and try the free list again.
    if (for_item && !victim->has_flag(kItemChunked)) return victim;
    Release(victim);
  }
  return nullptr;
}

bool Store::Impl::AttachChunks(Item* item, uint32_t hash,
                               uint32_t value_length, int header_class,
                               size_t held_stripe) {
  const ItemId owner = arena_.ToId(item);
  const int largest = slabs_.num_classes();
  const size_t full = slabs_.chunk_max() - sizeof(ValueChunk);
  ValueChunk* first = nullptr;
  ValueChunk** link = &first;
  size_t left = value_length;
  while (left > 0) {
    const size_t length = std::min(left, full);
    int cls = length == full ? largest
                             : slabs_.ClassFor(length + sizeof(ValueChunk));
    DCHECK_NE(cls, 0);
    void* memory = AllocChunk(cls, held_stripe, /*for_item=*/false);
    if (memory == nullptr && cls != largest) {
      // The last piece's class may hold nothing to evict: its chunks are
      // other big values' last pieces, which are in no LRU. A full-size
      // chunk, for which chunked items are evicted, wastes the difference
      // but stores the value (memcached falls back the same way).
      cls = largest;
      memory = AllocChunk(cls, held_stripe, /*for_item=*/false);
    }
    if (memory == nullptr) {
      for (ValueChunk* c = first; c != nullptr;) {
        ValueChunk* next = c->next;
        slabs_.FreeChunk(c, c->slab_class);
        c = next;
      }
      return false;
    }
    ValueChunk* chunk = static_cast<ValueChunk*>(memory);
    chunk->next = nullptr;
    chunk->length = static_cast<uint32_t>(length);
    chunk->slab_class = static_cast<uint8_t>(cls);
    chunk->owner = owner;
    chunk->owner_hash = hash;
    chunk->kind.store(kChunkIsValue, std::memory_order_release);
    *link = chunk;
    link = &chunk->next;
    left -= length;
  }
  SaveChunkedValue(item, ChunkedValue{first, static_cast<uint8_t>(header_class)});
  return true;
}

void Store::Impl::FreeItemMemory(Item* item) {
  if (!item->has_flag(kItemChunked)) {
    slabs_.Free(item);
    return;
  }
  const ChunkedValue value = LoadChunkedValue(*item);
  for (ValueChunk* c = value.first; c != nullptr;) {
    ValueChunk* next = c->next;  // read before the free list reuses the bytes
    slabs_.FreeChunk(c, c->slab_class);
    c = next;
  }
  slabs_.FreeChunk(item, value.header_class);
}

}  // namespace memcd

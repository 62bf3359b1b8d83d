// Large items. An item whose header + key + value exceed the largest slab
// chunk (slab_chunk_max) is a "chunked" item: an ordinary item header with
// kItemChunked set, whose value bytes hold a ChunkedValue naming a chain of
// ValueChunks. Full chunks come from the largest class; the last one from
// the smallest class that holds what is left, or from the largest when that
// class has no memory and nothing to evict. The item is linked in the
// largest class's LRU (its slab_class), so evicting for big chunks can free
// big items; its own chunk's class is kept in the ChunkedValue.
// Internal to src/store (and item_ref.cc).
#ifndef MEMCD_STORE_CHUNKED_ITEM_H_
#define MEMCD_STORE_CHUNKED_ITEM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "store/item.h"

namespace memcd {

// The head of each chunk of a chained value; the value bytes follow it. Its
// first four bytes mirror Item's (refcount, flags), so the page
// mover can tell a value chunk from an item: `kind` has kChunkIsValue, which
// no item sets, and `no_refs` stays 0, so the mover never pins it as an item.
struct ValueChunk {
  std::atomic<uint16_t> no_refs;  // always 0
  std::atomic<uint16_t> kind;     // kChunkIsValue, stored (release) last
  uint32_t length;                // value bytes in this chunk
  ValueChunk* next;               // nullptr in the last chunk
  // For the page mover, which finds chunks by address: the chunked item
  // owning the chain (rewritten when the mover moves that item) and its
  // key's hash. Written before `kind`; read only after it.
  ItemId owner;
  uint32_t owner_hash;
  uint8_t slab_class;  // the chunk's class, to free it

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
};
static_assert(sizeof(ValueChunk) == 32, "chunk data stays 8-aligned");
static_assert(offsetof(ValueChunk, no_refs) == offsetof(Item, refcount) &&
                  offsetof(ValueChunk, kind) == offsetof(Item, flags),
              "a value chunk's tag overlays an item's refcount and flags");

// What a chunked item keeps in place of its value. Stored with memcpy: the
// value bytes follow the key at any alignment.
struct ChunkedValue {
  ValueChunk* first;
  uint8_t header_class;  // the class of the item's own chunk
};

// Value bytes a chunked item's header reserves.
constexpr size_t kChunkedValueSize = sizeof(ChunkedValue);

inline ChunkedValue LoadChunkedValue(const Item& item) {
  ChunkedValue v;
  std::memcpy(&v, item.key().data() + item.key_length, sizeof(v));
  return v;
}

inline void SaveChunkedValue(Item* item, const ChunkedValue& v) {
  std::memcpy(item->key_data() + item->key_length, &v, sizeof(v));
}

// Bytes a chunked item's own chunk must hold (Item::total_size() stays the
// logical size: header + key + the whole value).
inline size_t HeaderChunkBytes(bool use_cas, size_t key_length) {
  return Item::TotalSize(use_cas, key_length, kChunkedValueSize);
}

}  // namespace memcd

#endif  // MEMCD_STORE_CHUNKED_ITEM_H_

// ItemRef: a counted reference to an item. While any ItemRef to an item lives,
// its memory is not reused, even if the item is unlinked, replaced or evicted,
// so a response can be written straight from item memory.
//
// A value is not always contiguous: an item larger than the largest slab
// chunk keeps its value in a chain of chunks. ValueReader walks a value as
// pieces (exactly one for an ordinary item) and ValueWriter fills a new
// item's value piece by piece.
#ifndef MEMCD_STORE_ITEM_REF_H_
#define MEMCD_STORE_ITEM_REF_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace memcd {

class Store;
struct Item;        // layout in store/item.h
struct ValueChunk;  // layout in store/chunked_item.h

class ItemRef {
 public:
  ItemRef() = default;
  // Adopts one already-taken reference to `item`.
  ItemRef(Store* store, Item* item) : store_(store), item_(item) {}
  ItemRef(ItemRef&& other) noexcept : store_(other.store_), item_(other.item_) {
    other.item_ = nullptr;
  }
  ItemRef& operator=(ItemRef&& other) noexcept;
  ItemRef(const ItemRef&) = delete;
  ItemRef& operator=(const ItemRef&) = delete;
  ~ItemRef() { Reset(); }

  explicit operator bool() const { return item_ != nullptr; }
  void Reset();

  // REQUIRES: *this is not empty.
  std::string_view key() const;
  size_t value_length() const;  // without the trailing "\r\n"
  uint32_t client_flags() const;
  uint64_t cas() const;         // 0 with -C
  RelTime exptime() const;      // 0 = never
  // The LRU list the item is in, as slab class * 4 + segment (HOT, WARM,
  // COLD, TEMP), for memcached's hits_to_* counters. Read without the item
  // lock: the segment may just be changing.
  int lru_slot() const;
  // A copy of the whole value (tests and diagnostics; the server never
  // copies values).
  std::string CopyValue() const;

  Item* get() const { return item_; }

 private:
  Store* store_ = nullptr;
  Item* item_ = nullptr;
};

// Walks an item's value from its start, one contiguous piece at a time.
// Borrows the item: the reference that keeps it alive must outlive the
// reader.
class ValueReader {
 public:
  // REQUIRES: `item` is not empty.
  explicit ValueReader(const ItemRef& item);
  explicit ValueReader(const Item* item);

  // The next piece (never empty); false once the value is exhausted.
  bool Next(std::string_view* piece);

 private:
  std::string_view first_;  // an ordinary item's value, until returned
  const ValueChunk* chunk_ = nullptr;  // next chunk of a chunked value
};

// Fills the value of an item from Store::Allocate(), in order, before
// Store::StoreItem(). Borrows the item like ValueReader.
class ValueWriter {
 public:
  ValueWriter() = default;  // nothing to write
  explicit ValueWriter(const ItemRef& item);
  explicit ValueWriter(Item* item);

  // Value bytes not written yet.
  size_t left() const { return left_; }
  // Copies min(n, left()) bytes of `data`; returns how many.
  size_t Write(const char* data, size_t n);
  // Describes up to `max` consecutive unwritten regions, from the current
  // position, in `out` (for readv); returns how many (0 when left() is 0).
  int Regions(iovec* out, int max) const;
  // Records that the first `n` bytes of Regions() were filled.
  // REQUIRES: n <= left().
  void Advance(size_t n);

 private:
  char* pos_ = nullptr;      // next byte to write in the current piece
  size_t room_ = 0;          // bytes left in the current piece
  ValueChunk* next_ = nullptr;  // the chunk after the current piece
  size_t left_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_STORE_ITEM_REF_H_

// One contiguous reservation holding every slab page. Reserved with
// MAP_NORESERVE so that untouched pages cost no RSS, and addressed by 32-bit
// ItemIds (offset / 8), which caps it at 32 GiB.
#ifndef MEMCD_STORE_ARENA_H_
#define MEMCD_STORE_ARENA_H_

#include <cstddef>
#include <cstdint>

#include "store/item.h"

namespace memcd {

class Arena {
 public:
  // Largest arena that 32-bit ids at 8-byte granularity can address.
  static constexpr size_t kMaxBytes = size_t{1} << 35;

  // Reserves `bytes` (rounded up to whole OS pages). REQUIRES: bytes <=
  // kMaxBytes. Failing to reserve address space is fatal.
  explicit Arena(size_t bytes);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* base() const { return base_; }
  size_t size() const { return size_; }

  // Id <-> pointer. REQUIRES: the pointer is an 8-aligned address inside the
  // arena; the id is not kNullItemId (or use the *OrNull forms).
  Item* ToItem(ItemId id) const {
    return reinterpret_cast<Item*>(base_ + (static_cast<size_t>(id) << 3));
  }
  ItemId ToId(const Item* item) const {
    return static_cast<ItemId>((reinterpret_cast<const char*>(item) - base_) >>
                               3);
  }
  Item* ToItemOrNull(ItemId id) const {
    return id == kNullItemId ? nullptr : ToItem(id);
  }
  ItemId ToIdOrNull(const Item* item) const {
    return item == nullptr ? kNullItemId : ToId(item);
  }

 private:
  char* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_STORE_ARENA_H_

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

  // Reserves max(`bytes`, `reserve`) (rounded up to whole OS pages), so that
  // the memory limit can later grow up to `reserve` (cache_memlimit); when
  // that much address space cannot be had, just `bytes`. REQUIRES: both <=
  // kMaxBytes. Failing to reserve `bytes` is fatal.
  explicit Arena(size_t bytes, size_t reserve = 0);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* base() const { return base_; }
  size_t size() const { return size_; }

  // -L: commits the first `bytes` now (asking for transparent huge pages
  // where the kernel has them, silently doing without), so that RSS is the
  // limit from the start and no page fault happens on the request path.
  void Prefault(size_t bytes);

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

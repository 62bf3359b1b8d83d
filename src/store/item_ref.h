// ItemRef: a counted reference to an item. While any ItemRef to an item lives,
// its memory is not reused, even if the item is unlinked, replaced or evicted,
// so a response can be written straight from item memory.
#ifndef MEMCD_STORE_ITEM_REF_H_
#define MEMCD_STORE_ITEM_REF_H_

#include <cstdint>
#include <string_view>

#include "base/clock.h"

namespace memcd {

class Store;
struct Item;  // layout in store/item.h

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
  std::string_view value() const;  // without the trailing "\r\n"
  char* mutable_value();           // only between Allocate() and StoreItem()
  uint32_t client_flags() const;
  uint64_t cas() const;            // 0 with -C
  RelTime exptime() const;         // 0 = never

  Item* get() const { return item_; }

 private:
  Store* store_ = nullptr;
  Item* item_ = nullptr;
};

}  // namespace memcd

#endif  // MEMCD_STORE_ITEM_REF_H_

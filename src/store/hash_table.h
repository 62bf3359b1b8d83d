// The key -> item index: 2^hashpower buckets of 32-bit item ids, chained
// through Item::h_next. Not internally locked: the caller holds the item lock
// of the key's stripe (ItemLocks), which covers every bucket that key can
// hash to as long as the table has at least as many buckets as there are
// stripes. Kept behind Find/Insert/Remove/Replace so that online doubling can
// be added without changing the callers.
#ifndef MEMCD_STORE_HASH_TABLE_H_
#define MEMCD_STORE_HASH_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "store/arena.h"
#include "store/item.h"

namespace memcd {

class HashTable {
 public:
  // `arena` is borrowed; every item linked here lives in it.
  HashTable(int hashpower, const Arena* arena);
  HashTable(const HashTable&) = delete;
  HashTable& operator=(const HashTable&) = delete;

  // All REQUIRE the item lock for `hash`.
  Item* Find(std::string_view key, uint32_t hash) const;
  // REQUIRES: no item with the same key is in the table.
  void Insert(Item* item, uint32_t hash);
  // Removes `item`; false (a bug in the caller) when it was not there.
  bool Remove(const Item* item, uint32_t hash);
  // Puts `new_item` where `old_item` was. REQUIRES: same key, old present.
  void Replace(const Item* old_item, Item* new_item, uint32_t hash);

  int hashpower() const { return hashpower_; }
  size_t bucket_count() const { return size_t{1} << hashpower_; }
  size_t bytes() const { return bucket_count() * sizeof(ItemId); }

 private:
  ItemId* BucketFor(uint32_t hash) const {
    return &buckets_[hash & (bucket_count() - 1)];
  }
  // The link that points at `item` in its chain, or nullptr.
  ItemId* FindLink(const Item* item, uint32_t hash) const;

  const Arena* const arena_;
  const int hashpower_;
  std::unique_ptr<ItemId[]> buckets_;  // each bucket: its stripe's item lock
};

}  // namespace memcd

#endif  // MEMCD_STORE_HASH_TABLE_H_

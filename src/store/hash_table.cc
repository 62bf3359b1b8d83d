#include "store/hash_table.h"

#include <glog/logging.h>

namespace memcd {

HashTable::HashTable(int hashpower, const Arena* arena)
    : arena_(arena), hashpower_(hashpower) {
  CHECK(hashpower >= 1 && hashpower <= 32) << hashpower;
  buckets_.reset(new ItemId[bucket_count()]);
  for (size_t i = 0; i < bucket_count(); ++i) buckets_[i] = kNullItemId;
}

Item* HashTable::Find(std::string_view key, uint32_t hash) const {
  for (ItemId id = *BucketFor(hash); id != kNullItemId;) {
    Item* item = arena_->ToItem(id);
    if (item->key_length == key.size() && item->key() == key) return item;
    id = item->h_next;
  }
  return nullptr;
}

void HashTable::Insert(Item* item, uint32_t hash) {
  DCHECK(Find(item->key(), hash) == nullptr) << item->key();
  ItemId* bucket = BucketFor(hash);
  item->h_next = *bucket;
  *bucket = arena_->ToId(item);
}

ItemId* HashTable::FindLink(const Item* item, uint32_t hash) const {
  const ItemId target = arena_->ToId(item);
  ItemId* link = BucketFor(hash);
  while (*link != kNullItemId && *link != target) {
    link = &arena_->ToItem(*link)->h_next;
  }
  return *link == kNullItemId ? nullptr : link;
}

bool HashTable::Remove(const Item* item, uint32_t hash) {
  ItemId* link = FindLink(item, hash);
  if (link == nullptr) return false;
  *link = item->h_next;
  return true;
}

void HashTable::Replace(const Item* old_item, Item* new_item, uint32_t hash) {
  ItemId* link = FindLink(old_item, hash);
  CHECK(link != nullptr) << "replacing an item that is not in the table";
  new_item->h_next = old_item->h_next;
  *link = arena_->ToId(new_item);
}

}  // namespace memcd

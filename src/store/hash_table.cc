#include "store/hash_table.h"

#include <glog/logging.h>

#include <algorithm>
#include <new>

#include "base/hash.h"

namespace memcd {

namespace {
constexpr int kPowerShift = 40;
constexpr uint64_t kExpandingBit = uint64_t{1} << 48;
constexpr uint64_t kCursorMask = (uint64_t{1} << kPowerShift) - 1;
}  // namespace

uint64_t HashTable::Encode(const State& s) {
  return (static_cast<uint64_t>(s.power) << kPowerShift) |
         (s.expanding ? kExpandingBit : 0) | (s.cursor & kCursorMask);
}

HashTable::State HashTable::Decode(uint64_t word) {
  return State{static_cast<int>((word >> kPowerShift) & 0xff),
               (word & kExpandingBit) != 0,
               static_cast<size_t>(word & kCursorMask)};
}

HashTable::HashTable(int hashpower, const Arena* arena, int max_power)
    : arena_(arena),
      max_power_(max_power),
      state_(Encode(State{hashpower, false, 0})) {
  CHECK(hashpower >= 1 && hashpower <= 32) << hashpower;
  arrays_[hashpower & 1].reset(new ItemId[size_t{1} << hashpower]);
  std::fill_n(Array(hashpower), size_t{1} << hashpower, kNullItemId);
  published_[hashpower & 1].store(Array(hashpower), std::memory_order_relaxed);
}

size_t HashTable::bytes() const {
  const State s = Decode(state_.load(kAcquire));
  size_t buckets = size_t{1} << s.power;
  if (s.expanding) buckets += size_t{1} << (s.power - 1);
  return buckets * sizeof(ItemId);
}

bool HashTable::WantsToGrow() const {
  const State s = Decode(state_.load(kAcquire));
  if (s.expanding || s.power >= max_power_ ||
      growth_stopped_.load(std::memory_order_relaxed)) {
    return false;
  }
  return item_count() > ((uint64_t{1} << s.power) * 3) / 2;
}

ItemId* HashTable::BucketFor(uint32_t hash) const {
  const State s = Decode(state_.load(kAcquire));
  if (s.expanding) {
    const size_t old_bucket = hash & Mask(s.power - 1);
    if (old_bucket >= s.cursor) return &Array(s.power - 1)[old_bucket];
  }
  return &Array(s.power)[hash & Mask(s.power)];
}

void HashTable::PrefetchBucket(uint32_t hash) const {
  const State s = Decode(state_.load(kAcquire));
  int power = s.power;
  if (s.expanding && (hash & Mask(s.power - 1)) >= s.cursor) --power;
  const ItemId* array = published_[power & 1].load(std::memory_order_relaxed);
  if (array != nullptr) __builtin_prefetch(array + (hash & Mask(power)));
}

void HashTable::PrefetchChain(uint32_t hash) const {
  const ItemId id = *BucketFor(hash);
  if (id == kNullItemId) return;
  // The header and the key, which Find reads, and what follows: a hit's
  // value is read next (copied into the reply when small). Four lines
  // cover a 100-byte value wherever the item starts in its first line.
  const char* item = reinterpret_cast<const char*>(arena_->ToItem(id));
  __builtin_prefetch(item);
  __builtin_prefetch(item + 64);
  __builtin_prefetch(item + 128);
  __builtin_prefetch(item + 192);
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
  items_.fetch_add(1, std::memory_order_relaxed);
  if (sizes_ != nullptr) sizes_->Add(item->total_size());
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
  items_.fetch_sub(1, std::memory_order_relaxed);
  if (sizes_ != nullptr) sizes_->Remove(item->total_size());
  return true;
}

void HashTable::Replace(const Item* old_item, Item* new_item, uint32_t hash) {
  ItemId* link = FindLink(old_item, hash);
  CHECK(link != nullptr) << "replacing an item that is not in the table";
  new_item->h_next = old_item->h_next;
  *link = arena_->ToId(new_item);
  if (sizes_ != nullptr) {
    sizes_->Remove(old_item->total_size());
    sizes_->Add(new_item->total_size());
  }
}

bool HashTable::StartExpansion() {
  // Only this thread writes state_, so a relaxed read of it is current.
  const State s = Decode(state_.load(std::memory_order_relaxed));
  CHECK(!s.expanding) << "expansion already under way";
  if (s.power >= max_power_) {
    growth_stopped_.store(true, std::memory_order_relaxed);
    return false;
  }
  const int power = s.power + 1;
  const size_t count = size_t{1} << power;
  std::unique_ptr<ItemId[]> fresh(new (std::nothrow) ItemId[count]);
  if (fresh == nullptr) {
    // As memcached: bad news, but the table keeps working at its size.
    LOG(ERROR) << "hash table expansion to 2^" << power
               << " buckets failed: out of memory";
    growth_stopped_.store(true, std::memory_order_relaxed);
    return false;
  }
  std::fill_n(fresh.get(), count, kNullItemId);
  // The slot is free: its last array (power - 1) was freed by the previous
  // FinishExpansion, after every reader had left it.
  arrays_[power & 1] = std::move(fresh);
  published_[power & 1].store(Array(power), std::memory_order_relaxed);
  state_.store(Encode(State{power, true, 0}), std::memory_order_release);
  return true;
}

size_t HashTable::old_bucket_count() const {
  const State s = Decode(state_.load(kAcquire));
  return s.expanding ? size_t{1} << (s.power - 1) : 0;
}

void HashTable::do_MigrateBucket(size_t b) {
  const State s = Decode(state_.load(std::memory_order_relaxed));
  CHECK(s.expanding && b == s.cursor) << "bucket " << b << " out of turn";
  ItemId* const from = &Array(s.power - 1)[b];
  ItemId* const to = Array(s.power);
  const size_t mask = Mask(s.power);
  // Items do not keep their hash; rehash the key, as memcached does.
  for (ItemId id = *from; id != kNullItemId;) {
    Item* item = arena_->ToItem(id);
    const ItemId next = item->h_next;
    ItemId* bucket = &to[HashKey(item->key()) & mask];
    item->h_next = *bucket;
    *bucket = id;
    id = next;
  }
  *from = kNullItemId;
  // Release: a reader that later takes this stripe's lock, or sees the new
  // cursor, finds the moved chains in the new array.
  state_.store(Encode(State{s.power, true, b + 1}), std::memory_order_release);
}

void HashTable::FinishExpansion() {
  const State s = Decode(state_.load(std::memory_order_relaxed));
  CHECK(s.expanding && s.cursor == size_t{1} << (s.power - 1))
      << "expansion finished early";
  state_.store(Encode(State{s.power, false, 0}), std::memory_order_release);
  // Every reader of the old array held the stripe lock of its bucket, and
  // each bucket was migrated under that lock after them: none is left.
  published_[(s.power - 1) & 1].store(nullptr, std::memory_order_relaxed);
  arrays_[(s.power - 1) & 1].reset();
}

}  // namespace memcd

// Allocation with eviction, and the operations that create or change items.
#include <glog/logging.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>

#include "base/hash.h"
#include "store/arith.h"
#include "store/chunked_item.h"
#include "store/store_impl.h"

namespace memcd {

namespace {

// Appends `src`'s whole value at the writer's position.
void CopyValue(const Item* src, ValueWriter* dst) {
  ValueReader reader(src);
  std::string_view piece;
  while (reader.Next(&piece)) dst->Write(piece.data(), piece.size());
}

// Items of at least chunk_max / this many bytes may fall back to a chunk of
// the largest class when their own class has no memory (see NewItem).
constexpr size_t kLargestFallbackShare = 4;

}  // namespace

Item* Store::Impl::NewItem(std::string_view key, uint32_t client_flags,
                           RelTime exptime, uint32_t value_length,
                           size_t held_stripe, AllocResult* result) {
  CHECK_LE(key.size(), 255u) << "keys are validated by the protocol layer";
  const size_t total =
      Item::TotalSize(options_.use_cas, key.size(), value_length);
  if (total > options_.item_size_max) {
    *result = AllocResult::kTooLarge;
    return nullptr;
  }
  // Past the largest chunk the value goes to a chain (chunked_item.h).
  const bool chunked = total > slabs_.chunk_max();
  int cls = slabs_.ClassFor(
      chunked ? HeaderChunkBytes(options_.use_cas, key.size()) : total);
  DCHECK_NE(cls, 0);
  void* chunk = AllocChunk(cls, held_stripe, /*for_item=*/true);
  const int own_class = cls;
  const int largest = slabs_.num_classes();
  if (chunk == nullptr && !chunked && cls != largest &&
      slabs_.chunk_size(cls) >= slabs_.chunk_max() / kLargestFallbackShare) {
    // A big class can be all other values' last chunks, which are in no
    // LRU, and then has nothing to evict; a largest chunk (whose LRU holds
    // the chunked items) stores the item rather than refuse it. Smaller
    // items do not take it: evicting up to chunk_max bytes for them costs
    // more than a refusal.
    cls = largest;
    chunk = AllocChunk(cls, held_stripe, /*for_item=*/true);
  }
  if (chunk == nullptr) {
    CountOutOfMemory(chunked ? largest : own_class);
    *result = AllocResult::kNoMemory;
    return nullptr;
  }
  // AllocChunk gave it our reference; the count is not written here, since
  // the page mover may be holding a pin on a reused victim.
  Item* item = static_cast<Item*>(chunk);
  item->h_next = kNullItemId;
  item->lru_prev = kNullItemId;
  item->lru_next = kNullItemId;
  item->exptime.store(exptime, std::memory_order_relaxed);
  item->time.store(clock_->Now(), std::memory_order_relaxed);
  item->client_flags = client_flags;
  item->value_length = value_length;
  item->flags.store((options_.use_cas ? kItemHasCas : 0) |
                        (chunked ? kItemChunked : 0),
                    std::memory_order_relaxed);
  // A chunked item lives in the largest class's LRU, where its data is.
  item->slab_class = static_cast<uint8_t>(chunked ? largest : cls);
  item->key_length = static_cast<uint8_t>(key.size());
  item->set_cas(0);
  std::memcpy(item->key_data(), key.data(), key.size());
  if (chunked && !AttachChunks(item, HashKey(key), value_length, cls,
                               held_stripe)) {
    // Now an ordinary, empty item of its own chunk's class.
    item->clear_flag(kItemChunked);
    item->slab_class = static_cast<uint8_t>(cls);
    Release(item);
    CountOutOfMemory(largest);
    *result = AllocResult::kNoMemory;
    return nullptr;
  }
  *result = AllocResult::kOk;
  return item;
}

AllocResult Store::Impl::Allocate(std::string_view key, uint32_t client_flags,
                                  RelTime exptime, uint32_t value_length,
                                  ItemRef* out) {
  AllocResult result;
  Item* item =
      NewItem(key, client_flags, exptime, value_length, kNoStripe, &result);
  *out = item == nullptr ? ItemRef() : ItemRef(owner_, item);
  return result;
}

StoreResult Store::Impl::StoreItem(Item* item, StoreMode mode, uint64_t cas_in,
                                   uint64_t* cas_out, bool invalidate,
                                   std::optional<uint64_t> new_cas) {
  DCHECK(!item->has_flag(kItemLinked)) << "item stored twice";
  const std::string_view key = item->key();
  const uint32_t hash = HashKey(key);
  const size_t stripe = locks_.StripeOf(hash);
  std::lock_guard<std::mutex> lock(locks_.ForStripe(stripe));
  Item* old = do_FindLive(key, hash);

  Item* to_link = nullptr;
  Item* combined = nullptr;  // append/prepend's new item; we hold its ref
  StoreResult result = StoreResult::kNotStored;
  switch (mode) {
    case StoreMode::kSet:
      to_link = item;
      break;
    case StoreMode::kAdd:
      if (old == nullptr) {
        to_link = item;
      } else {
        do_Bump(old);  // as memcached: a refused add still refreshes the key
      }
      break;
    case StoreMode::kReplace:
      if (old != nullptr) to_link = item;
      break;
    case StoreMode::kAppend:
    case StoreMode::kPrepend: {
      if (old == nullptr) break;
      if (cas_in != 0 && cas_in != old->cas()) {  // meta's ms MA/MP with C
        result = StoreResult::kExists;
        break;
      }
      AllocResult alloc;
      // The combined item keeps the old item's flags and exptime.
      combined = NewItem(
          key, old->client_flags, old->exptime.load(std::memory_order_relaxed),
          old->value_length + item->value_length, stripe, &alloc);
      if (combined == nullptr) {
        result = StoreResult::kNoMemory;
        break;
      }
      // Either value, and the result, may be chunked: copy piece by piece.
      ValueWriter writer(combined);
      CopyValue(mode == StoreMode::kAppend ? old : item, &writer);
      CopyValue(mode == StoreMode::kAppend ? item : old, &writer);
      DCHECK_EQ(writer.left(), 0u);
      to_link = combined;
      break;
    }
    case StoreMode::kCas:
      if (old == nullptr) {
        result = StoreResult::kNotFound;
      } else if (invalidate && options_.use_cas && cas_in < old->cas()) {
        // ms I: an older value is accepted, but stays stale and keeps the
        // old item's exptime and win token.
        item->exptime.store(old->exptime.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
        item->set_flag(kItemStale);
        if (old->has_flag(kItemTokenSent)) item->set_flag(kItemTokenSent);
        to_link = item;
      } else if (cas_in == 0 || cas_in != old->cas() || !options_.use_cas) {
        // As memcached 1.6: a zero CAS never matches, and with -C every
        // item's CAS is 0, so cas always answers EXISTS.
        result = StoreResult::kExists;
      } else {
        to_link = item;
      }
      break;
  }

  if (to_link != nullptr) {
    if (old != nullptr) {
      do_Replace(old, to_link, hash, new_cas);
    } else {
      do_Link(to_link, hash, new_cas);
    }
    result = StoreResult::kStored;
    if (cas_out != nullptr) *cas_out = to_link->cas();
  }
  if (combined != nullptr) Release(combined);
  return result;
}

ArithResult Store::Impl::Arith(std::string_view key, bool incr, uint64_t delta,
                               uint64_t* value_out, uint64_t* cas_out) {
  MetaArithOptions options;
  options.incr = incr;
  options.delta = delta;
  MetaArithOutcome outcome;
  switch (MetaArith(key, options, &outcome)) {
    case MetaArithResult::kOk:
      *value_out = outcome.value;
      if (cas_out != nullptr) *cas_out = outcome.cas;
      return ArithResult::kOk;
    case MetaArithResult::kNonNumeric:
      return ArithResult::kNonNumeric;
    case MetaArithResult::kNoMemory:
      return ArithResult::kNoMemory;
    case MetaArithResult::kCreated:  // neither without vivify or compare
    case MetaArithResult::kExists:
    case MetaArithResult::kNotFound:
      break;
  }
  return ArithResult::kNotFound;
}

MetaArithResult Store::Impl::MetaArith(std::string_view key,
                                       const MetaArithOptions& options,
                                       MetaArithOutcome* out) {
  *out = MetaArithOutcome();
  const uint32_t hash = HashKey(key);
  const size_t stripe = locks_.StripeOf(hash);
  std::lock_guard<std::mutex> lock(locks_.ForStripe(stripe));
  Item* item = do_FindLive(key, hash);
  if (item == nullptr) {
    if (!options.vivify) return MetaArithResult::kNotFound;
    char digits[20];
    const auto conv =
        std::to_chars(digits, digits + sizeof(digits), options.initial);
    const size_t length = static_cast<size_t>(conv.ptr - digits);
    AllocResult alloc;
    Item* fresh = NewItem(key, 0, options.vivify_exptime,
                          static_cast<uint32_t>(length), stripe, &alloc);
    if (fresh == nullptr) return MetaArithResult::kNoMemory;
    std::memcpy(fresh->value_data(), digits, length);
    do_Link(fresh, hash, options.new_cas);
    if (options.set_exptime) {
      fresh->exptime.store(options.exptime, std::memory_order_relaxed);
    }
    out->value = options.initial;
    out->cas = fresh->cas();
    Release(fresh);
    return MetaArithResult::kCreated;
  }
  if (options.compare_cas && item->cas() != options.cas) {
    return MetaArithResult::kExists;
  }
  out->exptime_before = item->exptime.load(std::memory_order_relaxed);
  uint64_t value;
  // As memcached: a chunked value is too long to be a number.
  if (item->has_flag(kItemChunked) || !ParseArithValue(item->value(), &value)) {
    return MetaArithResult::kNonNumeric;
  }
  value = ApplyDelta(value, options.incr, options.delta);
  char digits[20];
  const auto conv = std::to_chars(digits, digits + sizeof(digits), value);
  const size_t length = static_cast<size_t>(conv.ptr - digits);
  // A shorter number keeps the value's length, space padded as memcached
  // does, whichever way it is written: the reply must not depend on whether
  // someone happens to hold a reference.
  const size_t stored_length = std::max<size_t>(length, item->value_length);
  // Only the table's reference and our item lock: nobody can be reading the
  // bytes, so a number that fits is written in place.
  if (length <= item->value_length &&
      item->refcount.load(std::memory_order_acquire) == 1) {
    std::memcpy(item->value_data(), digits, length);
    std::memset(item->value_data() + length, ' ', item->value_length - length);
    out->cas = StampCas(item, options.new_cas);
    do_Bump(item);
  } else {
    AllocResult alloc;
    Item* fresh = NewItem(key, item->client_flags,
                          item->exptime.load(std::memory_order_relaxed),
                          static_cast<uint32_t>(stored_length), stripe, &alloc);
    if (fresh == nullptr) return MetaArithResult::kNoMemory;
    std::memcpy(fresh->value_data(), digits, length);
    std::memset(fresh->value_data() + length, ' ', stored_length - length);
    do_Replace(item, fresh, hash, options.new_cas);
    out->cas = fresh->cas();
    item = fresh;
    Release(fresh);  // the table's reference keeps it; item stays valid
  }
  if (options.set_exptime) {
    item->exptime.store(options.exptime, std::memory_order_relaxed);
  }
  out->value = value;
  return MetaArithResult::kOk;
}

}  // namespace memcd

// The in-memory layout of one item: a 34-byte header, then the 8-byte CAS
// (only with CAS enabled), then the key, then the value without "\r\n".
// Items live in arena chunks and refer to each other by 32-bit ItemId.
#ifndef MEMCD_STORE_ITEM_H_
#define MEMCD_STORE_ITEM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/clock.h"

namespace memcd {

// Byte offset of an item in the arena divided by 8 (items are 8-aligned).
using ItemId = uint32_t;
// Never a valid id: the arena is at most 32 GiB and chunks are >= 8 bytes.
constexpr ItemId kNullItemId = 0xffffffffu;

// Item::flags bits.
enum ItemFlag : uint16_t {
  kItemLinked = 1 << 0,   // in the hash table and the LRU
  kItemFetched = 1 << 1,  // read at least once since stored
  kItemHasCas = 1 << 2,   // 8 CAS bytes follow the header
  kItemActive = 1 << 3,   // read since it last moved to the LRU head
  // Never set in an item: marks a ValueChunk (store/chunked_item.h), whose
  // tag byte sits where an item keeps its flags, so that the page mover can
  // tell the two apart in a page.
  kChunkIsValue = 1 << 6,
  // The value lives in a chain of chunks (store/chunked_item.h); the value
  // bytes in the item hold the chain's head. Set at allocation, never changed.
  kItemChunked = 1 << 7,
  // Meta protocol (mg/ms/md with I, N, R): the value is stale (invalidated);
  // a client was handed the win token (W) and the others get Z until the
  // item is replaced. Both are cleared by replacing the item.
  kItemStale = 1 << 8,
  kItemTokenSent = 1 << 9,
  // The key was sent base64 encoded (meta "b"): replies encode it again.
  kItemKeyBinary = 1 << 10,
};
// Bits 4-5 of Item::flags: a linked item's LRU segment (store/lru.h).
constexpr uint16_t kItemLruShift = 4;
constexpr uint16_t kItemLruMask = 3 << kItemLruShift;

struct Item {
  static constexpr size_t kHeaderSize = 34;
  static constexpr size_t kCasSize = 8;

  // refcount and flags come first, at the same offsets as in a ValueChunk:
  // the page mover reads them in any used chunk of a page (see
  // store_slab_mover.cc). A free chunk has both 0.
  std::atomic<uint16_t> refcount;  // 1 while linked, +1 per ItemRef or pin
  std::atomic<uint16_t> flags;     // ItemFlag bits; relaxed, item lock to write
  ItemId h_next;                   // hash chain; item lock of the key's stripe
  ItemId lru_prev;                 // toward the head; the class's LRU lock
  ItemId lru_next;                 // toward the tail; the class's LRU lock
  std::atomic<RelTime> exptime;    // 0 = never; written under the item lock
  std::atomic<RelTime> time;       // last store or access; item lock
  uint32_t client_flags;           // immutable once stored
  uint32_t value_length;           // immutable once stored
  uint8_t slab_class;              // fixed while the chunk is in use
  uint8_t key_length;
  char tail[2];  // first bytes of [cas] key value

  size_t cas_size() const {
    return (flags.load(std::memory_order_relaxed) & kItemHasCas) ? kCasSize : 0;
  }
  bool has_flag(ItemFlag f) const {
    return (flags.load(std::memory_order_relaxed) & f) != 0;
  }
  // Skips the read-modify-write when the bit is already set (hot on gets).
  void set_flag(ItemFlag f) {
    if (!has_flag(f)) flags.fetch_or(f, std::memory_order_relaxed);
  }
  // Released, so that whoever sees kItemLinked with an acquire load also
  // sees the key and header written before the item was linked.
  void mark_linked() {
    flags.fetch_or(kItemLinked, std::memory_order_release);
  }
  bool linked_acquire() const {
    return (flags.load(std::memory_order_acquire) & kItemLinked) != 0;
  }
  void clear_flag(ItemFlag f) {
    flags.fetch_and(static_cast<uint16_t>(~f), std::memory_order_relaxed);
  }

  char* bytes() { return reinterpret_cast<char*>(this); }
  const char* bytes() const { return reinterpret_cast<const char*>(this); }

  // The CAS may sit at any alignment, hence memcpy.
  uint64_t cas() const {
    if (cas_size() == 0) return 0;
    uint64_t v;
    std::memcpy(&v, bytes() + kHeaderSize, sizeof(v));
    return v;
  }
  void set_cas(uint64_t v) {
    if (cas_size() != 0) std::memcpy(bytes() + kHeaderSize, &v, sizeof(v));
  }

  char* key_data() { return bytes() + kHeaderSize + cas_size(); }
  std::string_view key() const {
    return std::string_view(bytes() + kHeaderSize + cas_size(), key_length);
  }
  // The value of an ordinary item; a kItemChunked item's value is in its
  // chain (read it with ValueReader).
  char* value_data() { return key_data() + key_length; }
  std::string_view value() const {
    return std::string_view(key().data() + key_length, value_length);
  }

  // Bytes this item occupies within its chunk.
  size_t total_size() const {
    return kHeaderSize + cas_size() + key_length + value_length;
  }
  static size_t TotalSize(bool use_cas, size_t key_length,
                          size_t value_length) {
    return kHeaderSize + (use_cas ? kCasSize : 0) + key_length + value_length;
  }
};

static_assert(sizeof(Item) == 36, "the item header must stay compact");
static_assert(offsetof(Item, refcount) == 0 && offsetof(Item, flags) == 2,
              "the page mover finds refcount and flags at fixed offsets");
static_assert(offsetof(Item, tail) == Item::kHeaderSize,
              "kHeaderSize must match the header's fields");

}  // namespace memcd

#endif  // MEMCD_STORE_ITEM_H_

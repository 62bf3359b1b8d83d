#include "store/item_ref.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstring>

#include "store/chunked_item.h"
#include "store/item.h"
#include "store/lru.h"
#include "store/store.h"

namespace memcd {

ItemRef& ItemRef::operator=(ItemRef&& other) noexcept {
  if (this != &other) {
    Reset();
    store_ = other.store_;
    item_ = other.item_;
    other.item_ = nullptr;
  }
  return *this;
}

void ItemRef::Reset() {
  if (item_ != nullptr) {
    store_->Release(item_);
    item_ = nullptr;
  }
}

std::string_view ItemRef::key() const {
  DCHECK(item_ != nullptr);
  return item_->key();
}

size_t ItemRef::value_length() const {
  DCHECK(item_ != nullptr);
  return item_->value_length;
}

uint32_t ItemRef::client_flags() const {
  DCHECK(item_ != nullptr);
  return item_->client_flags;
}

uint64_t ItemRef::cas() const {
  DCHECK(item_ != nullptr);
  return item_->cas();
}

static_assert(kNumLruSegments == 4 && kHotLru == 0 && kWarmLru == 1 &&
                  kColdLru == 2 && kTempLru == 3,
              "lru_slot()'s documented order (stats items' hits_to_*)");

int ItemRef::lru_slot() const {
  DCHECK(item_ != nullptr);
  return item_->slab_class * kNumLruSegments + SegmentOf(*item_);
}

RelTime ItemRef::exptime() const {
  DCHECK(item_ != nullptr);
  return item_->exptime.load(std::memory_order_relaxed);
}

std::string ItemRef::CopyValue() const {
  std::string out;
  out.reserve(value_length());
  ValueReader reader(*this);
  std::string_view piece;
  while (reader.Next(&piece)) out.append(piece.data(), piece.size());
  return out;
}

ValueReader::ValueReader(const ItemRef& item) : ValueReader(item.get()) {}

ValueReader::ValueReader(const Item* item) {
  DCHECK(item != nullptr);
  if (item->has_flag(kItemChunked)) {
    chunk_ = LoadChunkedValue(*item).first;
  } else {
    first_ = item->value();
  }
}

bool ValueReader::Next(std::string_view* piece) {
  if (!first_.empty()) {
    *piece = first_;
    first_ = std::string_view();
    return true;
  }
  if (chunk_ == nullptr) return false;
  *piece = std::string_view(chunk_->data(), chunk_->length);
  chunk_ = chunk_->next;
  return true;
}

ValueWriter::ValueWriter(const ItemRef& item) : ValueWriter(item.get()) {}

ValueWriter::ValueWriter(Item* item) {
  DCHECK(item != nullptr);
  DCHECK(!item->has_flag(kItemLinked)) << "item bytes are frozen once stored";
  left_ = item->value_length;
  if (item->has_flag(kItemChunked)) {
    next_ = LoadChunkedValue(*item).first;
  } else {
    pos_ = item->value_data();
    room_ = left_;
  }
}

size_t ValueWriter::Write(const char* data, size_t n) {
  size_t done = 0;
  while (done < n && left_ > 0) {
    if (room_ == 0) Advance(0);  // step into the next chunk
    CHECK_GT(room_, 0u) << "chunk lengths do not add up to the value length";
    const size_t step = std::min(n - done, room_);
    std::memcpy(pos_, data + done, step);
    done += step;
    Advance(step);
  }
  return done;
}

int ValueWriter::Regions(iovec* out, int max) const {
  int count = 0;
  if (room_ > 0 && count < max) out[count++] = {pos_, room_};
  for (ValueChunk* c = next_; c != nullptr && count < max; c = c->next) {
    out[count++] = {c->data(), c->length};
  }
  return count;
}

void ValueWriter::Advance(size_t n) {
  DCHECK_LE(n, left_);
  left_ -= n;
  while (true) {
    const size_t step = std::min(n, room_);
    pos_ += step;
    room_ -= step;
    n -= step;
    if (room_ > 0 || next_ == nullptr) break;
    if (n == 0 && left_ == 0) break;
    // The current piece is full: move to the next chunk.
    pos_ = next_->data();
    room_ = next_->length;
    next_ = next_->next;
    if (n == 0) break;
  }
  DCHECK_EQ(n, 0u);
}

}  // namespace memcd

#include "store/item_ref.h"

#include <glog/logging.h>

#include "store/item.h"
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

std::string_view ItemRef::value() const {
  DCHECK(item_ != nullptr);
  return item_->value();
}

char* ItemRef::mutable_value() {
  DCHECK(item_ != nullptr);
  DCHECK(!item_->has_flag(kItemLinked)) << "item bytes are frozen once stored";
  return item_->value_data();
}

uint32_t ItemRef::client_flags() const {
  DCHECK(item_ != nullptr);
  return item_->client_flags;
}

uint64_t ItemRef::cas() const {
  DCHECK(item_ != nullptr);
  return item_->cas();
}

RelTime ItemRef::exptime() const {
  DCHECK(item_ != nullptr);
  return item_->exptime.load(std::memory_order_relaxed);
}

}  // namespace memcd

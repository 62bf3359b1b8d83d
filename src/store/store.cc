// The Store facade: validation, and forwarding to Store::Impl.
#include "store/store.h"

#include <glog/logging.h>

#include "store/arena.h"
#include "store/slab_allocator.h"
#include "store/store_impl.h"

namespace memcd {

bool Store::ValidateOptions(const StoreOptions& options, std::string* error) {
  constexpr size_t kMiB = size_t{1} << 20;
  if (options.memory_limit > Arena::kMaxBytes) {
    *error = "Memory limit of " + std::to_string(options.memory_limit / kMiB) +
             " MiB is above the " + std::to_string(Arena::kMaxBytes / kMiB) +
             " MiB that 32-bit item ids can address.";
    return false;
  }
  if (options.item_size_max < 1024) {
    *error = "Item max size cannot be less than 1024 bytes.";
    return false;
  }
  if (options.item_size_max > (size_t{1} << 30)) {
    *error = "Cannot set item size limit higher than a gigabyte.";
    return false;
  }
  if (options.item_size_max > options.memory_limit / 2) {
    *error = "Cannot set item size limit higher than 1/2 of memory max.";
    return false;
  }
  if (SlabAllocator::MaxPages(options) == 0) {
    *error = "Memory limit is smaller than one slab page.";
    return false;
  }
  if (!(options.growth_factor > 1.0)) {
    *error = "Factor must be greater than 1";
    return false;
  }
  if (options.chunk_size_min == 0) {
    *error = "Chunk size must be greater than 0";
    return false;
  }
  if (options.hashpower < 12) {
    *error = "Initial hashtable multiplier of " +
             std::to_string(options.hashpower) + " is too low";
    return false;
  }
  if (options.hashpower > 32) {
    *error = "Initial hashtable multiplier of " +
             std::to_string(options.hashpower) + " is too high";
    return false;
  }
  return true;
}

Store::Store(const StoreOptions& options, const Clock* clock)
    : options_(options) {
  std::string error;
  CHECK(ValidateOptions(options, &error)) << error;
  impl_ = std::make_unique<Impl>(this, options, clock);
}

Store::~Store() = default;

AllocResult Store::Allocate(std::string_view key, uint32_t client_flags,
                            RelTime exptime, uint32_t value_length,
                            ItemRef* out) {
  return impl_->Allocate(key, client_flags, exptime, value_length, out);
}

StoreResult Store::StoreItem(const ItemRef& item, StoreMode mode,
                             uint64_t cas_in, uint64_t* cas_out) {
  CHECK(item) << "StoreItem needs an item from Allocate()";
  return impl_->StoreItem(item.get(), mode, cas_in, cas_out);
}

ItemRef Store::Get(std::string_view key) { return impl_->Get(key, false, 0); }

ItemRef Store::GetAndTouch(std::string_view key, RelTime exptime) {
  return impl_->Get(key, true, exptime);
}

bool Store::Touch(std::string_view key, RelTime exptime) {
  return impl_->Touch(key, exptime);
}

bool Store::Delete(std::string_view key) { return impl_->Delete(key); }

ArithResult Store::Arith(std::string_view key, bool incr, uint64_t delta,
                         uint64_t* value_out, uint64_t* cas_out) {
  return impl_->Arith(key, incr, delta, value_out, cas_out);
}

void Store::FlushAll(RelTime when) { impl_->FlushAll(when); }

void Store::GetStats(StoreStats* out) const { impl_->GetStats(out); }

void Store::GetSlabStats(std::vector<SlabClassStats>* out) const {
  impl_->GetSlabStats(out);
}

void Store::Release(Item* item) { impl_->Release(item); }

}  // namespace memcd

// The Store facade: validation, and forwarding to Store::Impl.
#include "store/store.h"

#include <glog/logging.h>

#include "base/hash.h"
#include "store/arena.h"
#include "store/slab_allocator.h"
#include "store/store_impl.h"

namespace memcd {

// With memcached's messages.
bool Store::ValidateChunkOptions(const StoreOptions& options,
                                 std::string* error) {
  // A chunked item's header (with a 250-byte key) must fit in one chunk,
  // with room to spare; memcached has no such floor.
  constexpr size_t kMinChunkMax = 1024;
  const size_t chunk = options.slab_chunk_max;
  const std::string page = std::to_string(options.slab_page_size);
  const std::string item = std::to_string(options.item_size_max);
  if (chunk != 0) {
    const std::string bytes = std::to_string(chunk);
    if (chunk > options.item_size_max) {
      *error = "slab_chunk_max (bytes: " + bytes +
               ") cannot be larger than -I (item_size_max " + item + ")";
      return false;
    }
    if (options.item_size_max % chunk != 0) {
      *error = "-I (item_size_max: " + item +
               ") must be evenly divisible by slab_chunk_max (bytes: " +
               bytes + ")";
      return false;
    }
    if (options.slab_page_size % chunk != 0) {
      *error = "slab_chunk_max (bytes: " + bytes + ") must divide evenly into " +
               page + " (slab_page_size)";
      return false;
    }
  }
  const size_t chunk_max = SlabAllocator::ChunkMax(options);
  if (chunk_max < kMinChunkMax) {
    *error = "slab_chunk_max (bytes: " + std::to_string(chunk_max) +
             ") cannot be smaller than " + std::to_string(kMinChunkMax);
    return false;
  }
  uint32_t last = 0;
  for (uint32_t size : options.slab_sizes) {
    const std::string s = std::to_string(size);
    if (size < options.chunk_size_min || size > chunk_max) {
      *error = "slab size " + s + " is out of valid range";
      return false;
    }
    if (last >= size) {
      *error = "slab size " + s +
               " cannot be lower than or equal to a previous class size";
      return false;
    }
    if (size <= last + 8) {
      *error = "slab size " + s +
               " must be at least 8 bytes larger than previous class";
      return false;
    }
    last = size;
  }
  if (options.slab_sizes.size() >= SlabAllocator::kMaxClasses) {
    *error = "too many slab classes specified";
    return false;
  }
  return true;
}

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
  if (!ValidateChunkOptions(options, error)) return false;
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

ItemRef Store::Get(std::string_view key) {
  return impl_->Get(key, HashKey(key), false, 0);
}

ItemRef Store::GetAndTouch(std::string_view key, RelTime exptime) {
  return impl_->Get(key, HashKey(key), true, exptime);
}

void Store::PrefetchKeys(const std::string_view* keys, size_t n,
                         uint32_t* hashes) {
  impl_->PrefetchKeys(keys, n, hashes);
}

ItemRef Store::Get(std::string_view key, uint32_t hash) {
  return impl_->Get(key, hash, false, 0);
}

ItemRef Store::GetAndTouch(std::string_view key, uint32_t hash,
                           RelTime exptime) {
  return impl_->Get(key, hash, true, exptime);
}

bool Store::Touch(std::string_view key, RelTime exptime) {
  return impl_->Touch(key, exptime);
}

bool Store::Delete(std::string_view key) { return impl_->Delete(key); }

ArithResult Store::Arith(std::string_view key, bool incr, uint64_t delta,
                         uint64_t* value_out, uint64_t* cas_out) {
  return impl_->Arith(key, incr, delta, value_out, cas_out);
}

void Store::MetaGet(std::string_view key, const MetaGetOptions& options,
                    MetaGetResult* out) {
  impl_->MetaGet(key, HashKey(key), options, out);
}

void Store::MetaGet(std::string_view key, uint32_t hash,
                    const MetaGetOptions& options, MetaGetResult* out) {
  impl_->MetaGet(key, hash, options, out);
}

StoreResult Store::MetaStoreItem(const ItemRef& item, StoreMode mode,
                                 uint64_t cas_in, bool invalidate,
                                 uint64_t* cas_out,
                                 std::optional<uint64_t> new_cas) {
  CHECK(item) << "MetaStoreItem needs an item from Allocate()";
  return impl_->StoreItem(item.get(), mode, cas_in, cas_out, invalidate,
                          new_cas);
}

MetaDeleteResult Store::MetaDelete(std::string_view key, bool compare_cas,
                                   uint64_t cas, bool invalidate,
                                   bool set_exptime, RelTime exptime) {
  MetaDeleteOptions options;
  options.compare_cas = compare_cas;
  options.cas = cas;
  options.invalidate = invalidate;
  options.set_exptime = set_exptime;
  options.exptime = exptime;
  return impl_->MetaDelete(key, options);
}

MetaDeleteResult Store::MetaDelete(std::string_view key,
                                   const MetaDeleteOptions& options) {
  return impl_->MetaDelete(key, options);
}

MetaArithResult Store::MetaArith(std::string_view key,
                                 const MetaArithOptions& options,
                                 MetaArithOutcome* out) {
  return impl_->MetaArith(key, options, out);
}

void Store::FlushAll(RelTime when) { impl_->FlushAll(when); }

void Store::GetStats(StoreStats* out) const { impl_->GetStats(out); }

void Store::GetSlabStats(std::vector<SlabClassStats>* out) const {
  impl_->GetSlabStats(out);
}

Store::LruTuneResult Store::TuneLru(uint32_t hot_pct, uint32_t warm_pct,
                                    double hot_max_factor,
                                    double warm_max_factor) {
  return impl_->TuneLru(hot_pct, warm_pct, hot_max_factor, warm_max_factor);
}

void Store::SetLruSegmented(bool segmented) {
  impl_->SetLruSegmented(segmented);
}

void Store::SetLruTempTtl(int32_t ttl) { impl_->SetLruTempTtl(ttl); }

void Store::VisitColdLru(int cls, const std::function<bool(const ColdItem&)>& visit) const {
  impl_->VisitColdLru(cls, visit);
}

int Store::RunLruMaintainerPass() { return impl_->LruMaintainerPass(); }
bool Store::LruMaintainerNapping() const { return impl_->LruMaintainerNapping(); }

bool Store::lru_temp_enabled() const { return impl_->lru_temp_enabled(); }

Store::ReassignResult Store::SlabsReassign(int src, int dst) {
  return impl_->SlabsReassign(src, dst);
}

void Store::SetSlabAutomove(int level) { impl_->SetSlabAutomove(level); }

void Store::SetSlabAutomoveRatio(double ratio) {
  impl_->SetSlabAutomoveRatio(ratio);
}

int Store::slab_automove() const { return impl_->slab_automove(); }

double Store::slab_automove_ratio() const {
  return impl_->slab_automove_ratio();
}

int Store::RunSlabMoverPass() { return impl_->SlabMoverPass(); }

int Store::RunSlabAutomovePass() { return impl_->SlabAutomovePass(); }

void Store::Release(Item* item) { impl_->Release(item); }

}  // namespace memcd

// The memory limit at run time (cache_memlimit), the item size histogram
// (-o track_sizes) and the LRU knobs in force, for "stats settings".
#include <glog/logging.h>

#include "base/verbosity.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace memcd {

bool Store::Impl::SetMemoryLimit(size_t bytes) {
  // As memcached: memory committed up front (-L) stays as it is.
  if (options_.preallocate) return false;
  if (!slabs_.SetMemoryLimit(bytes)) return false;
  MEMCD_VLOG(1) << "item memory limit set to " << (bytes >> 20) << " MB";
  return true;
}

bool Store::Impl::GetItemSizes(
    std::vector<std::pair<uint64_t, uint64_t>>* out) const {
  if (sizes_ == nullptr) return false;
  sizes_->Snapshot(out);
  return true;
}

LruSettings Store::Impl::GetLruSettings() const {
  LruSettings s;
  s.segmented = tuning_.segmented.load(std::memory_order_relaxed);
  s.temp_lru = tuning_.temp_lru.load(std::memory_order_relaxed);
  s.temporary_ttl = tuning_.temporary_ttl.load(std::memory_order_relaxed);
  s.hot_lru_pct = tuning_.hot_lru_pct.load(std::memory_order_relaxed);
  s.warm_lru_pct = tuning_.warm_lru_pct.load(std::memory_order_relaxed);
  s.hot_max_factor = tuning_.hot_max_factor.load(std::memory_order_relaxed);
  s.warm_max_factor = tuning_.warm_max_factor.load(std::memory_order_relaxed);
  return s;
}

bool Store::SetMemoryLimit(size_t bytes) {
  return impl_->SetMemoryLimit(bytes);
}

size_t Store::memory_limit() const { return impl_->memory_limit(); }

bool Store::GetItemSizes(
    std::vector<std::pair<uint64_t, uint64_t>>* out) const {
  return impl_->GetItemSizes(out);
}

LruSettings Store::GetLruSettings() const { return impl_->GetLruSettings(); }

}  // namespace memcd

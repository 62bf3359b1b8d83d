// memcached's "stats sizes" (-o track_sizes): how many linked items there are
// of each size, in 32-byte buckets. Bucket i counts items whose total size
// (header, CAS, key and value, as Item::total_size) is in (32(i-1), 32i].
// Thread-safe: counters are relaxed atomics, bumped under different item
// locks at once; a snapshot need not be consistent across buckets.
#ifndef MEMCD_STORE_SIZE_HISTOGRAM_H_
#define MEMCD_STORE_SIZE_HISTOGRAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace memcd {

class SizeHistogram {
 public:
  static constexpr size_t kBucketBytes = 32;

  // Room for items up to `largest` bytes; bigger ones are not counted.
  explicit SizeHistogram(size_t largest)
      : buckets_(largest / kBucketBytes + 2),
        counts_(std::make_unique<std::atomic<uint64_t>[]>(buckets_)) {
    for (size_t i = 0; i < buckets_; ++i) counts_[i].store(0);
  }
  SizeHistogram(const SizeHistogram&) = delete;
  SizeHistogram& operator=(const SizeHistogram&) = delete;

  void Add(size_t total) { Bump(total, 1); }
  // REQUIRES: an item of this size was Add()ed.
  void Remove(size_t total) { Bump(total, ~uint64_t{0}); }

  // {bucket's upper bound, count} of every non-empty bucket, ascending.
  void Snapshot(std::vector<std::pair<uint64_t, uint64_t>>* out) const {
    out->clear();
    for (size_t i = 0; i < buckets_; ++i) {
      const uint64_t n = counts_[i].load(std::memory_order_relaxed);
      if (n != 0) out->emplace_back(uint64_t{i} * kBucketBytes, n);
    }
  }

 private:
  void Bump(size_t total, uint64_t delta) {
    const size_t bucket = (total + kBucketBytes - 1) / kBucketBytes;
    if (bucket >= buckets_) return;
    // Relaxed: a statistic; unsigned wrap-around makes ~0 a decrement.
    counts_[bucket].fetch_add(delta, std::memory_order_relaxed);
  }

  const size_t buckets_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_SIZE_HISTOGRAM_H_

// A latency histogram for mcload: log-linear buckets (16 per power of two, so
// a percentile is within 1/32 of the true value), fixed size, no allocation.
#ifndef MEMCD_CONTRIB_BENCH_HISTOGRAM_H_
#define MEMCD_CONTRIB_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace memcd {

class LatencyHistogram {
 public:
  void Add(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
    if (ns > max_) max_ = ns;
  }

  void Clear() {
    counts_.fill(0);
    total_ = 0;
    max_ = 0;
  }

  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }

  // The value below which a fraction P (0..1) of the samples lie: the middle
  // of the bucket holding that rank. 0 when empty.
  uint64_t Percentile(double p) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return Middle(i);
    }
    return max_;
  }

  // Bucket of V: exact below 16, then 16 linear steps per power of two.
  static size_t Index(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - kSubBits;
    return (static_cast<size_t>(shift) + 1) * kSub +
           static_cast<size_t>((v >> shift) & (kSub - 1));
  }

  static uint64_t Middle(size_t index) {
    if (index < kSub) return index;
    int shift = static_cast<int>(index / kSub) - 1;
    uint64_t low = (kSub + index % kSub) << shift;
    return low + ((uint64_t{1} << shift) >> 1);
  }

 private:
  static constexpr int kSubBits = 4;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;

  std::array<uint64_t, 64 * kSub> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_CONTRIB_BENCH_HISTOGRAM_H_

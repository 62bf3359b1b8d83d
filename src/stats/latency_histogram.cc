#include "stats/latency_histogram.h"

#include <cstdio>

namespace memcd {

const char* CommandFamilyName(CommandFamily family) {
  switch (family) {
    case CommandFamily::kGet: return "get";
    case CommandFamily::kSet: return "set";
    case CommandFamily::kDelete: return "delete";
    case CommandFamily::kIncrDecr: return "incr_decr";
    case CommandFamily::kTouch: return "touch";
    case CommandFamily::kMetaGet: return "meta_get";
    case CommandFamily::kMetaSet: return "meta_set";
    case CommandFamily::kMetaDelete: return "meta_delete";
    case CommandFamily::kMetaArith: return "meta_arithmetic";
    case CommandFamily::kOther: return "other";
  }
  return "other";
}

int LatencyBucketFor(uint64_t nanos) {
  if (nanos <= LatencyBucketBoundNanos(0)) return 0;
  // Whole microseconds, rounded up: bucket i holds (2^(i-1), 2^i] us, so i
  // is ceil(log2(micros)), the bit width of micros - 1.
  const uint64_t micros = (nanos + 999) / 1000;
  const int i = 64 - __builtin_clzll(micros - 1);
  // Exact: the bounds are whole microseconds, so ceil(nanos / 1000) <= 2^i
  // exactly when nanos <= bound(i).
  return i >= kLatencyBuckets ? kLatencyBuckets : i;
}

std::string LatencyBucketLabel(int i) {
  const uint64_t micros = LatencyBucketBoundNanos(i) / 1000;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llu.%06llu",
                static_cast<unsigned long long>(micros / 1000000),
                static_cast<unsigned long long>(micros % 1000000));
  return buf;
}

void LatencySnapshot::Add(const LatencyHistogram& h) {
  for (int i = 0; i <= kLatencyBuckets; ++i) buckets[i] += h.buckets_[i].Get();
  sum_nanos += h.sum_nanos_.Get();
}

uint64_t LatencySnapshot::count() const {
  uint64_t n = 0;
  for (uint64_t b : buckets) n += b;
  return n;
}

}  // namespace memcd

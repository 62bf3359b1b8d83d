// Request latency histograms, one per command family and worker. A worker
// records into its own LatencyHistogram with single-writer relaxed atomics
// (no lock, no locked instruction); a scrape sums every worker's into a
// LatencySnapshot. Bucket i counts durations in (kBound[i-1], kBound[i]],
// with bounds 1 us * 2^i (1 us .. ~1.05 s), plus one overflow bucket.
#ifndef MEMCD_STATS_LATENCY_HISTOGRAM_H_
#define MEMCD_STATS_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <ctime>
#include <string>

#include "stats/counter.h"

namespace memcd {

// What the /metrics "command" label says. Text, meta and binary requests of
// the same kind share a family (a binary GET is "get").
enum class CommandFamily {
  kGet,        // get, gets (text); get, getq, getk, getkq (binary)
  kSet,        // set, add, replace, append, prepend, cas (and binary's)
  kDelete,     // delete
  kIncrDecr,   // incr, decr
  kTouch,      // touch, gat, gats (binary touch, gat, gatq)
  kMetaGet,    // mg
  kMetaSet,    // ms
  kMetaDelete, // md
  kMetaArith,  // ma
  kOther,      // everything else: stats, version, mn, flush_all, ...
};
constexpr int kCommandFamilyCount = 10;

// The label value: "get", "set", ..., "meta_arithmetic", "other".
const char* CommandFamilyName(CommandFamily family);

// Nanoseconds on CLOCK_MONOTONIC (a vDSO call: no system call).
inline uint64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

constexpr int kLatencyBuckets = 21;  // finite bounds; bucket kLatencyBuckets is +Inf

// Upper bound of finite bucket i, in nanoseconds (1000 << i).
constexpr uint64_t LatencyBucketBoundNanos(int i) { return uint64_t{1000} << i; }

// The bucket a duration falls in: the smallest i with nanos <= bound(i), or
// kLatencyBuckets when it exceeds every finite bound.
int LatencyBucketFor(uint64_t nanos);

// "0.000001", "0.000002", ..., "1.048576": bucket i's bound in seconds,
// exact (every bound is a whole number of microseconds).
std::string LatencyBucketLabel(int i);

class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // REQUIRES: called only from the owning thread.
  void Record(uint64_t nanos) {
    buckets_[LatencyBucketFor(nanos)].Add();
    sum_nanos_.Add(nanos);
  }

 private:
  friend struct LatencySnapshot;
  Counter buckets_[kLatencyBuckets + 1];
  Counter sum_nanos_;
};

// A plain sum of histograms. Not cumulative: buckets[i] is bucket i alone.
struct LatencySnapshot {
  uint64_t buckets[kLatencyBuckets + 1] = {};
  uint64_t sum_nanos = 0;

  void Add(const LatencyHistogram& h);
  uint64_t count() const;
};

}  // namespace memcd

#endif  // MEMCD_STATS_LATENCY_HISTOGRAM_H_

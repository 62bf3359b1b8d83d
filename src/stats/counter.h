// A counter with one writer thread and any number of readers: the writer
// increments with a relaxed load+store (a plain add on x86, no locked
// instruction), readers see some recent value. Never share a Counter between
// two writer threads.
#ifndef MEMCD_STATS_COUNTER_H_
#define MEMCD_STATS_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace memcd {

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // REQUIRES: called only from the owning thread.
  void Add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n,
                 std::memory_order_relaxed);
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace memcd

#endif  // MEMCD_STATS_COUNTER_H_

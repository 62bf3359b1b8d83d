// memcd's log verbosity: -v/-vv/-vvv (or glog's --v) set it at start and the
// "verbosity" command changes it while workers run. glog's FLAGS_v is a plain
// int that every VLOG reads unsynchronized, so writing it at run time is a
// data race (memcached has the same one on settings.verbose). This level is a
// relaxed atomic instead: a log line that appears a request late is fine,
// a torn or undefined read is not. Code logs by level with MEMCD_VLOG(n),
// never with glog's VLOG(n); FLAGS_v is written once, before threads start.
#ifndef MEMCD_BASE_VERBOSITY_H_
#define MEMCD_BASE_VERBOSITY_H_

#include <glog/logging.h>

#include <atomic>

namespace memcd {

namespace internal {
// Constant-initialized, so reading it costs one relaxed load (no guard).
inline std::atomic<int>& VerbosityCell() {
  static std::atomic<int> level{0};
  return level;
}
}  // namespace internal

// The level in force: 0 quiet, 1 connections and errors, 2 commands,
// 3 internal state.
inline int VerbosityLevel() {
  return internal::VerbosityCell().load(std::memory_order_relaxed);
}

// Any thread, any time; later MEMCD_VLOGs on every thread see it soon.
inline void SetVerbosityLevel(int level) {
  internal::VerbosityCell().store(level, std::memory_order_relaxed);
}

}  // namespace memcd

// As glog's VLOG(level), gated on VerbosityLevel() instead of FLAGS_v; the
// message is built only when the level is on. Marked unlikely, so that the
// compiler moves the message-building code out of the request path's
// instruction cache lines (glog's LOG_IF gives no hint).
#define MEMCD_VLOG(level) \
  LOG_IF(INFO, __builtin_expect(::memcd::VerbosityLevel() >= (level), 0))

#endif  // MEMCD_BASE_VERBOSITY_H_

// Per-worker request counters, declared once as an X-macro list and summed
// across workers when a client asks for stats (memcached's model: no shared
// counter on the request path).
#ifndef MEMCD_STATS_THREAD_STATS_H_
#define MEMCD_STATS_THREAD_STATS_H_

#include <cstdint>

#include "stats/counter.h"
#include "stats/hot_keys.h"
#include "stats/latency_histogram.h"

namespace memcd {

// X(field, "stat name as memcached prints it")
#define MEMCD_THREAD_COUNTERS(X)          \
  X(get_cmds, "cmd_get")                  \
  X(set_cmds, "cmd_set")                  \
  X(flush_cmds, "cmd_flush")              \
  X(touch_cmds, "cmd_touch")              \
  X(meta_cmds, "cmd_meta")                \
  X(get_hits, "get_hits")                 \
  X(get_misses, "get_misses")             \
  X(delete_misses, "delete_misses")       \
  X(delete_hits, "delete_hits")           \
  X(incr_misses, "incr_misses")           \
  X(incr_hits, "incr_hits")               \
  X(decr_misses, "decr_misses")           \
  X(decr_hits, "decr_hits")               \
  X(cas_misses, "cas_misses")             \
  X(cas_hits, "cas_hits")                 \
  X(cas_badval, "cas_badval")             \
  X(touch_hits, "touch_hits")             \
  X(touch_misses, "touch_misses")         \
  X(store_too_large, "store_too_large")   \
  X(store_no_memory, "store_no_memory")   \
  X(auth_cmds, "auth_cmds")               \
  X(auth_errors, "auth_errors")           \
  X(idle_kicks, "idle_kicks")             \
  X(bytes_read, "bytes_read")             \
  X(bytes_written, "bytes_written")       \
  X(conn_yields, "conn_yields")

// get/gets hits per slab class and LRU segment, memcached's hits_to_hot,
// _warm, _cold and _temp in "stats items": index class * 4 + segment
// (store/lru.h's order), for class ids below 64.
constexpr int kLruHitSlots = 64 * 4;

// Owned and written by one worker thread; read by any.
struct ThreadStats {
#define MEMCD_DECLARE_COUNTER(field, name) Counter field;
  MEMCD_THREAD_COUNTERS(MEMCD_DECLARE_COUNTER)
#undef MEMCD_DECLARE_COUNTER
  Counter lru_hits[kLruHitSlots];
  // Not in ThreadStatsTotals, and not zeroed by "stats reset": /metrics
  // histograms stay monotonic, and hot keys have their own window.
  LatencyHistogram latency[kCommandFamilyCount];  // indexed by CommandFamily
  HotKeySketch hot_keys;
};

// A plain sum of ThreadStats.
struct ThreadStatsTotals {
#define MEMCD_DECLARE_TOTAL(field, name) uint64_t field = 0;
  MEMCD_THREAD_COUNTERS(MEMCD_DECLARE_TOTAL)
#undef MEMCD_DECLARE_TOTAL
  uint64_t lru_hits[kLruHitSlots] = {};

  void Add(const ThreadStats& s);
  // Subtracts a baseline taken earlier (for "stats reset").
  void Subtract(const ThreadStatsTotals& base);
};

}  // namespace memcd

#endif  // MEMCD_STATS_THREAD_STATS_H_

// What every worker shares: the options, the store, the clock and the
// connection counters. Owned by Server; workers borrow it for their lifetime.
#ifndef MEMCD_SERVER_SERVER_CONTEXT_H_
#define MEMCD_SERVER_SERVER_CONTEXT_H_

#include <mutex>
#include <vector>

#include "base/clock.h"
#include "net/dispatcher.h"
#include "server/options.h"
#include "stats/thread_stats.h"
#include "store/store.h"

namespace memcd {

class PrefixStats;  // server/prefix_stats.h

// Counter values at the last "stats reset"; reports subtract them, because
// the counters themselves have one writer each and cannot be zeroed from
// another thread.
struct StatsBaseline {
  std::mutex mu;  // guards every field
  ThreadStatsTotals threads;
  StoreStats store;
  uint64_t total_conns = 0;
  uint64_t rejected_conns = 0;
};

struct ServerContext {
  const ServerOptions* options = nullptr;
  Store* store = nullptr;
  Clock* clock = nullptr;
  Dispatcher* dispatcher = nullptr;
  std::vector<const ThreadStats*> thread_stats;  // one per worker
  RelTime started = 0;                            // clock value at start-up
  StatsBaseline* baseline = nullptr;              // owned by Server
  const PrefixStats* prefixes = nullptr;          // "stats detail"; owned by Server
};

// The version string clients see ("VERSION ..."): the memcached protocol
// level memcd implements, then memcd's own version.
const char* ServerVersion();

}  // namespace memcd

#endif  // MEMCD_SERVER_SERVER_CONTEXT_H_

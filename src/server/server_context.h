// What every worker shares: the options, the store, the clock and the
// connection counters. Owned by Server; workers borrow it for their lifetime.
#ifndef MEMCD_SERVER_SERVER_CONTEXT_H_
#define MEMCD_SERVER_SERVER_CONTEXT_H_

#include <mutex>
#include <vector>

#include "base/clock.h"
#include "net/dispatcher.h"
#include "net/listener.h"
#include "server/options.h"
#include "stats/thread_stats.h"
#include "stats/watch_log.h"
#include "store/item.h"
#include "store/store.h"

namespace memcd {

class PrefixStats;  // server/prefix_stats.h
class TlsContext;   // net/tls.h

// Counter values at the last "stats reset"; reports subtract them, because
// the counters themselves have one writer each and cannot be zeroed from
// another thread.
struct StatsBaseline {
  std::mutex mu;  // guards every field
  ThreadStatsTotals threads;
  StoreStats store;
  uint64_t total_conns = 0;
  uint64_t rejected_conns = 0;
  WatchLog::Stats watch;  // log_watchers is a gauge: never subtracted
};

struct ServerContext {
  const ServerOptions* options = nullptr;
  Store* store = nullptr;
  Clock* clock = nullptr;
  Dispatcher* dispatcher = nullptr;
  const ListenPauses* listen_pauses = nullptr;  // null in tests without listeners
  std::vector<const ThreadStats*> thread_stats;  // one per worker
  RelTime started = 0;                            // clock value at start-up
  StatsBaseline* baseline = nullptr;              // owned by Server
  PrefixStats* prefixes = nullptr;                // "stats detail"; owned by Server
  WatchLog* watch_log = nullptr;                  // "watch"; owned by Server; may be null
  TlsContext* tls = nullptr;                      // -Z; owned by Server; null without it
};

// "watch" hooks, one per event type, called by every protocol's handler
// where a request meets the store. Each costs one relaxed load while nobody
// watches. `fd` is the client's socket.
inline void WatchFetch(const ServerContext& ctx, std::string_view key, const ItemRef& item,
                       int fd) {
  if (ctx.watch_log == nullptr || !ctx.watch_log->Wants(kWatchFetchers)) return;
  if (item) {
    ctx.watch_log->LogGet(key, WatchGetStatus::kFound, item.get()->slab_class, fd,
                          static_cast<int64_t>(item.value_length()));
  } else {
    ctx.watch_log->LogGet(key, WatchGetStatus::kNotFound, 0, fd, 0);
  }
}

// `item` is the item the command tried to link (its key, class and size).
inline void WatchStore(const ServerContext& ctx, const ItemRef& item, StoreMode mode,
                       StoreResult result, int fd) {
  if (ctx.watch_log == nullptr || !ctx.watch_log->Wants(kWatchMutations) || !item) return;
  static constexpr WatchStoreCmd kCmd[] = {WatchStoreCmd::kSet,    WatchStoreCmd::kAdd,
                                           WatchStoreCmd::kReplace, WatchStoreCmd::kAppend,
                                           WatchStoreCmd::kPrepend, WatchStoreCmd::kCas};
  WatchStoreStatus status = WatchStoreStatus::kStored;
  switch (result) {
    case StoreResult::kStored: status = WatchStoreStatus::kStored; break;
    case StoreResult::kNotStored: status = WatchStoreStatus::kNotStored; break;
    case StoreResult::kExists: status = WatchStoreStatus::kExists; break;
    case StoreResult::kNotFound: status = WatchStoreStatus::kNotFound; break;
    case StoreResult::kNoMemory: status = WatchStoreStatus::kNoMemory; break;
  }
  const RelTime exptime = item.exptime();
  const RelTime now = ctx.clock->Now();
  const int64_t ttl = exptime == 0 ? 0 : static_cast<int64_t>(exptime) - static_cast<int64_t>(now);
  ctx.watch_log->LogStore(item.key(), status, kCmd[static_cast<int>(mode)], ttl,
                          item.get()->slab_class, fd,
                          static_cast<int64_t>(item.value_length()));
}

// "watch deletions": Peek() before a delete notes the item's class and size
// (one extra lookup, only while someone watches deletions); Deleted() after
// it succeeded logs the line.
class WatchDelete {
 public:
  WatchDelete(const ServerContext& ctx, std::string_view key)
      : log_(ctx.watch_log != nullptr && ctx.watch_log->Wants(kWatchDeletions) ? ctx.watch_log
                                                                                : nullptr),
        key_(key) {
    if (log_ == nullptr) return;
    MetaGetOptions peek;
    peek.peek = true;
    peek.no_bump = true;
    MetaGetResult found;
    ctx.store->MetaGet(key, peek, &found);
    if (found.item) {
      clsid_ = found.item.get()->slab_class;
      size_ = static_cast<int64_t>(found.item.value_length());
    }
  }
  void Deleted(WatchDeleteCmd cmd) const {
    if (log_ != nullptr) log_->LogDelete(key_, cmd, clsid_, size_);
  }

 private:
  WatchLog* const log_;
  const std::string_view key_;
  uint32_t clsid_ = 0;
  int64_t size_ = 0;
};

// The version string clients see ("VERSION ..."): the memcached protocol
// level memcd implements, then memcd's own version.
const char* ServerVersion();

}  // namespace memcd

#endif  // MEMCD_SERVER_SERVER_CONTEXT_H_

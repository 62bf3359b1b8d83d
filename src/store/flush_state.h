// flush_all without walking memory, as memcached: remember the newest store
// time (and, with CAS, the first CAS) that survives; lookups treat older
// items as gone once the flush time has come.
#ifndef MEMCD_STORE_FLUSH_STATE_H_
#define MEMCD_STORE_FLUSH_STATE_H_

#include <atomic>
#include <cstdint>
#include <mutex>

#include "base/clock.h"
#include "store/item.h"

namespace memcd {

class FlushState {
 public:
  // Records a flush: once `oldest_live` <= now, items whose time is <=
  // oldest_live, or whose CAS is below `oldest_cas` (when both are non-zero),
  // are flushed. A flush already in force stays in force, so that a later
  // delayed flush cannot bring its victims back (memcached forgets it).
  void Set(RelTime oldest_live, uint64_t oldest_cas, RelTime now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (InForce(current_, now)) {
      Copy(current_, &previous_);
    }
    current_.cas.store(oldest_cas, std::memory_order_relaxed);
    current_.live.store(oldest_live, std::memory_order_release);
    current_.set.store(true, std::memory_order_release);
  }

  // Lock-free; a lookup racing with Set() may or may not see the new flush.
  bool IsFlushed(const Item& item, RelTime now) const {
    return Kills(current_, item, now) || Kills(previous_, item, now);
  }

  // IsFlushed() by the time rule alone: reads no CAS, so it needs no item
  // lock. It misses items killed only by the CAS rule (stored in the two
  // seconds before an immediate flush with CAS on).
  bool IsFlushedByTime(const Item& item, RelTime now) const {
    return KillsByTime(current_, item, now) || KillsByTime(previous_, item, now);
  }

  // The oldest_live of the newest flush, 0 when none was made.
  RelTime oldest_live() const {
    return current_.live.load(std::memory_order_acquire);
  }

 private:
  struct Record {
    std::atomic<bool> set{false};
    std::atomic<RelTime> live{0};
    std::atomic<uint64_t> cas{0};
  };

  static bool InForce(const Record& r, RelTime now) {
    return r.set.load(std::memory_order_acquire) &&
           r.live.load(std::memory_order_acquire) <= now;
  }
  // The two rules of a flush in force: last access at or before its
  // oldest_live, or (CAS on) a CAS older than the flush's.
  static bool TimeRule(const Record& r, const Item& item) {
    return item.time.load(std::memory_order_relaxed) <=
           r.live.load(std::memory_order_relaxed);
  }
  static bool CasRule(const Record& r, const Item& item) {
    const uint64_t oldest_cas = r.cas.load(std::memory_order_relaxed);
    const uint64_t cas = item.cas();
    return oldest_cas != 0 && cas != 0 && cas < oldest_cas;
  }
  static bool KillsByTime(const Record& r, const Item& item, RelTime now) {
    return InForce(r, now) && TimeRule(r, item);
  }
  static bool Kills(const Record& r, const Item& item, RelTime now) {
    return InForce(r, now) && (TimeRule(r, item) || CasRule(r, item));
  }
  static void Copy(const Record& from, Record* to) {
    to->cas.store(from.cas.load(std::memory_order_relaxed),
                  std::memory_order_relaxed);
    to->live.store(from.live.load(std::memory_order_relaxed),
                   std::memory_order_release);
    to->set.store(from.set.load(std::memory_order_relaxed),
                  std::memory_order_release);
  }

  std::mutex mu_;    // serializes Set(); readers take no lock
  Record current_;   // the newest flush, possibly not yet in force
  Record previous_;  // the last flush that was in force before it
};

}  // namespace memcd

#endif  // MEMCD_STORE_FLUSH_STATE_H_

#include "base/clock.h"

#include <ctime>

namespace memcd {

namespace {

// memcached's ITEM_UPDATE_INTERVAL + 2: starting the clock this far in the
// past keeps every RelTime, even "now - 60", above 0.
constexpr int64_t kStartOffset = 62;

}  // namespace

RelTime Clock::ToRelTime(int64_t exptime) const {
  if (exptime == 0) return 0;
  if (exptime < 0) return 1;  // already expired, but distinct from "never"
  if (exptime > kMaxRelativeExptime) {
    // An absolute unix time; one at or before our start has already passed.
    if (exptime <= process_started()) return 1;
    return static_cast<RelTime>(exptime - process_started());
  }
  return static_cast<RelTime>(exptime + Now());
}

RealClock::RealClock() : process_started_(time(nullptr) - kStartOffset) {
  Tick();
}

void RealClock::Tick() {
  const int64_t now = static_cast<int64_t>(time(nullptr)) +
                      offset_.load(std::memory_order_relaxed) -
                      process_started_;
  now_.store(static_cast<RelTime>(now), std::memory_order_relaxed);
}

void RealClock::AddOffset(int64_t seconds) {
  offset_.fetch_add(seconds, std::memory_order_relaxed);
  Tick();
}

}  // namespace memcd

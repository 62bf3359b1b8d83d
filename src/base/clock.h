// Process clock in the memcached style: whole seconds since (a little before)
// process start, so that item times fit in 32 bits. The real clock is advanced
// by a timer on the main thread; tests use FakeClock and move time by hand.
#ifndef MEMCD_BASE_CLOCK_H_
#define MEMCD_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace memcd {

// Seconds since Clock::process_started(). 0 is reserved for "never".
using RelTime = uint32_t;

// Relative expiry times above this many seconds are absolute unix times.
constexpr int64_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current time in seconds since process_started(). Never 0.
  virtual RelTime Now() const = 0;
  // Unix time at which RelTime 0 lies.
  virtual int64_t process_started() const = 0;

  // memcached's realtime(): converts a client exptime to a RelTime.
  // 0 -> 0 (never); negative -> 1 (already expired); up to 30 days ->
  // relative to now; larger -> absolute unix time (1 if already past).
  RelTime ToRelTime(int64_t exptime) const;
  // Unix time of a RelTime.
  int64_t ToUnixTime(RelTime t) const { return process_started() + t; }
  // Debug aid (debugtime command, tests): moves the clock forward.
  virtual void AddOffset(int64_t seconds) = 0;
};

// Wall clock, ticked once a second by the main thread's timer.
class RealClock : public Clock {
 public:
  RealClock();
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  RelTime Now() const override { return now_.load(std::memory_order_relaxed); }
  int64_t process_started() const override { return process_started_; }

  // Re-reads the system clock. Called from the main thread's timer.
  void Tick();
  void AddOffset(int64_t seconds) override;

 private:
  int64_t process_started_;
  std::atomic<int64_t> offset_{0};   // added to the wall clock; relaxed, debug only
  std::atomic<RelTime> now_{0};      // relaxed: readers only need some recent second
};

// Manually advanced clock for unit tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t process_started = 1700000000, RelTime now = 100)
      : process_started_(process_started), now_(now) {}
  RelTime Now() const override { return now_; }
  int64_t process_started() const override { return process_started_; }
  void Advance(RelTime seconds) { now_ += seconds; }
  void AddOffset(int64_t seconds) override { now_ += seconds; }

 private:
  int64_t process_started_;
  RelTime now_;
};

}  // namespace memcd

#endif  // MEMCD_BASE_CLOCK_H_

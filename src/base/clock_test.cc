#include "base/clock.h"

#include <gtest/gtest.h>

#include <ctime>

namespace memcd {
namespace {

constexpr int64_t kStarted = 1700000000;

struct RelTimeCase {
  int64_t exptime;
  RelTime want;
};

TEST(ClockTest, ToRelTimeFollowsMemcachedRealtime) {
  const FakeClock clock(kStarted, 100);
  const RelTimeCase cases[] = {
      {0, 0},   // never expires
      {-1, 1},  // already expired
      {-1000000, 1},
      {1, 101},  // relative
      {10, 110},
      {kMaxRelativeExptime, 100 + kMaxRelativeExptime},  // still relative
      {kMaxRelativeExptime + 1, 1},                      // absolute, long past
      {kStarted - 5, 1},                                 // before the start
      {kStarted, 1},                                     // exactly the start
      {kStarted + 1, 1},                                 // just after it
      {kStarted + 500, 500},
  };
  for (const RelTimeCase& c : cases) {
    EXPECT_EQ(clock.ToRelTime(c.exptime), c.want) << "exptime " << c.exptime;
  }
}

TEST(ClockTest, ToUnixTime) {
  const FakeClock clock(kStarted, 100);
  EXPECT_EQ(clock.ToUnixTime(0), kStarted);
  EXPECT_EQ(clock.ToUnixTime(clock.Now()), kStarted + 100);
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(kStarted, 100);
  clock.Advance(5);
  EXPECT_EQ(clock.Now(), 105u);
  EXPECT_EQ(clock.ToRelTime(10), 115u);
}

TEST(ClockTest, RealClockStartsInThePast) {
  const int64_t before = time(nullptr);
  RealClock clock;
  const int64_t after = time(nullptr);
  // 62 s of history, so that Now() - 60 is still a valid RelTime.
  EXPECT_GE(clock.process_started(), before - 62);
  EXPECT_LE(clock.process_started(), after - 62);
  EXPECT_GE(clock.Now(), 62u);
  EXPECT_LE(clock.Now(), 63u);
  EXPECT_EQ(clock.ToUnixTime(clock.Now()),
            clock.process_started() + clock.Now());
}

TEST(ClockTest, RealClockOffsetMovesNow) {
  RealClock clock;
  const RelTime start = clock.Now();
  clock.AddOffset(3600);
  EXPECT_GE(clock.Now(), start + 3600);
  EXPECT_LE(clock.Now(), start + 3601);
  clock.Tick();  // a tick keeps the offset
  EXPECT_GE(clock.Now(), start + 3600);
  // Absolute times are read against the shifted clock's fixed start.
  EXPECT_EQ(clock.ToRelTime(clock.process_started() + 5000), 5000u);
  EXPECT_EQ(clock.ToRelTime(30), clock.Now() + 30);
}

}  // namespace
}  // namespace memcd

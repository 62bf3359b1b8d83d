// BackgroundThread: passes, the sleep between them, and the two ways to cut
// a sleep short. Sleeps here are an hour long, so a pass that comes sooner
// can only have been woken.
#include "store/background_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::WaitFor;

constexpr std::chrono::microseconds kHour = std::chrono::hours(1);

TEST(BackgroundThreadTest, WakeIfNappingCutsTheSleepAfterAnIdlePass) {
  std::atomic<int> passes{0};
  BackgroundThread thread("bg-test", [&] { ++passes; return 0; }, kHour, kHour);
  thread.Start();
  ASSERT_TRUE(WaitFor([&] { return passes == 1 && thread.napping(); }));
  thread.WakeIfNapping();
  ASSERT_TRUE(WaitFor([&] { return passes == 2; }));
  // Napping again after the second idle pass; a second call wakes it again.
  ASSERT_TRUE(WaitFor([&] { return thread.napping(); }));
  thread.WakeIfNapping();
  EXPECT_TRUE(WaitFor([&] { return passes == 3; }));
}

TEST(BackgroundThreadTest, WakeIfNappingLeavesABusyThreadAlone) {
  std::atomic<int> passes{0};
  // Every pass reports work: it sleeps the (hour-long) minimum, not napping.
  BackgroundThread thread("bg-test", [&] { return ++passes; }, kHour, kHour);
  thread.Start();
  ASSERT_TRUE(WaitFor([&] { return passes == 1; }));
  EXPECT_FALSE(thread.napping());
  thread.WakeIfNapping();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(passes, 1);
  thread.Wake();  // Wake() itself always works
  EXPECT_TRUE(WaitFor([&] { return passes == 2; }));
}

}  // namespace
}  // namespace memcd
